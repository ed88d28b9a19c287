import { absolutiseRichText } from "@/lib/media";

/** HTML from the CMS, sanitised there (news/read/richtext.py); media pointed at the CMS. */
export function RichText({ html, className = "rich-text" }: { html: string; className?: string }) {
  if (!html) return null;
  return <div className={className} dangerouslySetInnerHTML={{ __html: absolutiseRichText(html) }} />;
}
