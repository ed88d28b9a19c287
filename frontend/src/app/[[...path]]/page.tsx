// Every CMS page by its path, resolved through the API's route lookup. Rendered on first
// request and kept (ISR) until the CMS's webhook revalidates the path.
import type { Metadata } from "next";
import Link from "next/link";
import { notFound, permanentRedirect, redirect } from "next/navigation";
import { Article } from "@/components/Article";
import { CardList } from "@/components/Card";
import { RichText } from "@/components/RichText";
import { listNews, lookupRoute, type RouteAnswer } from "@/lib/api";
import { getSiteInfo } from "@/lib/navigation";
import { jsonLdText, newsArticleJsonLd, pageMetadata } from "@/lib/seo";

export const dynamicParams = true;
export const revalidate = false; // until the webhook says otherwise

export function generateStaticParams(): { path: string[] }[] {
  return []; // nothing at build time: the CMS need not be running for `next build`
}

type Props = { params: Promise<{ path?: string[] }> };

function htmlPath(segments: string[] | undefined): string {
  const parts = (segments ?? []).map((s) => encodeURIComponent(decodeURIComponent(s)));
  return parts.length ? `/${parts.join("/")}/` : "/";
}

async function resolve(props: Props): Promise<RouteAnswer> {
  const { path } = await props.params;
  const answer = await lookupRoute(htmlPath(path), { mode: "cached" });
  if (!answer) notFound();
  if (answer.type === "redirect") {
    // Normally answered by the middleware with a real 301/302; this is the fallback.
    if (answer.status === 301) permanentRedirect(answer.location);
    redirect(answer.location);
  }
  return answer;
}

export async function generateMetadata(props: Props): Promise<Metadata> {
  // Both API calls at once: after a revalidation each is a round trip to the CMS.
  const [page, site] = await Promise.all([resolve(props), getSiteInfo()]);
  if (page.type === "redirect") return {};
  if (page.type === "news.NewsPage") {
    return pageMetadata({
      title: page.title,
      description: page.summary,
      path: page.path,
      seo: page.seo,
      type: "article",
      publishedTime: page.date,
      modifiedTime: page.meta.last_published_at,
      authors: page.authors.map((a) => a.name),
      siteName: site.name,
    });
  }
  const metadata = pageMetadata({ title: page.title, path: page.path, seo: page.seo, siteName: site.name });
  if (page.type === "home.HomePage") {
    metadata.title = { absolute: page.seo.title || page.title };
    metadata.description = page.seo.description || page.tagline || undefined;
  }
  return metadata;
}

export default async function CmsPage(props: Props) {
  const [page, site] = await Promise.all([resolve(props), getSiteInfo()]);
  switch (page.type) {
    case "news.NewsPage":
      return (
        <>
          <script type="application/ld+json" dangerouslySetInnerHTML={{ __html: jsonLdText(newsArticleJsonLd(page, site.name)) }} />
          <Article page={page} />
        </>
      );
    case "home.HomePage": {
      const latest = await listNews({ limit: 6 }, { mode: "cached", tags: ["page"] });
      return (
        <section className="home" aria-labelledby="home-heading">
          <header className="list-header">
            <h1 id="home-heading">{page.title}</h1>
            {page.tagline ? <p className="tagline">{page.tagline}</p> : null}
            {page.intro ? <RichText html={page.intro} className="rich-text list-intro" /> : null}
          </header>
          <h2 className="section-heading">Latest news</h2>
          <CardList items={latest.items} headingLevel={3} eager={2} />
          <p className="more"><Link className="button" href="/news/">All news</Link></p>
        </section>
      );
    }
    case "news.NewsIndexPage": {
      const latest = await listNews({ limit: 12 }, { mode: "cached", tags: ["page"] });
      return (
        <section aria-labelledby="list-heading">
          <header className="list-header">
            <h1 id="list-heading">{page.title}</h1>
            <RichText html={page.intro} className="rich-text list-intro" />
          </header>
          <CardList items={latest.items} eager={2} />
        </section>
      );
    }
    case "redirect":
      return null;
    default:
      return (
        <section className="message">
          <h1>{page.title}</h1>
        </section>
      );
  }
}
