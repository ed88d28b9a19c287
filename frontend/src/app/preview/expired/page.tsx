import type { Metadata } from "next";
import { PreviewBanner } from "@/components/PreviewBanner";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Preview expired", robots: { index: false, follow: false } };

export default function PreviewExpired() {
  return (
    <>
      <PreviewBanner contentType="" />
      <section className="message message--expired" aria-labelledby="message-heading">
        <h1 id="message-heading">This preview link has expired</h1>
        <p>
          Preview links work for a limited time and only from the editor that made them. Go back to
          the editor and click <strong>Preview</strong> again to see your latest changes.
        </p>
      </section>
    </>
  );
}
