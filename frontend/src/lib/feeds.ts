// /feed.xml and /atom.xml: the API's feeds, served from the frontend's own address (the CMS
// lists these paths in every webhook, so they are revalidated with the listings).
import { apiTimeoutMs, apiUrl } from "./config";

export async function proxyFeed(name: "news.rss" | "news.atom", contentType: string) {
  const response = await fetch(`${apiUrl()}/feeds/${name}`, {
    cache: "force-cache",
    next: { tags: ["newsroom", "feeds"] },
    signal: AbortSignal.timeout(apiTimeoutMs()),
  });
  if (!response.ok) return new Response("Feed unavailable", { status: 502 });
  return new Response(await response.text(), {
    headers: { "Content-Type": `${contentType}; charset=utf-8` },
  });
}
