// The site's name, tagline and main navigation, in one place. Today they come from the home
// page (route lookup of "/"); when the API serves GET /api/v3/site/ this is the only module
// that changes.
import { lookupRoute } from "./api";

export type NavItem = { label: string; href: string };
export type SiteInfo = { name: string; tagline: string; navigation: NavItem[] };

export const FALLBACK_SITE: SiteInfo = {
  name: process.env.NEWSROOM_SITE_NAME || "Foundation Newsroom",
  tagline: "",
  navigation: [
    { label: "News", href: "/news/" },
    { label: "Organisations", href: "/organisations/" },
    { label: "Search", href: "/search/" },
  ],
};

export async function getSiteInfo(): Promise<SiteInfo> {
  try {
    const home = await lookupRoute("/", { mode: "cached", tags: ["site"] });
    if (home && home.type === "home.HomePage") {
      return { ...FALLBACK_SITE, name: home.title || FALLBACK_SITE.name, tagline: home.tagline };
    }
  } catch {
    // The CMS is unreachable (e.g. during `next build`): keep the fallback name.
  }
  return FALLBACK_SITE;
}
