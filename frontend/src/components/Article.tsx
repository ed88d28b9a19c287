import Link from "next/link";
import type { NewsPageDetail, NewsPagePreview } from "@/lib/api";
import { authorsLine, formatDate } from "@/lib/text";
import { Body } from "./Blocks";
import { CardList } from "./Card";
import { Picture } from "./Picture";

// A published post, or a draft's preview (`draft`; a page never saved has no id yet).
export function Article({ page, draft = false }: { page: NewsPageDetail | NewsPagePreview; draft?: boolean }) {
  const byline = authorsLine(page.authors, page.byline);
  return (
    <>
      <article className="post" data-page-id={page.id ?? undefined}>
        <header className="post__header">
          {page.category ? (
            <Link className="kicker" href={`/news/?category=${encodeURIComponent(page.category.slug)}`}>
              {page.category.name}
            </Link>
          ) : null}
          <h1 className="post__title">{page.title || "Untitled draft"}</h1>
          {page.subtitle ? <p className="post__subtitle">{page.subtitle}</p> : null}
          <p className="meta">
            {byline ? <span className="byline">By {byline}</span> : null}
            {page.date ? <time dateTime={page.date}>{formatDate(page.date)}</time> : null}
            {page.reading_time ? <span>{page.reading_time} min read</span> : null}
          </p>
        </header>
        {page.feature_image ? (
          <figure className="post__feature">
            <Picture
              image={page.feature_image}
              sizes="(max-width: 46rem) 100vw, 46rem"
              alt={page.feature_image.alt || (draft ? undefined : "")}
              priority
            />
          </figure>
        ) : null}
        <div className="post__body">
          <Body blocks={page.body} draft={draft} />
        </div>
        {page.tags.length || page.organisations.length ? (
          <footer className="post__footer">
            {page.tags.length ? (
              <p className="chips">
                <span className="chips__label">Tags</span>{" "}
                {page.tags.map((tag) => (
                  <Link key={tag} className="chip" href={`/news/?tag=${encodeURIComponent(tag)}`}>{tag}</Link>
                ))}
              </p>
            ) : null}
            {page.organisations.length ? (
              <p className="chips">
                <span className="chips__label">Organisations</span>{" "}
                {page.organisations.map((org) => (
                  <Link key={org.slug} className="chip" href={`/organisations/${encodeURIComponent(org.slug)}/`}>{org.name}</Link>
                ))}
              </p>
            ) : null}
          </footer>
        ) : null}
      </article>
      {page.related.length ? (
        <section className="related" aria-labelledby="related-heading">
          <h2 id="related-heading">Related news</h2>
          <CardList items={page.related} headingLevel={3} />
        </section>
      ) : null}
    </>
  );
}
