// A draft, rendered on every request (Draft Mode; nothing cached), under a "Preview" banner.
import type { Metadata } from "next";
import { draftMode } from "next/headers";
import { redirect } from "next/navigation";
import { Article } from "@/components/Article";
import { PreviewBanner } from "@/components/PreviewBanner";
import { fetchPreview, fetchUserbar } from "@/lib/api";

export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export const metadata: Metadata = { robots: { index: false, follow: false } };

function first(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

export default async function PreviewView({ searchParams }: Props) {
  const params = await searchParams;
  const contentType = first(params.content_type);
  const token = first(params.token);
  const draft = await draftMode();
  if (!draft.isEnabled) {
    // Opened without going through /preview/: start there (it checks the token).
    redirect(`/preview/?${new URLSearchParams({ content_type: contentType, token })}`);
  }
  const answer = await fetchPreview(contentType, token);
  if (!answer.ok) redirect(`/preview/expired/?status=${answer.status}`);
  const page = answer.page;
  const userbar = await fetchUserbar(contentType, token, first(params.in_preview_panel) === "true");
  return (
    <>
      <PreviewBanner contentType={contentType} />
      <title>{`Preview: ${page.title || "Untitled draft"}`}</title>
      {page.type === "news.NewsPage" ? (
        <Article page={page} draft />
      ) : (
        <section className="message">
          <h1>{page.title || "Untitled draft"}</h1>
          {"intro" in page && page.intro ? <div className="rich-text" dangerouslySetInnerHTML={{ __html: page.intro }} /> : null}
        </section>
      )}
      {/* Wagtail's user bar (accessibility checker, content metrics), rendered by the CMS. */}
      {userbar ? <div className="wagtail-userbar" dangerouslySetInnerHTML={{ __html: userbar }} /> : null}
    </>
  );
}
