// The router: the news list, a post (any path, looked up in the API), and the preview route.
import { ApiError, config, fetchPreview, listNews, lookupRoute } from "./api.js";
import { html, trusted } from "./html.js";
import { article, cardList, enhance } from "./render.js";

const PAGE_SIZE = 12;
const main = document.getElementById("main");
const bannerSlot = document.getElementById("preview-banner-slot");
let navigation = 0; // ignore answers to navigations the reader has already left

const SNIPPET_PREVIEWS = {
  "news.organisation": "an organisation (shown in a sample press release)",
  "news.person": "a person (shown in a sample post)",
};

function show(content, { title, focus = true, description } = {}) {
  main.innerHTML = String(content);
  enhance(main);
  document.title = title ? `${title} · ${config.siteName}` : config.siteName;
  setMeta("description", description || "");
  if (focus) {
    // Move focus to the new page's heading so keyboard and screen-reader users start there.
    const heading = main.querySelector("h1");
    (heading || main).focus({ preventScroll: true });
  }
}

function setMeta(name, content) {
  let tag = document.head.querySelector(`meta[name="${name}"]`);
  if (!content) {
    if (tag && name === "robots") tag.remove();
    return;
  }
  if (!tag) {
    tag = document.createElement("meta");
    tag.setAttribute("name", name);
    document.head.append(tag);
  }
  tag.setAttribute("content", content);
}

function setCanonical(url) {
  let link = document.head.querySelector('link[rel="canonical"]');
  if (!url) {
    link?.remove();
    return;
  }
  if (!link) {
    link = document.createElement("link");
    link.rel = "canonical";
    document.head.append(link);
  }
  link.href = url;
}

function errorPage(error, { heading = "Something went wrong" } = {}) {
  const notFound = error instanceof ApiError && error.status === 404;
  return html`<section class="message" aria-labelledby="message-heading">
    <h1 id="message-heading" tabindex="-1">${notFound ? "Page not found" : heading}</h1>
    <p>${notFound ? "There is no published page at this address." : error.message}</p>
    <p><a href="/news/">Browse all news</a>${notFound ? "" : html` or <a href="${location.pathname + location.search}" data-reload>try again</a>`}.</p>
  </section>`;
}

// --- News list ----------------------------------------------------------------------------------

const FILTERS = ["category", "tag", "organisation"];
const FILTER_LABELS = { category: "Category", tag: "Tag", organisation: "Organisation" };

async function newsList(params, ticket, intro = "") {
  const page = Math.max(1, parseInt(params.get("page") || "1", 10) || 1);
  const filters = Object.fromEntries(FILTERS.map((name) => [name, params.get(name) || ""]));
  const data = await listNews({ limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, ...filters });
  if (ticket !== navigation) return;
  const items = data.items || [];
  const count = Number(data.count) || 0;
  const pages = Math.max(1, Math.ceil(count / PAGE_SIZE));
  const active = FILTERS.filter((name) => filters[name]);
  const filterText = active.map((name) => `${FILTER_LABELS[name]}: ${filterName(name, filters[name], items)}`);
  const link = (n) => {
    const next = new URLSearchParams(params);
    if (n > 1) next.set("page", String(n));
    else next.delete("page");
    const query = next.toString();
    return `/news/${query ? `?${query}` : ""}`;
  };
  show(
    html`<section class="news-list" aria-labelledby="list-heading">
      <header class="list-header">
        <h1 id="list-heading" tabindex="-1">${active.length ? "News" : "Latest news"}</h1>
        ${intro ? html`<div class="rich-text list-intro">${trusted(intro)}</div>` : ""}
        ${active.length ? html`<p class="active-filters">Showing ${count} ${count === 1 ? "post" : "posts"} · ${filterText.join(" · ")} · <a href="/news/">Show all news</a></p>` : ""}
      </header>
      ${items.length ? cardList(items) : html`<p class="notice">No news here yet.</p>`}
      ${pages > 1 ? html`<nav class="pagination" aria-label="Pages">
        ${page > 1 ? html`<a rel="prev" href="${link(page - 1)}">← Newer</a>` : html`<span></span>`}
        <span aria-current="page">Page ${page} of ${pages}</span>
        ${page < pages ? html`<a rel="next" href="${link(page + 1)}">Older →</a>` : html`<span></span>`}
      </nav>` : ""}
    </section>`,
    { title: active.length ? `News · ${filterText.join(", ")}` : "Latest news" }
  );
}

function filterName(name, value, items) {
  // Show the human name of the filter when a card carries it.
  for (const item of items) {
    if (name === "category" && item.category?.slug === value) return item.category.name;
    if (name === "organisation") {
      const org = (item.organisations || []).find((o) => o.slug === value);
      if (org) return org.name;
    }
  }
  return value;
}

// --- A page by its path -------------------------------------------------------------------------

async function pageAtPath(path, params, ticket) {
  const data = await lookupRoute(path);
  if (ticket !== navigation) return;
  const page = data.kind === "page" && data.page ? data.page : data;
  if (page.type === "redirect" || data.kind === "redirect") {
    const location = data.location || page.location;
    if (location && location.startsWith("/") && !location.startsWith("//")) {
      history.replaceState({}, "", location);
      return route();
    }
    if (location) window.location.replace(location);
    return;
  }
  if (page.type === "news.NewsIndexPage" || page.type === "home.HomePage") {
    return newsList(params, ticket, page.intro || "");
  }
  showPost(page);
}

function showPost(page, { preview = false } = {}) {
  const seo = page.seo || {};
  show(article(page), { title: seo.title || page.title || "Untitled draft", description: seo.description || page.summary });
  setCanonical(preview ? "" : seo.canonical_url || "");
}

// --- Preview ------------------------------------------------------------------------------------

function previewBanner(contentType) {
  const what = SNIPPET_PREVIEWS[contentType];
  return html`<div class="preview-banner" role="note" aria-label="Preview">
    <strong>Preview</strong>
    <span>${what ? `A draft of ${what}.` : "A draft, exactly as readers will see it once published."} Not visible to the public.</span>
  </div>`;
}

async function previewPage(params, ticket) {
  const contentType = params.get("content_type") || "";
  const token = params.get("token") || "";
  setMeta("robots", "noindex, nofollow");
  bannerSlot.innerHTML = String(previewBanner(contentType));
  document.body.classList.add("is-preview");
  try {
    const page = await fetchPreview(contentType, token);
    if (ticket !== navigation) return;
    showPost(page, { preview: true });
    document.title = `Preview: ${page.title || "Untitled draft"}`;
  } catch (error) {
    if (ticket !== navigation) return;
    if (error instanceof ApiError && [400, 401, 403, 404, 410].includes(error.status)) {
      show(
        html`<section class="message message--expired" aria-labelledby="message-heading">
          <h1 id="message-heading" tabindex="-1">This preview link has expired</h1>
          <p>Preview links work for a limited time and only from the editor that made them.
          Go back to the editor and click <strong>Preview</strong> again to see your latest changes.</p>
          <p class="message__detail">${error.message}</p>
        </section>`,
        { title: "Preview expired" }
      );
      return;
    }
    throw error;
  }
}

// --- Routing ------------------------------------------------------------------------------------

async function route() {
  const ticket = ++navigation;
  const path = location.pathname;
  const params = new URLSearchParams(location.search);
  if (!path.startsWith("/preview")) {
    bannerSlot.innerHTML = "";
    document.body.classList.remove("is-preview");
    setMeta("robots", "");
  }
  main.setAttribute("aria-busy", "true");
  try {
    if (path === "/preview" || path === "/preview/") await previewPage(params, ticket);
    else if (path === "/" || path === "/news" || path === "/news/") await newsList(params, ticket);
    else await pageAtPath(path, params, ticket);
  } catch (error) {
    if (ticket !== navigation) return;
    console.error(error);
    show(errorPage(error instanceof Error ? error : new Error(String(error))), { title: "Error" });
  } finally {
    if (ticket === navigation) main.removeAttribute("aria-busy");
  }
}

function navigate(url) {
  history.pushState({}, "", url);
  window.scrollTo(0, 0);
  route();
}

document.addEventListener("click", (event) => {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest("a[href]");
  if (!link || link.target || link.hasAttribute("download")) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin) return;
  if (link.hasAttribute("data-reload")) {
    event.preventDefault();
    route();
    return;
  }
  if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash);
});

window.addEventListener("popstate", route);
document.querySelectorAll("[data-site-name]").forEach((el) => {
  el.textContent = config.siteName;
});
route();
