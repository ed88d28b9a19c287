import Link from "next/link";
import { listNews, listOrganisations, type NewsQuery } from "@/lib/api";
import { CardList } from "./Card";
import { RichText } from "./RichText";

export const PAGE_SIZE = 12;
export const FILTERS = ["category", "tag", "organisation", "person", "year"] as const;
export type FilterName = (typeof FILTERS)[number];
export type Filters = Partial<Record<FilterName, string>>;

type SearchParams = Record<string, string | string[] | undefined>;

function first(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? "";
}

/** Filters and page number from the URL (anything else is ignored). */
export function readListParams(params: SearchParams): { filters: Filters; page: number } {
  const filters: Filters = {};
  for (const name of FILTERS) {
    const value = first(params[name]);
    if (value && (name !== "year" || /^\d{4}$/.test(value))) filters[name] = value;
  }
  const page = Math.max(1, Number.parseInt(first(params.page) || "1", 10) || 1);
  return { filters, page };
}

export function listHref(filters: Filters, page = 1): string {
  const query = new URLSearchParams();
  for (const name of FILTERS) {
    const value = filters[name];
    if (value) query.set(name, value);
  }
  if (page > 1) query.set("page", String(page));
  const text = query.toString();
  return `/news/${text ? `?${text}` : ""}`;
}

async function filterOptions() {
  // Categories, tags and years of the posts there are, plus every organisation (all cached).
  const [recent, organisations] = await Promise.all([
    listNews({ limit: 100 }, { mode: "cached", tags: ["page"] }),
    listOrganisations().catch(() => ({ items: [] as { slug: string; name: string }[] })),
  ]);
  const categories = new Map<string, string>();
  const tags = new Set<string>();
  const years = new Set<string>();
  const people = new Map<string, string>();
  for (const item of recent.items) {
    if (item.category) categories.set(item.category.slug, item.category.name);
    item.tags.forEach((tag) => tags.add(tag));
    if (item.date) years.add(item.date.slice(0, 4));
    item.authors.forEach((a) => people.set(a.slug, a.name));
  }
  return {
    category: [...categories].map(([value, label]) => ({ value, label })),
    tag: [...tags].sort().map((value) => ({ value, label: value })),
    organisation: organisations.items.map((o) => ({ value: o.slug, label: o.name })),
    person: [...people].map(([value, label]) => ({ value, label })),
    year: [...years].sort().reverse().map((value) => ({ value, label: value })),
  };
}

const LABELS: Record<FilterName, string> = {
  category: "Category",
  tag: "Tag",
  organisation: "Organisation",
  person: "Person",
  year: "Year",
};

export async function NewsList({
  title,
  intro,
  params,
}: {
  title: string;
  intro?: string;
  params: SearchParams;
}) {
  const { filters, page } = readListParams(params);
  const query: NewsQuery = { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE };
  if (filters.category) query.category = filters.category;
  if (filters.tag) query.tag = filters.tag;
  if (filters.organisation) query.organisation = filters.organisation;
  if (filters.person) query.person = filters.person;
  if (filters.year) query.year = Number(filters.year);
  const [data, options] = await Promise.all([
    listNews(query, { mode: "cached", tags: ["page"] }),
    filterOptions(),
  ]);
  const pages = Math.max(1, Math.ceil(data.count / PAGE_SIZE));
  const active = FILTERS.filter((name) => filters[name]);
  return (
    <section className="news-list" aria-labelledby="list-heading">
      <header className="list-header">
        <h1 id="list-heading">{title}</h1>
        {intro ? <RichText html={intro} className="rich-text list-intro" /> : null}
      </header>
      <form className="filters" method="get" action="/news/" role="search" aria-label="Filter news">
        {FILTERS.map((name) => (
          <label key={name} className="filters__field">
            <span>{LABELS[name]}</span>
            <select name={name} defaultValue={filters[name] ?? ""}>
              <option value="">All</option>
              {options[name].map((option) => (
                <option key={option.value} value={option.value}>{option.label}</option>
              ))}
            </select>
          </label>
        ))}
        <button className="button" type="submit">Filter</button>
      </form>
      {active.length ? (
        <p className="active-filters" role="status">
          {`Showing ${data.count} ${data.count === 1 ? "post" : "posts"} · `}
          {active
            .map((name) => `${LABELS[name]}: ${options[name].find((o) => o.value === filters[name])?.label ?? filters[name]}`)
            .join(" · ")}
          {" · "}
          <Link href="/news/">Show all news</Link>
        </p>
      ) : null}
      {data.items.length ? <CardList items={data.items} eager={page === 1 ? 2 : 0} /> : <p className="notice">No news matches these filters.</p>}
      {pages > 1 ? (
        <nav className="pagination" aria-label="Pages">
          {page > 1 ? <Link rel="prev" href={listHref(filters, page - 1)}>← Newer</Link> : <span />}
          <span aria-current="page">{`Page ${page} of ${pages}`}</span>
          {page < pages ? <Link rel="next" href={listHref(filters, page + 1)}>Older →</Link> : <span />}
        </nav>
      ) : null}
    </section>
  );
}
