import type { Metadata, Viewport } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { mediaOrigin, siteUrl } from "@/lib/config";
import { getSiteInfo } from "@/lib/navigation";
import { FEEDS } from "@/lib/seo";
import "./globals.css";

export async function generateMetadata(): Promise<Metadata> {
  const site = await getSiteInfo();
  return {
    metadataBase: new URL(siteUrl()),
    title: { default: site.name, template: `%s · ${site.name}` },
    description: site.tagline || undefined,
    alternates: { types: FEEDS },
    icons: { icon: "/favicon.svg" },
  };
}

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#0b3d5c" };

export default async function RootLayout({ children }: { children: ReactNode }) {
  const site = await getSiteInfo();
  return (
    <html lang="en">
      <head>
        {/* Images come from the CMS (or its media host): open that connection early. */}
        <link rel="preconnect" href={mediaOrigin()} />
      </head>
      <body>
        <a className="skip-link" href="#main">Skip to content</a>
        <header className="site-header">
          <div className="site-header__inner">
            <Link className="site-title" href="/">{site.name}</Link>
            <nav aria-label="Main">
              <ul className="site-nav">
                {site.navigation.map((item) => (
                  <li key={item.href}>
                    {item.external ? (
                      <a href={item.href}>{item.label}</a>
                    ) : (
                      <Link href={item.href}>{item.label}</Link>
                    )}
                  </li>
                ))}
              </ul>
            </nav>
          </div>
        </header>
        <main id="main" tabIndex={-1}>{children}</main>
        <footer className="site-footer">
          <div className="site-footer__inner">
            <p>
              {site.name} · <a href="/feed.xml">RSS</a> · <a href="/atom.xml">Atom</a>
            </p>
          </div>
        </footer>
      </body>
    </html>
  );
}
