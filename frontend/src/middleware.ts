// Runs before every page: CMS redirects become real 301/302 answers (the route lookup says
// so as data), and only the CMS may frame the frontend (its preview panel does).
import { NextResponse, type NextRequest } from "next/server";

export const config = {
  runtime: "nodejs",
  matcher: ["/((?!_next/|api/|favicon|.*\\.(?:svg|png|jpg|webp|ico|xml|txt)$).*)"],
};

const API = () => (process.env.NEWSROOM_API_URL || "http://127.0.0.1:8000/api/v3").replace(/\/+$/, "");

function cmsOrigin(): string {
  return new URL(process.env.NEWSROOM_CMS_URL || API()).origin;
}

// Paths the frontend owns: never CMS pages, so no lookup.
const OWN = /^\/(?:preview|search|organisations|people)(?:\/|$)/;

function withSecurityHeaders(response: NextResponse): NextResponse {
  response.headers.set("Content-Security-Policy", `frame-ancestors 'self' ${cmsOrigin()}`);
  response.headers.set("X-Content-Type-Options", "nosniff");
  response.headers.set("Referrer-Policy", "strict-origin-when-cross-origin");
  return response;
}

export async function middleware(request: NextRequest) {
  const path = request.nextUrl.pathname;
  if ((request.method === "GET" || request.method === "HEAD") && !OWN.test(path)) {
    try {
      const lookup = `${API()}/route/?html_path=${encodeURIComponent(path.endsWith("/") ? path : `${path}/`)}`;
      const answer = await fetch(lookup, {
        headers: { Accept: "application/json" },
        signal: AbortSignal.timeout(5000),
        cache: "no-store",
      });
      if (answer.ok) {
        const data = (await answer.json()) as { type?: string; status?: number; location?: string };
        if (data.type === "redirect" && data.location) {
          const status = data.status === 301 ? 301 : 302;
          // Middleware answers need absolute URLs: the frontend's public URL (Next.js hands
          // middleware an internal "localhost" host).
          const base = process.env.NEWSROOM_FRONTEND_URL || request.nextUrl.origin;
          const target = new URL(data.location, base);
          return withSecurityHeaders(NextResponse.redirect(target, status));
        }
      }
    } catch {
      // The page itself reports an unreachable CMS.
    }
  }
  return withSecurityHeaders(NextResponse.next());
}
