// Runtime settings, read from the environment of `next start` (never baked in at build time).

const DEFAULT_API_URL = "http://127.0.0.1:8000/api/v3";

function trimSlash(value: string): string {
  return value.trim().replace(/\/+$/, "");
}

/** The public API v3 root, e.g. http://127.0.0.1:8000/api/v3 */
export function apiUrl(): string {
  return trimSlash(process.env.NEWSROOM_API_URL || DEFAULT_API_URL);
}

/** The CMS origin (the only site allowed to frame the frontend: the admin's preview panel). */
export function cmsOrigin(): string {
  const explicit = process.env.NEWSROOM_CMS_URL;
  return new URL(explicit ? trimSlash(explicit) : apiUrl()).origin;
}

/** Where site-relative media URLs (/media/…) are served: the CMS unless told otherwise. */
export function mediaOrigin(): string {
  const explicit = process.env.NEWSROOM_MEDIA_URL;
  return explicit ? trimSlash(explicit) : cmsOrigin();
}

/** This frontend's public URL (canonical links, sitemap, Open Graph). */
export function siteUrl(): string {
  return trimSlash(process.env.NEWSROOM_FRONTEND_URL || "http://127.0.0.1:3000");
}

/**
 * How long a server-side API call may take before the page gives up.
 *
 * Deliberately generous: the first render of a post after a fresh `load_demo` (every cache of
 * the CMS empty) takes a few hundred milliseconds on a busy 2-core machine, and a cold image
 * rendition can add seconds; a reader should get the page, not an error. 10 s stays below
 * the typical 30 s proxy timeout so a hung CMS still gives a proper error page.
 */
export const DEFAULT_API_TIMEOUT_MS = 10_000;

export function apiTimeoutMs(): number {
  const value = Number(process.env.NEWSROOM_API_TIMEOUT_MS);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_API_TIMEOUT_MS;
}

/** Shared secret of the CMS's signed webhooks (NEWSROOM_WEBHOOK_SECRET on the CMS side). */
export function webhookSecret(): string {
  return process.env.NEWSROOM_WEBHOOK_SECRET || "";
}

/** Seconds a webhook signature stays acceptable (replays older than this are refused). */
export function webhookTolerance(): number {
  const value = Number(process.env.NEWSROOM_WEBHOOK_TOLERANCE);
  return Number.isFinite(value) && value > 0 ? value : 300;
}
