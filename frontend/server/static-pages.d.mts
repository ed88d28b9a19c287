// Types of static-pages.mjs (plain JavaScript: server.mjs runs under Node.js without a build).
export function withoutClientRuntime(html: string): string;
export function servesStaticHtml(request: {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}): boolean;
export function encodeBody(
  body: Buffer,
  contentType: string,
  acceptEncoding: string,
): { body: Buffer; encoding: string | null };
