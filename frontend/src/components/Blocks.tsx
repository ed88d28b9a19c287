// Every body block, rendered by the component its `type` selects. The switch is exhaustive:
// a block type added to the API's schema without a component here fails `tsc`.
import type { BodyBlock, PersonRef, Schemas } from "@/lib/api";
import { safeUrl } from "@/lib/text";
import { Picture } from "./Picture";
import { RichText } from "./RichText";

function assertNever(value: never): never {
  throw new Error(`No component for block ${JSON.stringify(value)}`);
}

function personLine(person: PersonRef): string {
  return [person.role, person.organisation?.name].filter(Boolean).join(", ");
}

function Headshot({ person, size }: { person: PersonRef; size: number }) {
  if (!person.headshot) return null;
  // Decorative next to the name, which is read out anyway. The frame keeps the aspect ratio.
  return <Picture image={person.headshot} sizes={`${size}px`} alt="" className={`headshot headshot--${size}`} />;
}

export function ParagraphBlock({ value }: { value: Schemas["ParagraphValue"] }) {
  return <RichText html={value.html} />;
}

export function HeadingBlock({ value }: { value: Schemas["HeadingValue"] }) {
  if (!value.text) return null;
  const id = value.anchor || undefined;
  switch (value.level) {
    case "h3":
      return <h3 className="block-heading" id={id}>{value.text}</h3>;
    case "h4":
      return <h4 className="block-heading" id={id}>{value.text}</h4>;
    default:
      return <h2 className="block-heading" id={id}>{value.text}</h2>;
  }
}

/**
 * Alt text of a body image: the block's, else the image's description. When both are empty a
 * published page says `alt=""` (nothing read out, instead of the file name a screen reader
 * falls back to), while a draft's preview leaves `alt` out so Wagtail's accessibility checker
 * in the admin's preview panel reports "Image is missing alt text" to the editor.
 */
export function imageAlt(value: Schemas["ImageValue"], draft: boolean): string | undefined {
  return value.alt || value.image?.alt || (draft ? undefined : "");
}

export function ImageBlock({ value, draft = false }: { value: Schemas["ImageValue"]; draft?: boolean }) {
  const image = value.image;
  if (!image) return null;
  const alignment = ["left", "right", "full"].includes(value.alignment) ? value.alignment : "full";
  const width = value.max_width && value.max_width > 0 ? value.max_width : null;
  const sizes = width
    ? `${width}px`
    : alignment === "full"
      ? "(max-width: 46rem) 100vw, 46rem"
      : "(max-width: 40rem) 100vw, 20rem";
  return (
    <figure className={`block-image align-${alignment}`} style={width ? { maxWidth: `${width}px` } : undefined}>
      <Picture image={image} sizes={sizes} alt={imageAlt(value, draft)} />
      {value.caption || value.credit ? (
        <figcaption>
          {value.caption}
          {value.credit ? <span className="credit">{value.caption ? " · " : ""}{value.credit}</span> : null}
        </figcaption>
      ) : null}
    </figure>
  );
}

export function QuoteBlock({ value }: { value: Schemas["QuoteValue"] }) {
  if (!value.text) return null;
  const who = value.attribution;
  const line = personLine(who);
  return (
    <figure className="block-quote">
      <blockquote>
        <p>{value.text}</p>
      </blockquote>
      {who.name ? (
        <figcaption className="attribution">
          <Headshot person={who} size={56} />
          <span>
            <span className="attribution__name">{who.name}</span>
            {line ? <span className="attribution__role">{line}</span> : null}
          </span>
        </figcaption>
      ) : null}
    </figure>
  );
}

export function BioBlock({ value }: { value: Schemas["BioValue"] }) {
  const person = value.person;
  if (!person) return null;
  const heading = value.heading || `About ${person.name || "the author"}`;
  const line = personLine(person);
  return (
    <section className="bio-card" aria-label={heading}>
      <Headshot person={person} size={96} />
      <div>
        <h2 className="bio-card__heading">{heading}</h2>
        {line ? (
          <p className="bio-card__role">
            {person.name ? <strong>{person.name}</strong> : null}
            {person.name ? " · " : ""}
            {line}
          </p>
        ) : null}
        <RichText html={person.bio_html} />
      </div>
    </section>
  );
}

export function BoilerplateBlock({ value }: { value: Schemas["BoilerplateValue"] }) {
  const organisation = value.organisation;
  if (!organisation && !value.html) return null;
  const heading = value.heading || (organisation?.name ? `About ${organisation.name}` : "About");
  const website = safeUrl(organisation?.website);
  return (
    <section className="boilerplate" aria-label={heading}>
      <h2>{heading}</h2>
      {organisation?.logo ? (
        <Picture image={organisation.logo} sizes="120px" alt={`${organisation.name} logo`} className="boilerplate__logo" />
      ) : null}
      <RichText html={value.html} />
      {website ? (
        <p className="boilerplate__website">
          <a href={website} rel="noopener">{website.replace(/^https?:\/\//, "").replace(/\/$/, "")}</a>
        </p>
      ) : null}
      {value.legal_notice_html ? <RichText html={value.legal_notice_html} className="rich-text legal-notice" /> : null}
    </section>
  );
}

export function CallToActionBlock({ value }: { value: Schemas["CallToActionValue"] }) {
  const url = safeUrl(value.url);
  if (!url || !value.label) return null;
  return (
    <p className="cta">
      <a className="button" href={url} rel={value.is_external ? "noopener" : undefined}>
        {value.label}
        {value.is_external ? <span className="visually-hidden"> (external site)</span> : null}
      </a>
    </p>
  );
}

export function EmbedBlock({ value }: { value: Schemas["EmbedValue"] }) {
  const src = safeUrl(value.embed_url);
  const provider = value.provider === "youtube" ? "YouTube" : value.provider === "vimeo" ? "Vimeo" : "";
  const title = value.title || (provider ? `Video on ${provider}` : "Embedded video");
  if (!src) {
    const link = safeUrl(value.url);
    return link ? <p><a href={link} rel="noopener">{title}</a></p> : null;
  }
  return (
    <figure className="block-embed">
      <div className="embed-frame">
        <iframe src={src} title={title} loading="lazy" allow="fullscreen; picture-in-picture" referrerPolicy="strict-origin-when-cross-origin" />
      </div>
      {value.caption ? <figcaption>{value.caption}</figcaption> : null}
    </figure>
  );
}

export function CodeBlock({ value }: { value: Schemas["CodeValue"] }) {
  if (!value.code) return null;
  const language = value.language && value.language !== "text" ? value.language : "";
  return (
    <figure className="block-code">
      {language ? <figcaption className="code-language">{language}</figcaption> : null}
      <pre tabIndex={0}>
        <code className={language ? `language-${language}` : undefined}>{value.code}</code>
      </pre>
    </figure>
  );
}

export function TableBlock({ value }: { value: Schemas["TableValue"] }) {
  const rows = value.rows;
  const header = value.header;
  if (!rows.length && !header.length) return null;
  return (
    <div className="block-table" tabIndex={0} role="region" aria-label={value.caption || "Table"}>
      <table>
        {value.caption ? <caption>{value.caption}</caption> : null}
        {header.length ? (
          <thead>
            <tr>{header.map((cell, i) => <th key={i} scope="col">{cell}</th>)}</tr>
          </thead>
        ) : null}
        <tbody>
          {rows.map((row, r) => (
            <tr key={r}>
              {row.map((cell, i) =>
                value.first_column_is_header && i === 0 ? <th key={i} scope="row">{cell}</th> : <td key={i}>{cell}</td>,
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The component for one block, chosen by its type; `draft`: rendered for a preview. */
export function BlockContent({ block, draft = false }: { block: BodyBlock; draft?: boolean }) {
  switch (block.type) {
    case "paragraph":
      return <ParagraphBlock value={block.value} />;
    case "heading":
      return <HeadingBlock value={block.value} />;
    case "image":
      return <ImageBlock value={block.value} draft={draft} />;
    case "quote":
      return <QuoteBlock value={block.value} />;
    case "bio":
      return <BioBlock value={block.value} />;
    case "boilerplate":
      return <BoilerplateBlock value={block.value} />;
    case "call_to_action":
      return <CallToActionBlock value={block.value} />;
    case "embed":
      return <EmbedBlock value={block.value} />;
    case "code":
      return <CodeBlock value={block.value} />;
    case "table":
      return <TableBlock value={block.value} />;
    default:
      return assertNever(block);
  }
}

export function Body({ blocks, draft = false }: { blocks: BodyBlock[]; draft?: boolean }) {
  if (!blocks.length) return <p className="notice">This post has no content yet.</p>;
  return (
    <>
      {blocks.map((block, index) => (
        <div key={block.id ?? index} className={`block block--${block.type}`}>
          <BlockContent block={block} draft={draft} />
        </div>
      ))}
    </>
  );
}
