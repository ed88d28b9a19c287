// The site's name, tagline and main navigation, in one place: GET /api/v3/site/ (editors
// manage the menu in the admin under Settings → Navigation). Asked again at most once a
// minute: a menu edit is not a publish, so no webhook announces it.
import { client, fetchWithTimeout } from "./api";

export type NavItem = { label: string; href: string; external: boolean };
export type SiteInfo = { name: string; tagline: string; navigation: NavItem[] };

const SITE_REVALIDATE_SECONDS = 60;

export const FALLBACK_SITE: SiteInfo = {
  name: process.env.NEWSROOM_SITE_NAME || "Foundation Newsroom",
  tagline: "",
  navigation: [{ label: "News", href: "/news/", external: false }],
};

// Reader tools every site has, after the editors' menu.
const TOOLS: NavItem[] = [
  { label: "Organisations", href: "/organisations/", external: false },
  { label: "Search", href: "/search/", external: false },
];

export async function getSiteInfo(): Promise<SiteInfo> {
  try {
    const { data } = await client().GET("/api/v3/site/", {
      fetch: fetchWithTimeout(undefined, {
        next: { tags: ["newsroom", "site"], revalidate: SITE_REVALIDATE_SECONDS },
      }),
    });
    if (data) {
      const menu = data.navigation.map((item) => ({
        label: item.label,
        href: item.href,
        external: item.type === "external",
      }));
      const known = new Set(menu.map((item) => item.href));
      return {
        name: data.name || FALLBACK_SITE.name,
        tagline: data.tagline,
        navigation: [...menu, ...TOOLS.filter((item) => !known.has(item.href))],
      };
    }
  } catch {
    // The CMS is unreachable (e.g. during `next build`): keep the fallback.
  }
  return { ...FALLBACK_SITE, navigation: [...FALLBACK_SITE.navigation, ...TOOLS] };
}
