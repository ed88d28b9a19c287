// The typed API client: every call goes through openapi-fetch with the generated types.
import createClient from "openapi-fetch";
import type { components, paths } from "./api-types";
import { apiTimeoutMs, apiUrl, cmsOrigin } from "./config";

export type Schemas = components["schemas"];
export type NewsCard = Schemas["NewsCard"];
export type NewsPageDetail = Schemas["NewsPageDetail"];
export type NewsPagePreview = Schemas["NewsPagePreview"];
export type HomePageDetail = Schemas["HomePageDetail"];
export type NewsIndexPageDetail = Schemas["NewsIndexPageDetail"];
export type BasicPageDetail = Schemas["BasicPageDetail"];
export type RedirectTarget = Schemas["RedirectTarget"];
export type Image = Schemas["Image"];
export type PersonRef = Schemas["PersonRef"];
export type Person = Schemas["Person"];
export type Organisation = Schemas["Organisation"];
export type SearchHit = Schemas["SearchHit"];
export type Suggestion = Schemas["Suggestion"];
export type BodyBlock = NewsPageDetail["body"][number];
export type RouteAnswer =
  paths["/api/v3/route/"]["get"]["responses"][200]["content"]["application/json"];
export type PreviewAnswer =
  paths["/api/v3/preview/"]["get"]["responses"][200]["content"]["application/json"];
export type NewsQuery = NonNullable<paths["/api/v3/news/"]["get"]["parameters"]["query"]>;
export type SearchQuery = NonNullable<paths["/api/v3/search/"]["get"]["parameters"]["query"]>;

/** A failed API call: `status` is the HTTP status, 0 when the API could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** How a server component's fetch may be cached by Next.js. */
export type Caching =
  | { mode: "cached"; tags?: string[] } // kept until the CMS's webhook revalidates it
  | { mode: "live" }; // always asked (filters, search, previews)

type NextInit = RequestInit & { next?: { tags?: string[]; revalidate?: number | false } };

/** `fetch` with the deliberate timeout (see config.apiTimeoutMs) and Next.js cache options. */
export function fetchWithTimeout(timeoutMs: number = apiTimeoutMs(), extra: NextInit = {}) {
  return async (input: Request): Promise<Response> => {
    try {
      return await fetch(input, { ...extra, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const name = error instanceof Error ? error.name : "";
      if (name === "TimeoutError" || name === "AbortError") {
        throw new ApiError(0, `The CMS did not answer within ${timeoutMs} ms (${input.url}).`);
      }
      throw new ApiError(0, `The CMS could not be reached (${input.url}).`);
    }
  };
}

export function client(baseUrl: string = apiUrl(), timeoutMs?: number) {
  // The generated paths start with /api/v3: the base is the API's origin + any prefix.
  const base = baseUrl.replace(/\/api\/v3$/, "");
  return createClient<paths>({ baseUrl: base, fetch: fetchWithTimeout(timeoutMs) });
}

/** Per-call options: the fetch that applies `caching` (openapi-fetch builds a Request, which
 * cannot carry Next.js's `next.tags`, so they travel with our own fetch). */
function init(caching: Caching): { fetch: (input: Request) => Promise<Response> } {
  if (caching.mode === "live") return { fetch: fetchWithTimeout(undefined, { cache: "no-store" }) };
  return {
    fetch: fetchWithTimeout(undefined, {
      cache: "force-cache",
      next: { tags: ["newsroom", ...(caching.tags ?? [])] },
    }),
  };
}

const LIVE: Caching = { mode: "live" };

function fail(status: number, what: string, error: unknown): never {
  const detail =
    error && typeof error === "object" && "detail" in error ? String(error.detail) : "";
  throw new ApiError(status, `${what} answered ${status}${detail ? `: ${detail}` : ""}`);
}

export async function lookupRoute(htmlPath: string, caching: Caching): Promise<RouteAnswer | null> {
  const { data, error, response } = await client().GET("/api/v3/route/", {
    params: { query: { html_path: htmlPath } },
    ...init(caching),
  });
  if (response.status === 404) return null;
  if (!data) fail(response.status, "The route lookup", error);
  return data;
}

export async function listNews(query: NewsQuery, caching: Caching) {
  const { data, error, response } = await client().GET("/api/v3/news/", {
    params: { query },
    ...init(caching),
  });
  if (!data) fail(response.status, "The news listing", error);
  return data;
}

export async function searchNews(query: SearchQuery) {
  const { data, error, response } = await client().GET("/api/v3/search/", {
    params: { query },
    ...init(LIVE),
  });
  if (!data) fail(response.status, "The search", error);
  return data;
}

export async function suggest(q: string, limit = 5): Promise<Suggestion[]> {
  const { data } = await client().GET("/api/v3/search/suggest/", {
    params: { query: { q, limit } },
    ...init(LIVE),
  });
  return data?.items ?? [];
}

export async function getOrganisation(slug: string): Promise<Organisation | null> {
  const { data, error, response } = await client().GET("/api/v3/organisations/{key}/", {
    params: { path: { key: slug } },
    ...init(LIVE),
  });
  if (response.status === 404) return null;
  if (!data) fail(response.status, "The organisation", error);
  return data;
}

export async function getPerson(slug: string): Promise<Person | null> {
  const { data, error, response } = await client().GET("/api/v3/persons/{key}/", {
    params: { path: { key: slug } },
    ...init(LIVE),
  });
  if (response.status === 404) return null;
  if (!data) fail(response.status, "The person", error);
  return data;
}

export async function listOrganisations() {
  const { data, error, response } = await client().GET("/api/v3/organisations/", {
    params: { query: { limit: 100 } },
    ...init(LIVE),
  });
  if (!data) fail(response.status, "The organisations", error);
  return data;
}

/** A draft: never cached anywhere (the token changes with every click on Preview). */
export async function fetchPreview(
  contentType: string,
  token: string,
): Promise<{ ok: true; page: PreviewAnswer } | { ok: false; status: number; detail: string }> {
  const { data, error, response } = await client().GET("/api/v3/preview/", {
    params: { query: { content_type: contentType, token } },
    ...init(LIVE),
  });
  if (data) return { ok: true, page: data };
  const detail =
    error && typeof error === "object" && "detail" in error ? String(error.detail) : "";
  return { ok: false, status: response.status, detail };
}

/**
 * Wagtail's user bar for a draft (headless: the CMS renders it for a valid preview token).
 * Empty when the CMS has none to give; the preview works without it.
 */
export async function fetchUserbar(contentType: string, token: string, inPreviewPanel: boolean) {
  const query = new URLSearchParams({ content_type: contentType, token });
  if (inPreviewPanel) query.set("in_preview_panel", "true");
  try {
    const response = await fetch(`${cmsOrigin()}/headless/userbar/?${query}`, {
      cache: "no-store",
      signal: AbortSignal.timeout(apiTimeoutMs()),
    });
    return response.ok ? await response.text() : "";
  } catch {
    return "";
  }
}
