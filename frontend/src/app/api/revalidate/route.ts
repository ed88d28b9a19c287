// The CMS's webhook: verify the signature, then revalidate exactly the event's paths and tags.
import { revalidatePath, revalidateTag } from "next/cache";
import { after } from "next/server";
import { webhookSecret, webhookTolerance } from "@/lib/config";
import { eventTags, parseEvent, verifySignature } from "@/lib/signature";
import { ownOrigin, warm, warmOrder } from "@/lib/warm";

export const dynamic = "force-dynamic";

// Deliveries already acted on (the CMS may resend one after a lost answer): a replay of a
// valid signature within the tolerance is refused too.
const seen = new Map<string, number>();

function remember(key: string, nowSeconds: number, tolerance: number): boolean {
  for (const [k, at] of seen) if (nowSeconds - at > 2 * tolerance) seen.delete(k);
  if (seen.has(key)) return false;
  seen.set(key, nowSeconds);
  return true;
}

export async function POST(request: Request) {
  const body = await request.text();
  const header = request.headers.get("x-newsroom-signature");
  const tolerance = webhookTolerance();
  const verdict = verifySignature(header, body, webhookSecret(), { toleranceSeconds: tolerance });
  if (!verdict.ok) {
    return Response.json({ revalidated: false, error: verdict.reason }, { status: 401 });
  }
  const event = parseEvent(body);
  if (!event) return Response.json({ revalidated: false, error: "not an event" }, { status: 400 });
  const delivery = request.headers.get("x-newsroom-delivery") || event.id;
  if (!remember(`${delivery}|${header}`, Date.now() / 1000, tolerance)) {
    return Response.json({ revalidated: false, error: "replayed delivery" }, { status: 401 });
  }
  const tags = eventTags(event);
  for (const path of event.paths) {
    revalidatePath(path);
    // The same page as Next.js names it internally (no trailing slash).
    if (path.length > 1 && path.endsWith("/")) revalidatePath(path.slice(0, -1));
  }
  for (const tag of tags) revalidateTag(tag);
  // After the answer: the CMS's delivery is done at once; the pages are rendered again meanwhile.
  const origin = ownOrigin(request);
  after(() => warm(origin, warmOrder(event.paths)));
  return Response.json({ revalidated: true, event: event.event, paths: event.paths, tags });
}
