import type { NextConfig } from "next";

const config: NextConfig = {
  // CMS paths end with a slash (/news/some-post/): keep them as the CMS writes them.
  trailingSlash: true,
  poweredByHeader: false,
  reactStrictMode: true,
  // Images come as ready-made renditions (srcset + WebP) from the API: no optimiser.
  images: { unoptimized: true },
  // `npm run lint` and `npm run typecheck` run on their own (tests, CI).
  eslint: { ignoreDuringBuilds: true },
  // Rendered pages and API answers are cached in this process's memory only (each instance is
  // revalidated by its own webhook delivery), never written into .next/.
  // The stylesheet (a few KB) goes into each page's <head>: no render-blocking request before
  // the first paint on a slow mobile connection.
  experimental: { isrFlushToDisk: false, inlineCss: true },
};

export default config;
