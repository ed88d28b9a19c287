// The admin's Preview lands here (<frontend>/preview/?content_type=…&token=…): check the token
// with the API, turn on Draft Mode and show the draft; an expired or bad token gets a page
// that says so.
import { draftMode } from "next/headers";
import { redirect } from "next/navigation";
import { fetchPreview } from "@/lib/api";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  const url = new URL(request.url);
  const contentType = url.searchParams.get("content_type") ?? "";
  const token = url.searchParams.get("token") ?? "";
  const query = new URLSearchParams({ content_type: contentType, token });
  // Set by the CMS when the draft shows in the admin's preview panel (the user bar then runs
  // the accessibility checker and content metrics for the panel).
  if (url.searchParams.get("in_preview_panel") === "true") query.set("in_preview_panel", "true");
  const answer = await fetchPreview(contentType, token);
  if (!answer.ok) redirect(`/preview/expired/?status=${answer.status}`);
  (await draftMode()).enable();
  redirect(`/preview/view/?${query}`);
}
