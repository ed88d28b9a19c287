// Reader pages without Next.js's client runtime: the HTML a reader gets is complete (every
// page is a Server Component, no interactivity needs JavaScript: links, the filter form and
// the search form are plain HTML), so the React runtime, the RSC payload and their hydration
// only cost a phone's CPU and bandwidth. `next start`'s HTML is passed through
// `withoutClientRuntime`, which removes exactly Next.js's own scripts and leaves every other
// script (JSON-LD, React's inline Suspense helpers, anything a page renders itself) in place.
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

// <script src="/_next/static/…"></script>, the framework's chunks and polyfills.
const NEXT_SCRIPT = /<script\b[^>]*\bsrc="\/_next\/static\/[^"]*"[^>]*><\/script>/g;
// <script>self.__next_f.push(…)</script>: the RSC payload, read only by hydration.
const RSC_PAYLOAD = /<script>\(?self\.__next_f\b[\s\S]*?<\/script>/g;
// <link rel="preload" as="script" …> and modulepreload hints for those same chunks.
const SCRIPT_PRELOAD = /<link\b(?=[^>]*\bhref="\/_next\/static\/[^"]*")(?=[^>]*\b(?:as="script"|rel="modulepreload"))[^>]*\/?>/g;

/**
 * The page's HTML without Next.js's client runtime (framework scripts, their preloads and the
 * RSC payload). Everything else is returned unchanged.
 * @param {string} html
 * @returns {string}
 */
export function withoutClientRuntime(html) {
  return html.replace(NEXT_SCRIPT, "").replace(RSC_PAYLOAD, "").replace(SCRIPT_PRELOAD, "");
}

// Paths whose answers keep the runtime: Next.js's own files and route handlers, and the
// preview (Draft Mode), whose page also carries the CMS's user bar.
const KEEP = /^\/(?:_next|api|preview)(?:\/|$)/;

/**
 * Whether a request's HTML is served without the client runtime: reader pages fetched with
 * GET by a browser (not Next.js's own RSC requests, which a page without the runtime never
 * makes anyway).
 * @param {{ method?: string, url?: string, headers: Record<string, string | string[] | undefined> }} request
 * @returns {boolean}
 */
export function servesStaticHtml(request) {
  if (request.method !== "GET") return false;
  if (request.headers.rsc !== undefined || request.headers["next-router-prefetch"] !== undefined) return false;
  const path = (request.url ?? "/").split("?")[0] ?? "/";
  return !KEEP.test(path);
}

const COMPRESSIBLE = /^(?:text\/|application\/(?:json|xml|rss\+xml|atom\+xml|javascript))/;

/**
 * The body as the client asked for it (brotli, then gzip, else identity), for a response whose
 * encoding we took over from Next.js.
 * @param {Buffer} body
 * @param {string} contentType
 * @param {string} acceptEncoding
 * @returns {{ body: Buffer, encoding: string | null }}
 */
export function encodeBody(body, contentType, acceptEncoding) {
  if (body.length < 1024 || !COMPRESSIBLE.test(contentType)) return { body, encoding: null };
  const accepted = acceptEncoding.toLowerCase();
  if (/\bbr\b/.test(accepted)) {
    // Quality 5: most of brotli's gain at a fraction of its maximum CPU cost (per request).
    const options = { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } };
    return { body: brotliCompressSync(body, options), encoding: "br" };
  }
  if (/\bgzip\b/.test(accepted)) return { body: gzipSync(body), encoding: "gzip" };
  return { body, encoding: null };
}
