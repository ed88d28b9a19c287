// Turning the API's JSON into HTML: cards, a full post and every body block.
// Drafts may have blank fields, so every value is optional here.
import { html, trusted, safeUrl } from "./html.js";
import { mediaUrl, mediaSrcset } from "./api.js";

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "long" });

export function formatDate(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : dateFormat.format(date);
}

function timeTag(iso) {
  const text = formatDate(iso);
  return text ? html`<time datetime="${iso}">${text}</time>` : "";
}

// --- Images -----------------------------------------------------------------------------------

export function picture(image, { sizes = "100vw", alt, className = "", loading = "lazy" } = {}) {
  if (!image || !image.src) return "";
  const altText = alt ?? image.alt ?? "";
  return html`<picture class="${className}">
    ${image.srcset_webp ? html`<source type="image/webp" srcset="${mediaSrcset(image.srcset_webp)}" sizes="${sizes}">` : ""}
    <img src="${mediaUrl(image.src)}" ${image.srcset ? html`srcset="${mediaSrcset(image.srcset)}" sizes="${sizes}"` : ""}
      width="${image.width || ""}" height="${image.height || ""}" alt="${altText}" loading="${loading}" decoding="async">
  </picture>`;
}

function headshot(person, size = 64) {
  const image = person?.headshot;
  if (!image || !image.src) return "";
  // Decorative next to the name, which is read out anyway.
  return picture(image, { sizes: `${size}px`, alt: "", className: "headshot" });
}

// --- Rich text from the CMS (already sanitised there) ----------------------------------------

export function richText(source, className = "rich-text") {
  if (!source) return "";
  return html`<div class="${className}">${trusted(source)}</div>`;
}

// After HTML is in the page: apply image widths, point rich text media at the CMS.
export function enhance(root) {
  root.querySelectorAll("[data-max-width]").forEach((el) => {
    el.style.maxWidth = `${Number(el.dataset.maxWidth)}px`;
  });
  root.querySelectorAll(".rich-text img").forEach((img) => {
    const src = img.getAttribute("src");
    if (src) img.setAttribute("src", mediaUrl(src));
    const srcset = img.getAttribute("srcset");
    if (srcset) img.setAttribute("srcset", mediaSrcset(srcset));
    if (!img.hasAttribute("alt")) img.setAttribute("alt", "");
  });
  root.querySelectorAll(".rich-text a[href^='/documents/'], .rich-text a[href^='/media/']").forEach((a) => {
    a.setAttribute("href", mediaUrl(a.getAttribute("href")));
  });
}

// --- People and organisations -----------------------------------------------------------------

function personLine(person) {
  if (!person) return "";
  const parts = [person.role, person.organisation?.name].filter(Boolean);
  return parts.join(", ");
}

function authorsLine(page) {
  const names = (page.authors || []).map((a) => a?.name).filter(Boolean);
  if (names.length) return names.join(", ").replace(/, ([^,]*)$/, " and $1");
  return page.byline || "";
}

// --- Cards ------------------------------------------------------------------------------------

export function card(item, { headingLevel = 2 } = {}) {
  const title = item.title || "Untitled";
  const tag = `h${headingLevel}`;
  const link = safeUrl(item.path) || "#";
  return html`<article class="card">
    ${item.feature_image ? html`<a class="card__image" href="${link}" tabindex="-1" aria-hidden="true">${picture(item.feature_image, { sizes: "(max-width: 40rem) 100vw, 22rem", alt: "" })}</a>` : ""}
    <div class="card__body">
      ${item.category ? html`<a class="kicker" href="/news/?category=${encodeURIComponent(item.category.slug || "")}">${item.category.name}</a>` : ""}
      ${trusted(`<${tag} class="card__title">`)}<a href="${link}">${title}</a>${trusted(`</${tag}>`)}
      ${item.summary ? html`<p class="card__summary">${item.summary}</p>` : ""}
      <p class="meta">${timeTag(item.date)}${item.reading_time ? html`<span>${item.reading_time} min read</span>` : ""}</p>
    </div>
  </article>`;
}

export function cardList(items, options) {
  return html`<ul class="card-grid">${(items || []).map((item) => html`<li>${card(item, options)}</li>`)}</ul>`;
}

// --- Blocks -----------------------------------------------------------------------------------

const BLOCKS = {
  paragraph: (v) => richText(v.html),

  heading(v) {
    const level = ["h2", "h3", "h4"].includes(v.level) ? v.level : "h2";
    if (!v.text) return "";
    return html`${trusted(`<${level} class="block-heading"`)} id="${v.anchor || ""}">${v.text}${trusted(`</${level}>`)}`;
  },

  image(v) {
    if (!v.image) return "";
    const alignment = ["left", "right", "full"].includes(v.alignment) ? v.alignment : "full";
    const width = Number(v.max_width) > 0 ? Number(v.max_width) : null;
    const sizes = width ? `${width}px` : alignment === "full" ? "(max-width: 46rem) 100vw, 46rem" : "(max-width: 40rem) 100vw, 20rem";
    // The width is applied by enhance() through the CSSOM: the CSP forbids inline styles.
    return html`<figure class="block-image align-${alignment}" ${width ? html`data-max-width="${width}"` : ""}>
      ${picture(v.image, { sizes, alt: v.alt ?? v.image.alt ?? "" })}
      ${v.caption || v.credit ? html`<figcaption>${v.caption}${v.credit ? html` <span class="credit">${v.caption ? "· " : ""}${v.credit}</span>` : ""}</figcaption>` : ""}
    </figure>`;
  },

  quote(v) {
    if (!v.text) return "";
    const who = v.attribution || {};
    return html`<figure class="block-quote">
      <blockquote><p>${v.text}</p></blockquote>
      ${who.name ? html`<figcaption class="attribution">${headshot(who, 56)}
        <span><span class="attribution__name">${who.name}</span>${personLine(who) ? html`<span class="attribution__role">${personLine(who)}</span>` : ""}</span>
      </figcaption>` : ""}
    </figure>`;
  },

  bio(v) {
    const person = v.person;
    if (!person) return "";
    const heading = v.heading || `About ${person.name || "the author"}`;
    return html`<section class="bio-card" aria-label="${heading}">
      ${headshot(person, 96)}
      <div>
        <h2 class="bio-card__heading">${heading}</h2>
        ${personLine(person) ? html`<p class="bio-card__role">${person.name ? html`<strong>${person.name}</strong> · ` : ""}${personLine(person)}</p>` : ""}
        ${richText(person.bio_html)}
      </div>
    </section>`;
  },

  boilerplate(v) {
    const organisation = v.organisation;
    if (!organisation && !v.html) return "";
    const heading = v.heading || (organisation?.name ? `About ${organisation.name}` : "About");
    const website = safeUrl(organisation?.website);
    return html`<section class="boilerplate" aria-label="${heading}">
      <h2>${heading}</h2>
      ${organisation?.logo ? picture(organisation.logo, { sizes: "120px", alt: `${organisation.name} logo`, className: "boilerplate__logo" }) : ""}
      ${richText(v.html)}
      ${website ? html`<p class="boilerplate__website"><a href="${website}" rel="noopener">${website.replace(/^https?:\/\//, "").replace(/\/$/, "")}</a></p>` : ""}
      ${v.legal_notice_html ? richText(v.legal_notice_html, "rich-text legal-notice") : ""}
    </section>`;
  },

  call_to_action(v) {
    const url = safeUrl(v.url);
    if (!url || !v.label) return "";
    return html`<p class="cta"><a class="button" href="${url}" ${v.is_external ? trusted('rel="noopener"') : ""}>${v.label}${v.is_external ? html`<span class="visually-hidden"> (external site)</span>` : ""}</a></p>`;
  },

  embed(v) {
    const src = safeUrl(v.embed_url);
    const title = v.title || (v.provider ? `Video on ${v.provider}` : "Embedded video");
    if (!src) {
      const link = safeUrl(v.url);
      return link ? html`<p><a href="${link}" rel="noopener">${title}</a></p>` : "";
    }
    return html`<figure class="block-embed">
      <div class="embed-frame"><iframe src="${src}" title="${title}" loading="lazy" allow="fullscreen; picture-in-picture" referrerpolicy="strict-origin-when-cross-origin"></iframe></div>
      ${v.caption ? html`<figcaption>${v.caption}</figcaption>` : ""}
    </figure>`;
  },

  code(v) {
    if (!v.code) return "";
    const language = v.language && v.language !== "text" ? v.language : "";
    return html`<figure class="block-code">
      ${language ? html`<figcaption class="code-language">${language}</figcaption>` : ""}
      <pre tabindex="0"><code class="${language ? `language-${language}` : ""}">${v.code}</code></pre>
    </figure>`;
  },

  table(v) {
    const rows = v.rows || [];
    const header = v.header || [];
    if (!rows.length && !header.length) return "";
    const firstColumn = Boolean(v.first_column_is_header);
    return html`<div class="block-table" tabindex="0" role="region" aria-label="${v.caption || "Table"}">
      <table>
        ${v.caption ? html`<caption>${v.caption}</caption>` : ""}
        ${header.length ? html`<thead><tr>${header.map((cell) => html`<th scope="col">${cell}</th>`)}</tr></thead>` : ""}
        <tbody>${rows.map((row) => html`<tr>${(row || []).map((cell, i) => (firstColumn && i === 0 ? html`<th scope="row">${cell}</th>` : html`<td>${cell}</td>`))}</tr>`)}</tbody>
      </table>
    </div>`;
  },
};

export function block(item) {
  const renderBlock = BLOCKS[item?.type];
  if (!renderBlock) {
    console.warn("Newsroom: no renderer for block type", item?.type);
    return "";
  }
  try {
    return html`<div class="block block--${item.type}">${renderBlock(item.value || {})}</div>`;
  } catch (error) {
    // One malformed block must not take the whole post down.
    console.error("Newsroom: could not render block", item, error);
    return "";
  }
}

// --- A full post --------------------------------------------------------------------------------

export function article(page) {
  const title = page.title || "Untitled draft";
  const byline = authorsLine(page);
  const body = page.body || [];
  return html`<article class="post" ${page.id ? html`data-page-id="${page.id}"` : ""}>
    <header class="post__header">
      ${page.category ? html`<a class="kicker" href="/news/?category=${encodeURIComponent(page.category.slug || "")}">${page.category.name}</a>` : ""}
      <h1 class="post__title" tabindex="-1">${title}</h1>
      ${page.subtitle ? html`<p class="post__subtitle">${page.subtitle}</p>` : ""}
      <p class="meta">
        ${byline ? html`<span class="byline">By ${byline}</span>` : ""}
        ${timeTag(page.date)}
        ${page.reading_time ? html`<span>${page.reading_time} min read</span>` : ""}
      </p>
    </header>
    ${page.feature_image ? html`<figure class="post__feature">${picture(page.feature_image, { sizes: "(max-width: 60rem) 100vw, 60rem", loading: "eager" })}</figure>` : ""}
    <div class="post__body">
      ${body.length ? body.map(block) : html`<p class="notice">This post has no content yet.</p>`}
    </div>
    ${tagList(page)}
  </article>
  ${page.related && page.related.length ? html`<section class="related" aria-labelledby="related-heading">
    <h2 id="related-heading">Related news</h2>
    ${cardList(page.related, { headingLevel: 3 })}
  </section>` : ""}`;
}

function tagList(page) {
  const tags = page.tags || [];
  const organisations = page.organisations || [];
  if (!tags.length && !organisations.length) return "";
  return html`<footer class="post__footer">
    ${tags.length ? html`<p class="chips"><span class="chips__label">Tags</span> ${tags.map((tag) => html`<a class="chip" href="/news/?tag=${encodeURIComponent(tag)}">${tag}</a>`)}</p>` : ""}
    ${organisations.length ? html`<p class="chips"><span class="chips__label">Organisations</span> ${organisations.map((org) => html`<a class="chip" href="/news/?organisation=${encodeURIComponent(org.slug || "")}">${org.name}</a>`)}</p>` : ""}
  </footer>`;
}
