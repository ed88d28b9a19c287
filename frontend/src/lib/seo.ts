// <head> for every page: title, description, canonical URL, Open Graph, Twitter card, feeds,
// and the JSON-LD NewsArticle of a post.
import type { Metadata } from "next";
import type { NewsPageDetail, Schemas } from "./api";
import { mediaUrl } from "./media";
import { siteUrl } from "./config";

type Seo = Schemas["Seo"];

export function absoluteUrl(path: string): string {
  if (/^https?:\/\//.test(path)) return path;
  return `${siteUrl()}${path.startsWith("/") ? path : `/${path}`}`;
}

export const FEEDS = {
  "application/rss+xml": [{ url: "/feed.xml", title: "News (RSS)" }],
  "application/atom+xml": [{ url: "/atom.xml", title: "News (Atom)" }],
};

export function pageMetadata(options: {
  title: string;
  description?: string;
  path: string;
  seo?: Seo | null;
  type?: "website" | "article";
  publishedTime?: string | null;
  modifiedTime?: string | null;
  authors?: string[];
  siteName: string;
  noindex?: boolean;
}): Metadata {
  const seo = options.seo;
  const title = seo?.title || options.title;
  const description = seo?.description || options.description || "";
  const canonical = seo?.canonical_url || absoluteUrl(options.path);
  const image = seo?.social_image;
  const images = image
    ? [{ url: mediaUrl(image.url), width: image.width, height: image.height, alt: title }]
    : undefined;
  return {
    title,
    description: description || undefined,
    alternates: { canonical, types: FEEDS },
    robots: options.noindex ? { index: false, follow: false } : undefined,
    openGraph: {
      title,
      description: description || undefined,
      url: canonical,
      siteName: options.siteName,
      type: options.type ?? "website",
      images,
      ...(options.type === "article"
        ? {
            publishedTime: options.publishedTime ?? undefined,
            modifiedTime: options.modifiedTime ?? undefined,
            authors: options.authors,
          }
        : {}),
    },
    twitter: {
      card: image ? "summary_large_image" : "summary",
      title,
      description: description || undefined,
      images: images?.map((i) => i.url),
    },
  };
}

export function newsArticleJsonLd(page: NewsPageDetail, siteName: string) {
  const image = page.seo.social_image
    ? mediaUrl(page.seo.social_image.url)
    : page.feature_image
      ? mediaUrl(page.feature_image.src)
      : undefined;
  const authors = page.authors.length
    ? page.authors.map((a) => ({ "@type": "Person", name: a.name }))
    : page.byline
      ? [{ "@type": "Organization", name: page.byline }]
      : [{ "@type": "Organization", name: siteName }];
  return {
    "@context": "https://schema.org",
    "@type": "NewsArticle",
    headline: page.title,
    description: page.summary || undefined,
    datePublished: page.date ?? page.meta.first_published_at ?? undefined,
    dateModified: page.meta.last_published_at ?? page.date ?? undefined,
    author: authors,
    image: image ? [image] : undefined,
    mainEntityOfPage: absoluteUrl(page.path),
    publisher: { "@type": "Organization", name: siteName, url: siteUrl() },
  };
}

/** JSON for a <script type="application/ld+json">: "<" escaped so it cannot close the tag. */
export function jsonLdText(data: unknown): string {
  return JSON.stringify(data).replace(/</g, "\\u003c");
}
