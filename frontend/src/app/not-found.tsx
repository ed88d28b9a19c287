import Link from "next/link";

export const metadata = { title: "Page not found", robots: { index: false } };

export default function NotFound() {
  return (
    <section className="message" aria-labelledby="message-heading">
      <h1 id="message-heading">Page not found</h1>
      <p>There is no published page at this address.</p>
      <p>
        <Link href="/news/">Browse all news</Link> or <Link href="/search/">search the newsroom</Link>.
      </p>
    </section>
  );
}
