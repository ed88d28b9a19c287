import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { CardList } from "@/components/Card";
import { Picture } from "@/components/Picture";
import { RichText } from "@/components/RichText";
import { getOrganisation, listNews } from "@/lib/api";
import { getSiteInfo } from "@/lib/navigation";
import { pageMetadata } from "@/lib/seo";
import { safeUrl } from "@/lib/text";

type Props = { params: Promise<{ slug: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { slug } = await params;
  const [organisation, site] = await Promise.all([getOrganisation(slug), getSiteInfo()]);
  if (!organisation) return { title: "Not found" };
  return pageMetadata({
    title: organisation.name,
    description: organisation.boilerplate_html.replace(/<[^>]*>/g, "").slice(0, 200),
    path: `/organisations/${organisation.slug}/`,
    siteName: site.name,
  });
}

export default async function OrganisationPage({ params }: Props) {
  const { slug } = await params;
  const organisation = await getOrganisation(slug);
  if (!organisation) notFound();
  const news = await listNews({ organisation: organisation.slug, limit: 12 }, { mode: "live" });
  const website = safeUrl(organisation.website);
  return (
    <article className="profile">
      <header className="profile__header">
        {organisation.logo ? (
          <Picture image={organisation.logo} sizes="160px" alt={`${organisation.name} logo`} className="profile__logo" priority />
        ) : null}
        <div>
          <h1>{organisation.name}</h1>
          {organisation.membership_level && organisation.membership_level !== "none" ? (
            <p className="meta">{organisation.membership_level[0]?.toUpperCase()}{organisation.membership_level.slice(1)} member</p>
          ) : null}
          {website ? <p><a href={website} rel="noopener">{website.replace(/^https?:\/\//, "").replace(/\/$/, "")}</a></p> : null}
        </div>
      </header>
      <section className="boilerplate" aria-labelledby="about-heading">
        <h2 id="about-heading">{organisation.about_heading || `About ${organisation.name}`}</h2>
        <RichText html={organisation.boilerplate_html} />
        {organisation.legal_notice_html ? <RichText html={organisation.legal_notice_html} className="rich-text legal-notice" /> : null}
      </section>
      {news.items.length ? (
        <section aria-labelledby="org-news">
          <h2 id="org-news">News mentioning {organisation.name}</h2>
          <CardList items={news.items} headingLevel={3} />
        </section>
      ) : null}
    </article>
  );
}
