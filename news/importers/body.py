"""A post's draft blocks → the page's StreamField data, with people, organisations and images
resolved (for ``JekyllWriter``). Block ids derive from the source file, so they are stable
between runs."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import urljoin, urlparse

from news.importers.compare import norm_name, role_without_organisation, same_html, same_role
from news.importers.drafts import Draft, ImageRef, attr, esc
from news.importers.jekyll import ParsedPost
from news.importers.results import PostResult
from news.snippets import Organisation

ID_NAMESPACE = uuid.UUID("5b0c7a56-8f0e-4f43-9d55-3a1f1c0a9e11")


class BodyMixin:
    """Turns ``ParsedPost.blocks`` into StreamField blocks."""

    def _body(self, post: ParsedPost, result: PostResult) -> list[dict]:
        raw: list[dict] = []
        # Organisations first: quotes may name people who belong to them.
        orgs: dict[str, Organisation] = {}
        self._org_changes: dict[int, tuple[Organisation, list[str]]] = {}
        for draft in post.blocks:
            if draft.type == "boilerplate":
                orgs[norm_name(draft.value["organisation"])] = self._organisation(
                    draft.value["organisation"], result
                )
        self._membership(post, orgs, result)
        for index, draft in enumerate(post.blocks):
            for item in self._block(draft, post, result, orgs):
                item["id"] = str(
                    uuid.uuid5(ID_NAMESPACE, f"{post.source_key}#{index}#{len(raw)}#{item['type']}")
                )
                raw.append(item)
                result.blocks[item["type"]] += 1
        # What the post taught about its organisations, saved once each (one revision).
        for org, learned in self._org_changes.values():
            self._save_snippet(org)
            result.notes.append(f"organisation {org.name}: " + "; ".join(learned))
        return raw

    def _block(
        self, draft: Draft, post: ParsedPost, result: PostResult, orgs: dict[str, Organisation]
    ) -> list[dict]:
        value = draft.value
        kind = draft.type
        if kind == "paragraph":
            return [{"type": "paragraph", "value": value["html"]}]
        if kind in {"heading", "code", "embed"}:
            return [{"type": kind, "value": dict(value)}]
        if kind == "table":
            return [{"type": "table", "value": dict(value)}]
        if kind == "image":
            block = self._image_block(value["image"], result)
            if block["type"] == "image":
                self._logo(value["image"], self._last_image, orgs)
            return [block]
        if kind == "quote":
            return [self._quote_block(value, post, result, orgs)]
        if kind == "boilerplate":
            organisation = orgs[norm_name(value["organisation"])]
            override = "" if same_html(organisation.boilerplate, value["html"]) else value["html"]
            self._website(organisation, value["html"])
            legal = value.get("legal") or ""
            if legal:
                if not organisation.legal_notice:
                    self._learn(organisation, "legal_notice", legal, "legal notice")
                elif not same_html(organisation.legal_notice, legal):
                    # Another notice in Newsroom: this post's stays in its own words.
                    result.warnings.append(
                        f"{organisation.name}'s legal notice in Newsroom differs from this "
                        "post's: the post's is kept after its boilerplate text"
                    )
                    override = f"{value['html']}\n{legal}"
            return [
                {
                    "type": "boilerplate",
                    "value": {"organisation": organisation.pk, "boilerplate_override": override},
                }
            ]
        if kind == "bio":
            return self._bio_blocks(value, post, result)
        result.warnings.append(f"unknown draft block {kind!r} skipped")
        return []

    def _image_block(self, ref: ImageRef, result: PostResult) -> dict:
        image = self._resolve_image(ref, result)
        self._last_image = image
        if image is None:
            return self._missing_image_paragraph(ref)
        max_width = ref.max_width
        if max_width is None and ref.max_height and image != "dry-run" and image.height:
            # The block has a maximum width: a max-height is the same box for this image.
            max_width = max(40, min(2400, round(ref.max_height * image.width / image.height)))
        return {
            "type": "image",
            "value": {
                "image": image.pk if image != "dry-run" else None,
                "alt_text": ref.alt,
                "caption": ref.caption,
                "credit": "",
                "alignment": ref.alignment,
                "max_width": max_width,
            },
        }

    def _missing_image_paragraph(self, ref: ImageRef) -> dict:
        href = ref.src
        if self.site_url and href.startswith("/"):
            href = urljoin(self.site_url + "/", href.lstrip("/"))
        label = ref.alt or ref.title or Path(urlparse(ref.src).path).name or ref.src
        caption = f" {esc(ref.caption)}" if ref.caption else ""
        return {
            "type": "paragraph",
            "value": f'<p>Image: <a href="{attr(href)}">{esc(label)}</a>{caption}</p>',
        }

    def _quote_block(
        self, value: dict, post: ParsedPost, result: PostResult, orgs: dict[str, Organisation]
    ) -> dict:
        name, role = value["name"], value.get("role", "")
        person, created = self._person(name, role, orgs, result)
        if person is not None and person.organisation_id is not None:
            role = role_without_organisation(role, person.organisation.name)
        if person is not None and (not role or same_role(person.role, role)):
            attribution = {
                "person": person.pk,
                "attribution_name": "",
                "attribution_role": "",
                "attribution_organisation": "",
            }
        else:
            if person is not None:
                result.warnings.append(
                    f"quote by {name} keeps its own role {role!r} (People has "
                    f"{person.role!r}): attributed by name, not linked"
                )
            attribution = {
                "person": None,
                "attribution_name": name[:200],
                "attribution_role": role[:200],
                "attribution_organisation": "",
            }
        return {"type": "quote", "value": {"text": value["text"], **attribution}}

    def _bio_blocks(self, value: dict, post: ParsedPost, result: PostResult) -> list[dict]:
        ref: ImageRef = value["image"]
        person, _created = self._person(value["name"], "", {}, result)
        if person is None:
            return [self._image_block(ref, result), {"type": "paragraph", "value": value["html"]}]
        if person.bio and not same_html(person.bio, value["html"]):
            result.warnings.append(
                f"{person.name}'s bio in People differs from this post: kept as a paragraph"
            )
            return [self._image_block(ref, result), {"type": "paragraph", "value": value["html"]}]
        image = self._resolve_image(ref, result)
        changed = False
        if not person.bio:
            person.bio = value["html"]
            changed = True
        if image not in (None, "dry-run") and person.headshot_id is None:
            person.headshot = image
            changed = True
        if changed:
            self._save_snippet(person)
            result.notes.append(
                f"person {person.name}: bio"
                + (" and headshot" if image not in (None, "dry-run") else "")
                + " from this post"
            )
        blocks = [{"type": "bio", "value": {"person": person.pk, "heading": ""}}]
        if image is None:
            blocks.insert(0, self._missing_image_paragraph(ref))
        elif image != "dry-run" and person.headshot_id != image.pk:
            blocks.insert(0, self._image_block(ref, result))
        return blocks
