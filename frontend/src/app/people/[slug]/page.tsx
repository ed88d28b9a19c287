import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { CardList } from "@/components/Card";
import { Picture } from "@/components/Picture";
import { RichText } from "@/components/RichText";
import { getPerson, listNews } from "@/lib/api";
import { getSiteInfo } from "@/lib/navigation";
import { pageMetadata } from "@/lib/seo";

type Props = { params: Promise<{ slug: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { slug } = await params;
  const [person, site] = await Promise.all([getPerson(slug), getSiteInfo()]);
  if (!person) return { title: "Not found" };
  return pageMetadata({
    title: person.name,
    description: [person.role, person.organisation?.name].filter(Boolean).join(", "),
    path: `/people/${person.slug}/`,
    siteName: site.name,
  });
}

export default async function PersonPage({ params }: Props) {
  const { slug } = await params;
  const person = await getPerson(slug);
  if (!person) notFound();
  const news = await listNews({ person: person.slug, limit: 12 }, { mode: "live" });
  return (
    <article className="profile">
      <header className="profile__header">
        {person.headshot ? (
          <Picture image={person.headshot} sizes="160px" alt={person.headshot.alt || person.name} className="headshot headshot--160" priority />
        ) : null}
        <div>
          <h1>{person.name}</h1>
          <p className="meta">
            {person.role}
            {person.organisation ? (
              <>
                {person.role ? ", " : ""}
                <Link href={`/organisations/${encodeURIComponent(person.organisation.slug)}/`}>{person.organisation.name}</Link>
              </>
            ) : null}
          </p>
        </div>
      </header>
      <RichText html={person.bio_html} />
      {news.items.length ? (
        <section aria-labelledby="person-news">
          <h2 id="person-news">News with {person.name}</h2>
          <CardList items={news.items} headingLevel={3} />
        </section>
      ) : null}
    </article>
  );
}
