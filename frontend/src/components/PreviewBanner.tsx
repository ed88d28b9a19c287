const SNIPPETS: Record<string, string> = {
  "news.organisation": "an organisation (shown in a sample press release)",
  "news.person": "a person (shown in a sample post)",
};

export function PreviewBanner({ contentType }: { contentType: string }) {
  const what = SNIPPETS[contentType];
  return (
    <div className="preview-banner" role="note" aria-label="Preview">
      <strong>Preview</strong>{" "}
      <span>
        {what ? `A draft of ${what}.` : "A draft, exactly as readers will see it once published."} Not
        visible to the public.
      </span>
    </div>
  );
}
