// Search: a plain GET form (works without JavaScript), results with the API's highlights,
// and suggestions (titles starting with the words typed) when there are few results.
import type { Metadata } from "next";
import Link from "next/link";
import { Card } from "@/components/Card";
import { searchNews, suggest } from "@/lib/api";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const PAGE_SIZE = 10;

function first(value: string | string[] | undefined): string {
  return ((Array.isArray(value) ? value[0] : value) ?? "").trim().slice(0, 200);
}

export async function generateMetadata({ searchParams }: Props): Promise<Metadata> {
  const q = first((await searchParams).q);
  return { title: q ? `Search: ${q}` : "Search", robots: { index: false, follow: true } };
}

export default async function SearchPage({ searchParams }: Props) {
  const params = await searchParams;
  const q = first(params.q);
  const page = Math.max(1, Number.parseInt(first(params.page) || "1", 10) || 1);
  const [results, suggestions] = q
    ? await Promise.all([
        searchNews({ q, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
        suggest(q, 5).catch(() => []),
      ])
    : [null, []];
  const pages = results ? Math.max(1, Math.ceil(results.count / PAGE_SIZE)) : 1;
  const href = (n: number) => `/search/?q=${encodeURIComponent(q)}${n > 1 ? `&page=${n}` : ""}`;
  return (
    <section className="search" aria-labelledby="search-heading">
      <h1 id="search-heading">Search the newsroom</h1>
      <form className="search-form" method="get" action="/search/" role="search">
        <label htmlFor="search-q">Search for</label>
        <input id="search-q" type="search" name="q" defaultValue={q} list="search-suggestions" autoComplete="off" />
        <datalist id="search-suggestions">
          {suggestions.map((s) => <option key={s.id} value={s.title} />)}
        </datalist>
        <button className="button" type="submit">Search</button>
      </form>
      {results ? (
        <>
          <p className="search-count" role="status">
            {`${results.count} ${results.count === 1 ? "result" : "results"} for “${q}”`}
          </p>
          {results.items.length ? (
            <ul className="card-grid card-grid--list">
              {results.items.map((hit) => (
                <li key={hit.id}>
                  <Card item={hit} highlight={hit.highlight} />
                </li>
              ))}
            </ul>
          ) : (
            <p className="notice">No posts match. Try fewer or different words.</p>
          )}
          {suggestions.length ? (
            <aside className="suggestions" aria-labelledby="suggestions-heading">
              <h2 id="suggestions-heading">Suggestions</h2>
              <ul>
                {suggestions.map((s) => (
                  <li key={s.id}><Link href={s.path}>{s.title}</Link></li>
                ))}
              </ul>
            </aside>
          ) : null}
          {pages > 1 ? (
            <nav className="pagination" aria-label="Pages">
              {page > 1 ? <Link rel="prev" href={href(page - 1)}>← Previous</Link> : <span />}
              <span aria-current="page">{`Page ${page} of ${pages}`}</span>
              {page < pages ? <Link rel="next" href={href(page + 1)}>Next →</Link> : <span />}
            </nav>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
