// Images and documents come with site-relative URLs (/media/…): they live on the CMS.
import { mediaOrigin } from "./config";

export function mediaUrl(url: string | null | undefined, origin: string = mediaOrigin()): string {
  const value = String(url ?? "");
  if (value.startsWith("/") && !value.startsWith("//")) return origin + value;
  return value;
}

export function mediaSrcset(srcset: string | null | undefined, origin: string = mediaOrigin()) {
  return String(srcset ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [url = "", ...descriptor] = part.split(/\s+/);
      return [mediaUrl(url, origin), ...descriptor].join(" ");
    })
    .join(", ");
}

/** Rich text from the CMS (sanitised there): point its media and document links at the CMS. */
export function absolutiseRichText(html: string, origin: string = mediaOrigin()): string {
  return html.replace(
    /\b(src|href)="(\/(?:media|documents)\/[^"]*)"/g,
    (_match, attribute: string, path: string) => `${attribute}="${origin}${path}"`,
  ).replace(/\bsrcset="([^"]*)"/g, (_match, value: string) => `srcset="${mediaSrcset(value, origin)}"`);
}
