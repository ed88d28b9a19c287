// Small text helpers shared by pages and components.

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" });

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : dateFormat.format(date);
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/**
 * Search highlights: the API wraps matches in <mark>. Keep exactly those tags and escape
 * everything else, so a highlight can never inject markup.
 */
export function highlightHtml(value: string): string {
  const plain = value.replace(/<\/?mark>/g, (tag) => (tag === "<mark>" ? "\u0001" : "\u0002"));
  const withoutTags = plain.replace(/<[^>]*>/g, "");
  const decoded = withoutTags
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
  return escapeHtml(decoded).replace(/\u0001/g, "<mark>").replace(/\u0002/g, "</mark>");
}

export function authorsLine(authors: { name: string }[], byline: string): string {
  const names = authors.map((a) => a.name).filter(Boolean);
  if (names.length > 1) return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  return names[0] ?? byline;
}

/** Only http(s), mailto and site-relative links reach an href. */
export function safeUrl(url: string | null | undefined): string {
  const value = String(url ?? "").trim();
  if (!value) return "";
  if (value.startsWith("/") && !value.startsWith("//")) return value;
  try {
    const parsed = new URL(value);
    return ["http:", "https:", "mailto:"].includes(parsed.protocol) ? parsed.toString() : "";
  } catch {
    return "";
  }
}
