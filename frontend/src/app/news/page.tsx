// The news list: filters (category, tag, organisation, person, year) and the page number are
// in the URL, so every view is a plain link and works without JavaScript.
import type { Metadata } from "next";
import { notFound, permanentRedirect, redirect } from "next/navigation";
import { FILTERS, NewsList, readListParams } from "@/components/NewsList";
import { lookupRoute } from "@/lib/api";
import { getSiteInfo } from "@/lib/navigation";
import { pageMetadata } from "@/lib/seo";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

async function indexPage() {
  const answer = await lookupRoute("/news/", { mode: "cached" });
  if (!answer) notFound();
  if (answer.type === "redirect") {
    if (answer.status === 301) permanentRedirect(answer.location);
    redirect(answer.location);
  }
  return answer;
}

export async function generateMetadata({ searchParams }: Props): Promise<Metadata> {
  const [page, site, params] = await Promise.all([indexPage(), getSiteInfo(), searchParams]);
  const { filters, page: number } = readListParams(params);
  const active = FILTERS.filter((name) => filters[name]);
  const intro = "intro" in page ? page.intro.replace(/<[^>]*>/g, "").trim() : "";
  const metadata = pageMetadata({
    title: page.title,
    description: intro || site.tagline || `News from ${site.name}`,
    path: "/news/",
    seo: page.seo,
    siteName: site.name,
  });
  if (active.length || number > 1) {
    const parts = active.map((name) => `${name} ${filters[name]}`);
    if (number > 1) parts.push(`page ${number}`);
    metadata.title = `${page.seo.title || page.title} · ${parts.join(", ")}`;
  }
  return metadata;
}

export default async function NewsIndex({ searchParams }: Props) {
  const [page, params] = await Promise.all([indexPage(), searchParams]);
  const intro = "intro" in page ? page.intro : "";
  return <NewsList title={page.title || "News"} intro={intro} params={params} />;
}
