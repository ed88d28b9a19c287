import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { encodeBody, servesStaticHtml, withoutClientRuntime } from "../server/static-pages.mjs";

// The shape of what `next build` + `next start` send for a page (Next.js 15, App Router).
const PAGE = [
  '<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>',
  '<link rel="preload" as="script" fetchPriority="low" href="/_next/static/chunks/webpack-1.js"/>',
  '<script src="/_next/static/chunks/4bd1-2.js" async=""></script>',
  '<script src="/_next/static/chunks/polyfills-3.js" noModule=""></script>',
  "<title>A post · Newsroom</title>",
  '<link rel="canonical" href="https://news.example/news/a/"/>',
  '<link rel="stylesheet" href="/_next/static/css/4.css" data-precedence="next"/>',
  "</head><body><main><h1>A post</h1>",
  '<script type="application/ld+json">{"@type":"NewsArticle"}</script>',
  '<div hidden id="S:0"><p>late</p></div><script>$RC("B:0","S:0")</script>',
  "</main>",
  '<script src="/_next/static/chunks/webpack-1.js" id="_R_" async=""></script>',
  "<script>(self.__next_f=self.__next_f||[]).push([0])</script>",
  '<script>self.__next_f.push([1,"0:{\\"P\\":null}\\n"])</script>',
  "</body></html>",
].join("");

describe("withoutClientRuntime", () => {
  const html = withoutClientRuntime(PAGE);

  it("removes Next.js's scripts, their preloads and the RSC payload", () => {
    expect(html).not.toContain("/_next/static/chunks/");
    expect(html).not.toContain("__next_f");
  });

  it("keeps the document, the head, JSON-LD, React's inline helpers and the stylesheet", () => {
    expect(html).toContain("<title>A post · Newsroom</title>");
    expect(html).toContain('<link rel="canonical" href="https://news.example/news/a/"/>');
    expect(html).toContain('<script type="application/ld+json">{"@type":"NewsArticle"}</script>');
    expect(html).toContain('<script>$RC("B:0","S:0")</script>');
    expect(html).toContain('href="/_next/static/css/4.css"');
    expect(html).toMatch(/^<!DOCTYPE html>[\s\S]*<h1>A post<\/h1>[\s\S]*<\/body><\/html>$/);
  });

  it("leaves a page without the runtime unchanged", () => {
    expect(withoutClientRuntime(html)).toBe(html);
    const other = '<p><script src="https://cms.example/static/userbar.js"></script></p>';
    expect(withoutClientRuntime(other)).toBe(other);
  });
});

describe("servesStaticHtml", () => {
  const get = (url: string, headers: Record<string, string> = {}) => ({ method: "GET", url, headers });

  it("applies to reader pages fetched with GET", () => {
    expect(servesStaticHtml(get("/"))).toBe(true);
    expect(servesStaticHtml(get("/news/?category=release&page=2"))).toBe(true);
    expect(servesStaticHtml(get("/news/a-post/"))).toBe(true);
    expect(servesStaticHtml(get("/search/?q=lattice"))).toBe(true);
  });

  it("leaves Next.js's files, route handlers, previews, RSC requests and other methods alone", () => {
    expect(servesStaticHtml(get("/_next/static/chunks/a.js"))).toBe(false);
    expect(servesStaticHtml(get("/api/revalidate/"))).toBe(false);
    expect(servesStaticHtml(get("/preview/view/?token=x"))).toBe(false);
    expect(servesStaticHtml(get("/news/", { rsc: "1" }))).toBe(false);
    expect(servesStaticHtml({ method: "POST", url: "/news/", headers: {} })).toBe(false);
    expect(servesStaticHtml({ method: "HEAD", url: "/news/", headers: {} })).toBe(false);
  });
});

describe("encodeBody", () => {
  const body = Buffer.from("<p>Newsroom</p>".repeat(200));

  it("prefers brotli, then gzip, as the client accepts", () => {
    const br = encodeBody(body, "text/html; charset=utf-8", "gzip, deflate, br");
    expect(br.encoding).toBe("br");
    expect(brotliDecompressSync(br.body).equals(body)).toBe(true);
    const gzip = encodeBody(body, "text/html; charset=utf-8", "gzip");
    expect(gzip.encoding).toBe("gzip");
    expect(gunzipSync(gzip.body).equals(body)).toBe(true);
    expect(gzip.body.length).toBeLessThan(body.length / 10);
  });

  it("sends identity when nothing is accepted, for tiny bodies and for images", () => {
    expect(encodeBody(body, "text/html", "").encoding).toBeNull();
    expect(encodeBody(Buffer.from("<p>hi</p>"), "text/html", "br").encoding).toBeNull();
    expect(encodeBody(body, "image/webp", "br").encoding).toBeNull();
  });
});
