/**
 * A small typed consumer of Newsroom's API v3, written only against the types that
 * openapi-typescript generates from the served /api/v3/openapi.json (docs/contract.md).
 *
 * "newsroom-api" is mapped by tsconfig.json to the frontend's committed types,
 * frontend/src/lib/api-types.ts (regenerate them with `make types`);
 * tests/test_api_contract_tools.py maps it to types freshly generated from the document the
 * code serves, so a change of the document that breaks this file fails there.
 */
import createClient from "openapi-fetch";
import type { components, operations, paths } from "newsroom-api";

type Schemas = components["schemas"];

export type NewsList = Schemas["NewsList"];
export type NewsPage = Schemas["NewsPageDetail"];
export type Problem = Schemas["Problem"];
/** One block of a post's body: a union discriminated by `type`. */
export type Block = NewsPage["body"][number];
export type BlockType = Block["type"];
/** What the route lookup answers: a page of some type, or a redirect. */
export type Route = NonNullable<
  operations["route_lookup"]["responses"]["200"]["content"]["application/json"]
>;

export type NewsListQuery = NonNullable<operations["news_list"]["parameters"]["query"]>;
export type SearchQuery = NonNullable<operations["search_api_search"]["parameters"]["query"]>;
export type SearchResults = Schemas["SearchResults"];

// --- Compile-time checks that the generated types are precise, not `any`/`unknown` --------------

type IsAny<T> = 0 extends 1 & T ? true : false;
type Equals<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** The body is typed block by block: not `any`, and exactly these block types. */
const _bodyIsTyped: IsAny<Block> extends true ? never : true = true;
const _blockTypesAreClosed: Equals<
  BlockType,
  | "paragraph"
  | "heading"
  | "image"
  | "quote"
  | "bio"
  | "boilerplate"
  | "call_to_action"
  | "embed"
  | "code"
  | "table"
> = true;
void _bodyIsTyped;
void _blockTypesAreClosed;

// --- Client -------------------------------------------------------------------------------------

/** An error answer of the API (RFC 9457 problem details), or a network failure. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | undefined;

  constructor(status: number, problem: Problem | undefined, fallback: string) {
    super(problem ? `${problem.status} ${problem.title}: ${problem.detail ?? ""}` : fallback);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
  }
}

function isProblem(value: unknown): value is Problem {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { status?: unknown }).status === "number" &&
    typeof (value as { title?: unknown }).title === "string"
  );
}

function failure(response: Response, error: unknown): ApiError {
  return new ApiError(
    response.status,
    isProblem(error) ? error : undefined,
    `HTTP ${response.status} ${response.statusText}`,
  );
}

/** `baseUrl` is the CMS origin, e.g. "https://cms.example.org" (paths start with /api/v3/). */
export function newsroomClient(baseUrl: string, fetchImpl?: typeof fetch) {
  const client = createClient<paths>(fetchImpl ? { baseUrl, fetch: fetchImpl } : { baseUrl });

  return {
    /** A page of news cards, newest first unless `ordering` says otherwise. */
    async listNews(query: NewsListQuery = {}): Promise<NewsList> {
      const { data, error, response } = await client.GET("/api/v3/news/", {
        params: { query },
      });
      if (data === undefined) throw failure(response, error);
      return data;
    },

    /** A post, fully resolved (authors, images, blocks), or null when there is none. */
    async newsDetail(pageId: number): Promise<NewsPage | null> {
      const { data, error, response } = await client.GET("/api/v3/news/{page_id}/", {
        params: { path: { page_id: pageId } },
      });
      if (response.status === 404) return null;
      if (data === undefined) throw failure(response, error);
      return data;
    },

    /** What a frontend path shows: a page, a redirect, or null (nothing published there). */
    async lookupRoute(htmlPath: string): Promise<Route | null> {
      const { data, error, response } = await client.GET("/api/v3/route/", {
        params: { query: { html_path: htmlPath } },
      });
      if (response.status === 404) return null;
      if (data === undefined) throw failure(response, error);
      return data;
    },

    /** Live posts matching the query, best first. */
    async search(query: SearchQuery): Promise<SearchResults> {
      const { data, error, response } = await client.GET("/api/v3/search/", {
        params: { query },
      });
      if (data === undefined) throw failure(response, error);
      return data;
    },
  };
}

export type NewsroomClient = ReturnType<typeof newsroomClient>;

// --- Using the answers --------------------------------------------------------------------------

/** Where a route lookup sends the frontend: render a post, another page, or redirect. */
export function describeRoute(route: Route): string {
  switch (route.type) {
    case "redirect":
      return `redirect ${route.status} to ${route.location}`;
    case "news.NewsPage":
      return `post "${route.title}" with ${route.body.length} blocks`;
    default:
      return `page "${route.title}" (${route.type})`;
  }
}

/** A plain-text outline of one body block; the switch must name every block type. */
export function blockText(block: Block): string {
  switch (block.type) {
    case "paragraph":
      return block.value.html.replace(/<[^>]*>/g, "");
    case "heading":
      return `${block.value.level === "h2" ? "##" : "###"} ${block.value.text}`;
    case "image":
      return `[image: ${block.value.alt || block.value.image?.title || ""}]`;
    case "quote":
      return `"${block.value.text}" (${block.value.attribution.name})`;
    case "bio":
      return `${block.value.heading}: ${block.value.person?.name ?? ""}`;
    case "boilerplate":
      return `${block.value.heading}: ${block.value.html.replace(/<[^>]*>/g, "")}`;
    case "call_to_action":
      return `${block.value.label} -> ${block.value.url}${block.value.is_external ? " (external)" : ""}`;
    case "embed":
      return `[${block.value.provider || "embed"}: ${block.value.title || block.value.url}]`;
    case "code":
      return "```" + block.value.language + "\n" + block.value.code + "\n```";
    case "table":
      return [block.value.header, ...block.value.rows].map((row) => row.join(" | ")).join("\n");
    default: {
      // A new block type in the document is a compile error here until it is handled.
      const _exhaustive: never = block;
      return _exhaustive;
    }
  }
}

/** A post as plain text: title, byline, then every block. */
export function postText(post: NewsPage): string {
  return [post.title, post.byline, ...post.body.map(blockText)].filter(Boolean).join("\n\n");
}
