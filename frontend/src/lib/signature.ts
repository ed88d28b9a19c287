// The CMS's webhook signature (news/webhooks.py):
//   X-Newsroom-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">
import { createHmac, timingSafeEqual } from "node:crypto";

export type Verdict = { ok: true; timestamp: number } | { ok: false; reason: string };

export function sign(body: string | Buffer, secret: string, timestamp: number): string {
  const digest = createHmac("sha256", secret)
    .update(`${timestamp}.`)
    .update(body)
    .digest("hex");
  return `t=${timestamp},v1=${digest}`;
}

export function verifySignature(
  header: string | null | undefined,
  body: string | Buffer,
  secret: string,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): Verdict {
  if (!secret) return { ok: false, reason: "no secret configured" };
  if (!header) return { ok: false, reason: "missing signature" };
  const parts = new Map<string, string>();
  for (const item of header.split(",")) {
    const index = item.indexOf("=");
    if (index > 0) parts.set(item.slice(0, index).trim(), item.slice(index + 1).trim());
  }
  const t = parts.get("t") ?? "";
  const received = parts.get("v1") ?? "";
  if (!/^\d{1,12}$/.test(t) || !/^[0-9a-f]{64}$/i.test(received)) {
    return { ok: false, reason: "malformed signature" };
  }
  const timestamp = Number(t);
  const now = options.nowSeconds ?? Date.now() / 1000;
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) {
    return { ok: false, reason: "timestamp outside tolerance" };
  }
  const expected = Buffer.from(sign(body, secret, timestamp).slice(`t=${t},v1=`.length), "hex");
  const given = Buffer.from(received.toLowerCase(), "hex");
  // Both are 32 bytes here (checked above), as timingSafeEqual requires.
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: "bad signature" };
  }
  return { ok: true, timestamp };
}

export type WebhookEvent = {
  id: string;
  event: string;
  paths: string[];
  objects: { type: string; id: number | string }[];
};

/** The parts of the event this frontend acts on; null when the body is not an event. */
export function parseEvent(body: string): WebhookEvent | null {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return null;
  }
  if (!data || typeof data !== "object") return null;
  const record = data as Record<string, unknown>;
  const paths = Array.isArray(record.paths) ? record.paths : [];
  const objects = Array.isArray(record.objects) ? record.objects : [];
  return {
    id: typeof record.id === "string" ? record.id : "",
    event: typeof record.event === "string" ? record.event : "",
    paths: paths.filter((p): p is string => typeof p === "string" && p.startsWith("/") && !p.startsWith("//")),
    objects: objects.flatMap((o) => {
      if (!o || typeof o !== "object") return [];
      const { type, id } = o as Record<string, unknown>;
      return typeof type === "string" && (typeof id === "number" || typeof id === "string")
        ? [{ type, id }]
        : [];
    }),
  };
}

/** Cache tags for the event's objects: `page:42`, `organisation:7`… */
export function eventTags(event: WebhookEvent): string[] {
  return [...new Set(event.objects.map((o) => `${o.type}:${o.id}`))];
}
