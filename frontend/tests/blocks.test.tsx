import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { BlockContent, Body } from "@/components/Blocks";
import { Card } from "@/components/Card";
import type { BodyBlock, Image, NewsCard, PersonRef } from "@/lib/api";

process.env.NEWSROOM_API_URL = "http://cms.test/api/v3";

const image: Image = {
  id: 1,
  title: "Office",
  alt: "The office",
  width: 1600,
  height: 900,
  src: "/media/images/office.width-960.png",
  renditions: [],
  srcset: "/media/images/office.width-480.png 480w, /media/images/office.width-960.png 960w",
  srcset_webp: "/media/images/office.width-480.format-webp.webp 480w",
};

const ada: PersonRef = {
  id: 3,
  slug: "ada",
  name: "Ada Example",
  role: "Chief Example Officer",
  organisation: { id: 2, slug: "example", name: "Example Corp", website: "https://example.org", membership_level: "premier", logo: null },
  headshot: { ...image, width: 400, height: 400 },
  bio_html: "<p>Ada has worked on examples for years.</p>",
};

const html = (block: BodyBlock) => renderToStaticMarkup(<BlockContent block={block} />);

describe("block renderers", () => {
  it("image without any alt text: alt=\"\" when published, no alt in a draft's preview", () => {
    const bare: BodyBlock = {
      type: "image",
      value: { image: { ...image, alt: "" }, alt: "", caption: "", credit: "", alignment: "full", max_width: null },
    };
    const published = renderToStaticMarkup(<Body blocks={[bare]} />);
    expect(published).toMatch(/<img [^>]*alt=""/);
    const draft = renderToStaticMarkup(<Body blocks={[bare]} draft />);
    expect(draft).toContain("<img ");
    expect(draft).not.toContain("alt=");
    // Alt text given in the block or on the image is used in both.
    const described = renderToStaticMarkup(<Body blocks={[{ ...bare, value: { ...bare.value, alt: "A bridge" } }]} draft />);
    expect(described).toContain('alt="A bridge"');
  });

  it("paragraph: the CMS's rich text, media pointed at the CMS", () => {
    const out = html({ type: "paragraph", value: { html: '<p>Hello <a href="/documents/1/x.pdf">doc</a></p>' } });
    expect(out).toContain("<p>Hello");
    expect(out).toContain('href="http://cms.test/documents/1/x.pdf"');
  });

  it("heading: the level and anchor asked for", () => {
    expect(html({ type: "heading", value: { text: "Results", level: "h3", anchor: "results" } })).toBe(
      '<h3 class="block-heading" id="results">Results</h3>',
    );
  });

  it("image: srcset, sizes, WebP, width and height, lazy, caption", () => {
    const out = html({
      type: "image",
      value: { image, alt: "", caption: "Our office", credit: "Photo: Bo", alignment: "right", max_width: null },
    });
    expect(out).toContain('type="image/webp"');
    expect(out).toContain('srcSet="http://cms.test/media/images/office.width-480.png 480w, http://cms.test/media/images/office.width-960.png 960w"');
    expect(out).toContain('sizes="(max-width: 40rem) 100vw, 20rem"');
    expect(out).toContain('width="1600"');
    expect(out).toContain('height="900"');
    expect(out).toContain('loading="lazy"');
    expect(out).toContain('alt="The office"');
    expect(out).toContain("align-right");
    expect(out).toContain("<figcaption>Our office<span class=\"credit\"> · Photo: Bo</span></figcaption>");
  });

  it("quote: text and attribution with role and organisation", () => {
    const out = html({ type: "quote", value: { text: "Open is better.", attribution: ada } });
    expect(out).toContain("<blockquote><p>Open is better.</p></blockquote>");
    expect(out).toContain('<span class="attribution__name">Ada Example</span>');
    expect(out).toContain("Chief Example Officer, Example Corp");
  });

  it("bio: heading, role and bio; the headshot keeps a square frame", () => {
    const out = html({ type: "bio", value: { heading: "", person: ada } });
    expect(out).toContain("About Ada Example");
    expect(out).toContain("Ada has worked on examples for years.");
    expect(out).toContain('class="headshot headshot--96"');
    expect(out).toContain('width="400" height="400"');
  });

  it("boilerplate: heading, text, website and legal notice", () => {
    const out = html({
      type: "boilerplate",
      value: { heading: "", html: "<p>Example Corp builds things.</p>", legal_notice_html: "<p>™</p>", organisation: ada.organisation },
    });
    expect(out).toContain("<h2>About Example Corp</h2>");
    expect(out).toContain("Example Corp builds things.");
    expect(out).toContain('href="https://example.org/"');
    expect(out).toContain("legal-notice");
  });

  it("call to action: refuses javascript: URLs", () => {
    expect(html({ type: "call_to_action", value: { label: "Go", url: "javascript:alert(1)", is_external: true } })).toBe("");
    const out = html({ type: "call_to_action", value: { label: "Join", url: "https://example.org/join", is_external: true } });
    expect(out).toContain('href="https://example.org/join"');
    expect(out).toContain("(external site)");
  });

  it("embed: a lazy iframe with a title", () => {
    const out = html({
      type: "embed",
      value: { url: "https://youtu.be/x", provider: "youtube", video_id: "x", embed_url: "https://www.youtube-nocookie.com/embed/x", title: "", caption: "Talk" },
    });
    expect(out).toContain('src="https://www.youtube-nocookie.com/embed/x"');
    expect(out).toContain('title="Video on YouTube"');
    expect(out).toContain('loading="lazy"');
  });

  it("code: escaped, with its language", () => {
    const out = html({ type: "code", value: { language: "python", code: "print('<b>')" } });
    expect(out).toContain("&lt;b&gt;");
    expect(out).toContain('class="language-python"');
  });

  it("table: header cells and row headers", () => {
    const out = html({
      type: "table",
      value: { caption: "Votes", header: ["Name", "Votes"], rows: [["Ada", "3"]], first_column_is_header: true },
    });
    expect(out).toContain("<caption>Votes</caption>");
    expect(out).toContain('<th scope="col">Name</th>');
    expect(out).toContain('<th scope="row">Ada</th><td>3</td>');
  });

  it("an unknown block type (API newer than the frontend) is an error, not silence", () => {
    const unknown = { type: "poll", value: {} } as unknown as BodyBlock;
    expect(() => html(unknown)).toThrow(/No component for block/);
  });

  it("a body wraps each block with its type", () => {
    const out = renderToStaticMarkup(<Body blocks={[{ type: "heading", value: { text: "A", level: "h2", anchor: "" } }]} />);
    expect(out).toBe('<div class="block block--heading"><h2 class="block-heading">A</h2></div>');
  });
});

describe("cards", () => {
  const card: NewsCard = {
    id: 5, type: "news.NewsPage", title: "A post", subtitle: "", path: "/news/a-post/", date: "2026-05-20T09:00:00+00:00",
    summary: "Summary", feature_image: null, authors: [], byline: "", category: null, tags: [], organisations: [], reading_time: 2,
  };

  it("a card without a feature image keeps the image frame", () => {
    const out = renderToStaticMarkup(<Card item={card} />);
    expect(out).toContain('class="card__image"');
    expect(out).toContain("card__placeholder");
    expect(out).toContain("20 May 2026");
  });

  it("search highlights keep <mark> and nothing else", () => {
    const out = renderToStaticMarkup(
      <Card item={card} highlight={{ title: "A <mark>post</mark><script>x</script>", excerpt: "<img src=x onerror=alert(1)><mark>post</mark>" }} />,
    );
    expect(out).toContain("A <mark>post</mark>");
    expect(out).not.toContain("<script>");
    expect(out).not.toContain("<img src=x");
  });
});
