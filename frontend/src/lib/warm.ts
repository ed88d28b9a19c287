// After a webhook revalidated pages, render them again at once (in the background), so the
// first reader after a publish gets the new page from the cache instead of waiting for its
// render — and the new HTML is out while the CMS is still finishing the editor's request.

/** Paths worth rendering ahead, the changed page first: HTML pages only (the feeds are
 * proxied per request), deepest path first (the post itself before the lists that show it). */
export function warmOrder(paths: string[], limit = 8): string[] {
  const pages = [...new Set(paths)].filter((path) => path.startsWith("/") && !/\.[a-z]+$/i.test(path));
  const depth = (path: string) => path.split("/").filter(Boolean).length;
  return pages.sort((a, b) => depth(b) - depth(a) || a.localeCompare(b)).slice(0, limit);
}

/** This server's own address: HOST/PORT of server.mjs, else the request's Host header. */
export function ownOrigin(request: Request): string {
  const port = process.env.PORT;
  if (port) {
    const host = process.env.HOST && process.env.HOST !== "0.0.0.0" ? process.env.HOST : "127.0.0.1";
    return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  }
  return new URL(request.url).origin;
}

/** Render `paths` one after another (the first at once); failures only cost the head start. */
export async function warm(origin: string, paths: string[], timeoutMs = 10_000): Promise<void> {
  for (const path of paths) {
    try {
      const answer = await fetch(origin + path, {
        headers: { "User-Agent": "newsroom-frontend-warmup", Accept: "text/html" },
        signal: AbortSignal.timeout(timeoutMs),
        cache: "no-store",
      });
      await answer.arrayBuffer();
    } catch {
      // The next reader renders it instead.
    }
  }
}
