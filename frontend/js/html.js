// Safe HTML building: every interpolated value is escaped unless wrapped in trusted().
// trusted() is only for HTML the CMS has already sanitised (rich text: html, bio_html).

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

class Trusted {
  constructor(value) {
    this.value = String(value ?? "");
  }
  toString() {
    return this.value;
  }
}

export function trusted(value) {
  return new Trusted(value);
}

function render(value) {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof Trusted) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(value);
}

// html`<p>${text}</p>` escapes text; nested html`` results and arrays of them pass through.
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1];
  });
  return trusted(out);
}

// Only http(s), mailto and site-relative URLs may become links or sources.
export function safeUrl(url) {
  const value = String(url ?? "").trim();
  if (!value) return "";
  if (value.startsWith("/") && !value.startsWith("//")) return value;
  try {
    const parsed = new URL(value);
    return ["http:", "https:", "mailto:"].includes(parsed.protocol) ? parsed.href : "";
  } catch {
    return "";
  }
}
