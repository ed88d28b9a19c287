import { proxyFeed } from "@/lib/feeds";

export const dynamic = "force-dynamic";

export function GET() {
  return proxyFeed("news.atom", "application/atom+xml");
}
