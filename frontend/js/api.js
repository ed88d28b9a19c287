// The public Newsroom API, and nothing else. Endpoint paths live here, in one place.
import config from "/config.js";

export const ENDPOINTS = {
  news: "/news/",
  route: "/route/",
  preview: "/preview/",
};
const TIMEOUT_MS = 15000;

export class ApiError extends Error {
  constructor(status, problem, message) {
    super(message || problem?.detail || problem?.title || `The API answered ${status}.`);
    this.status = status;
    this.problem = problem || null;
  }
}

export function apiUrl(endpoint, params = {}) {
  const url = new URL(config.apiUrl + endpoint);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  return url.toString();
}

export async function getJson(endpoint, params = {}, { cache = "default" } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let response;
  try {
    response = await fetch(apiUrl(endpoint, params), {
      headers: { Accept: "application/json" },
      signal: controller.signal,
      cache,
      credentials: "omit",
    });
  } catch (error) {
    throw new ApiError(0, null, "The newsroom could not be reached. Check your connection and try again.");
  } finally {
    clearTimeout(timer);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) throw new ApiError(response.status, body);
  if (body === null || typeof body !== "object") {
    throw new ApiError(response.status, null, "The newsroom sent an answer this page cannot read.");
  }
  return body;
}

export const listNews = (params) => getJson(ENDPOINTS.news, params);
export const lookupRoute = (path) => getJson(ENDPOINTS.route, { html_path: path });
// Drafts change with every click on Preview: never let the browser reuse an answer.
export const fetchPreview = (contentType, token) =>
  getJson(ENDPOINTS.preview, { content_type: contentType, token }, { cache: "no-store" });

// Images and documents come with site-relative URLs (/media/…): they live on the CMS.
export function mediaUrl(url) {
  const value = String(url ?? "");
  if (value.startsWith("/") && !value.startsWith("//")) return config.mediaUrl + value;
  return value;
}

export function mediaSrcset(srcset) {
  return String(srcset ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [url, ...descriptor] = part.split(/\s+/);
      return [mediaUrl(url), ...descriptor].join(" ");
    })
    .join(", ");
}

export { config };
