import type { MetadataRoute } from "next";
import { listNews } from "@/lib/api";
import { absoluteUrl } from "@/lib/seo";

export const dynamic = "force-dynamic";

export default async function sitemap(): Promise<MetadataRoute.Sitemap> {
  const entries: MetadataRoute.Sitemap = [
    { url: absoluteUrl("/"), changeFrequency: "daily" },
    { url: absoluteUrl("/news/"), changeFrequency: "daily" },
  ];
  for (let offset = 0; offset < 10_000; offset += 100) {
    const page = await listNews({ limit: 100, offset }, { mode: "cached", tags: ["page"] });
    for (const item of page.items) {
      entries.push({ url: absoluteUrl(item.path), lastModified: item.date ?? undefined });
    }
    if (offset + 100 >= page.count) break;
  }
  return entries;
}
