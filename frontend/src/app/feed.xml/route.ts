import { proxyFeed } from "@/lib/feeds";

export const dynamic = "force-dynamic";

export function GET() {
  return proxyFeed("news.rss", "application/rss+xml");
}
