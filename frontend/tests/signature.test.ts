import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { eventTags, parseEvent, sign, verifySignature } from "@/lib/signature";

const SECRET = "test-secret";
const BODY = JSON.stringify({
  id: "ev-1",
  event: "page.published",
  paths: ["/", "/news/", "/news/a-post/"],
  objects: [{ type: "page", id: 42 }, { type: "organisation", id: 7 }],
});
const NOW = 1_800_000_000;

// The CMS's own formula (news/webhooks.py signature_header), written out independently.
function cmsHeader(body: string, secret: string, t: number): string {
  return `t=${t},v1=${createHmac("sha256", secret).update(`${t}.${body}`).digest("hex")}`;
}

describe("verifySignature", () => {
  it("accepts what the CMS signs", () => {
    const header = cmsHeader(BODY, SECRET, NOW);
    expect(sign(BODY, SECRET, NOW)).toBe(header);
    expect(verifySignature(header, BODY, SECRET, { nowSeconds: NOW + 10 })).toEqual({ ok: true, timestamp: NOW });
  });

  it("refuses a body changed after signing", () => {
    const header = cmsHeader(BODY, SECRET, NOW);
    const verdict = verifySignature(header, BODY.replace("a-post", "another"), SECRET, { nowSeconds: NOW });
    expect(verdict).toEqual({ ok: false, reason: "bad signature" });
  });

  it("refuses another secret", () => {
    const header = cmsHeader(BODY, "other", NOW);
    expect(verifySignature(header, BODY, SECRET, { nowSeconds: NOW }).ok).toBe(false);
  });

  it("refuses an old (replayed) or future timestamp", () => {
    const header = cmsHeader(BODY, SECRET, NOW);
    expect(verifySignature(header, BODY, SECRET, { nowSeconds: NOW + 301 })).toEqual({ ok: false, reason: "timestamp outside tolerance" });
    expect(verifySignature(header, BODY, SECRET, { nowSeconds: NOW - 301 }).ok).toBe(false);
    expect(verifySignature(header, BODY, SECRET, { nowSeconds: NOW + 299 }).ok).toBe(true);
    expect(verifySignature(header, BODY, SECRET, { nowSeconds: NOW + 60, toleranceSeconds: 30 }).ok).toBe(false);
  });

  it("refuses a timestamp swapped into a valid signature", () => {
    const header = cmsHeader(BODY, SECRET, NOW).replace(`t=${NOW}`, `t=${NOW + 5}`);
    expect(verifySignature(header, BODY, SECRET, { nowSeconds: NOW })).toEqual({ ok: false, reason: "bad signature" });
  });

  it.each([
    [null, "missing signature"],
    ["", "missing signature"],
    ["garbage", "malformed signature"],
    [`t=${NOW}`, "malformed signature"],
    [`t=${NOW},v1=abc`, "malformed signature"],
    [`t=soon,v1=${"0".repeat(64)}`, "malformed signature"],
  ])("refuses a malformed header %j", (header, reason) => {
    expect(verifySignature(header, BODY, SECRET, { nowSeconds: NOW })).toEqual({ ok: false, reason });
  });

  it("refuses everything when no secret is configured", () => {
    const header = cmsHeader(BODY, "", NOW);
    expect(verifySignature(header, BODY, "", { nowSeconds: NOW }).ok).toBe(false);
  });
});

describe("parseEvent", () => {
  it("keeps the paths and objects of an event", () => {
    const event = parseEvent(BODY);
    expect(event?.paths).toEqual(["/", "/news/", "/news/a-post/"]);
    expect(event && eventTags(event)).toEqual(["page:42", "organisation:7"]);
  });

  it("drops anything that is not a site path", () => {
    const event = parseEvent(JSON.stringify({ paths: ["/ok/", "https://evil.example/", "//evil", 3], objects: [{ type: 1 }] }));
    expect(event?.paths).toEqual(["/ok/"]);
    expect(event?.objects).toEqual([]);
  });

  it("returns null for a body that is not JSON", () => {
    expect(parseEvent("not json")).toBeNull();
  });
});
