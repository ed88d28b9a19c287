"use client";

export default function ErrorPage({ reset }: { error: Error; reset: () => void }) {
  return (
    <section className="message" aria-labelledby="message-heading">
      <h1 id="message-heading">Something went wrong</h1>
      <p>The newsroom could not be reached. Please try again in a moment.</p>
      <p>
        <button type="button" className="button" onClick={() => reset()}>Try again</button>
      </p>
    </section>
  );
}
