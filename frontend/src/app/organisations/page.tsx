import Link from "next/link";
import { listOrganisations } from "@/lib/api";

export const dynamic = "force-dynamic";
export const metadata = { title: "Organisations" };

export default async function Organisations() {
  const data = await listOrganisations();
  return (
    <section aria-labelledby="orgs-heading">
      <h1 id="orgs-heading">Organisations</h1>
      <ul className="plain-list">
        {data.items.map((o) => (
          <li key={o.slug}><Link href={`/organisations/${encodeURIComponent(o.slug)}/`}>{o.name}</Link></li>
        ))}
      </ul>
    </section>
  );
}
