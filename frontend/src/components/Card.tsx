import Link from "next/link";
import type { NewsCard } from "@/lib/api";
import { formatDate, highlightHtml } from "@/lib/text";
import { Picture } from "./Picture";

type CardProps = {
  item: NewsCard;
  headingLevel?: 2 | 3;
  priority?: boolean;
  highlight?: { title: string; excerpt: string };
};

export function Card({ item, headingLevel = 2, priority = false, highlight }: CardProps) {
  const Heading = headingLevel === 2 ? "h2" : "h3";
  const title = item.title || "Untitled";
  return (
    <article className="card">
      {/* Every card has the same 16:9 frame, with or without a picture, so a row lines up. */}
      <div className="card__image" aria-hidden="true">
        {item.feature_image ? (
          <Picture image={item.feature_image} sizes="(max-width: 40rem) 100vw, 22rem" alt="" priority={priority} />
        ) : (
          <span className="card__placeholder" />
        )}
      </div>
      <div className="card__body">
        {item.category ? (
          <Link className="kicker" href={`/news/?category=${encodeURIComponent(item.category.slug)}`}>
            {item.category.name}
          </Link>
        ) : null}
        <Heading className="card__title">
          <Link href={item.path || "#"}>
            {highlight?.title ? <span dangerouslySetInnerHTML={{ __html: highlightHtml(highlight.title) }} /> : title}
          </Link>
        </Heading>
        {highlight?.excerpt ? (
          <p className="card__summary" dangerouslySetInnerHTML={{ __html: highlightHtml(highlight.excerpt) }} />
        ) : item.summary ? (
          <p className="card__summary">{item.summary}</p>
        ) : null}
        <p className="meta">
          {item.date ? <time dateTime={item.date}>{formatDate(item.date)}</time> : null}
          {item.reading_time ? <span>{item.reading_time} min read</span> : null}
        </p>
      </div>
    </article>
  );
}

export function CardList({ items, headingLevel = 2, eager = 0 }: { items: NewsCard[]; headingLevel?: 2 | 3; eager?: number }) {
  return (
    <ul className="card-grid">
      {items.map((item, index) => (
        <li key={item.id}>
          <Card item={item} headingLevel={headingLevel} priority={index < eager} />
        </li>
      ))}
    </ul>
  );
}
