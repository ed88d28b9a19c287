"""Write parsed Jekyll posts into Wagtail: pages, people, organisations, images, redirects.

One database transaction per post: a post that fails leaves nothing behind, and the others
still import. Pages are matched by ``NewsPage.source_path`` (then by slug under the parent),
so a second run updates in place; when the generated content equals the page's latest
revision nothing is saved (no new revision). Organisation boilerplates follow "newest wins":
the organisation keeps the newest text seen, and every post whose "About" text differs keeps
its own words in the block's ``boilerplate_override`` — including older posts already in the
database when an organisation's text is replaced. ``dry_run`` performs the same work inside a
transaction that is rolled back, without publishing and without storing image files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.images import ImageFile
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.text import slugify
from modelsearch import index as search_index
from modelsearch.signal_handlers import post_save_signal_handler
from wagtail.contrib.redirects.models import Redirect
from wagtail.images import get_image_model
from wagtail.models import ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from news.importers.drafts import Draft, ImageRef, attr, collapse, esc
from news.importers.jekyll import ParsedPost
from news.importers.matching import PageIndex
from news.importers.patterns import looks_like_name, membership_statement
from news.importers.publish import add_published_child, create_published_snippet
from news.models import NewsIndexPage, NewsPage, NewsPageAuthor
from news.snippets import NewsCategory, Organisation, Person
from news.svg import SvgError, is_svg_name, sanitise_svg

ID_NAMESPACE = uuid.UUID("5b0c7a56-8f0e-4f43-9d55-3a1f1c0a9e11")
IMPORT_STATUSES = ("created", "updated", "published", "unchanged", "skipped", "failed")


def norm_name(name: str) -> str:
    return collapse(name).casefold()


def same_html(a: str, b: str) -> bool:
    def clean(value: str) -> str:
        value = re.sub(r"<br\s*/?>", "<br/>", value or "")
        return re.sub(r"\s+", " ", value).replace("> <", "><").strip()

    return clean(a) == clean(b)


ROLE_FILLER = {"of", "the", "at", "a", "an", "for", "and", "&", "in"}


def same_role(a: str, b: str) -> bool:
    """Two wordings of one role: the same words, in any order ("X Director" = "Director of X")."""

    def words(text: str) -> Counter:
        tokens = re.findall(r"[\w&]+", text.casefold())
        return Counter(t for t in tokens if t not in ROLE_FILLER)

    return words(a) == words(b)


def role_without_organisation(role: str, organisation: str) -> str:
    """The role with the organisation's name taken out, since the organisation is shown with
    it: "Example Foundation Executive Director" → "Executive Director"; "CTO at Example",
    "CTO, Example", "CTO of the Example" → "CTO". Unchanged when the name is not at an end."""
    role = collapse(role)
    name = re.escape(collapse(organisation))
    if not role or not name:
        return role
    the = r"(?:the\s+)?"
    patterns = (
        rf"^{the}{name}(?:['’]s)?\s+(?P<rest>.+)$",
        rf"^(?P<rest>.+?)\s*(?:,|\s+at|\s+of|\s+for|\s+with)\s+{the}{name}\s*$",
    )
    for pattern in patterns:
        match = re.match(pattern, role, re.IGNORECASE)
        rest = match.group("rest").strip(" ,") if match else ""
        if rest:
            # "the Chief Architect at X" → "Chief Architect" (shown as "…, X").
            return re.sub(r"^the\s+(?=\S)", "", rest, flags=re.IGNORECASE)
    return role


@dataclass
class PostResult:
    """What happened to one post (one output line) and what it contained."""

    source: str
    status: str
    message: str = ""
    page_id: int | None = None
    url: str = ""
    warnings: list[str] = field(default_factory=list)
    # What the import learned and stored besides the page (people, organisations).
    notes: list[str] = field(default_factory=list)
    blocks: Counter = field(default_factory=Counter)
    images_found: int = 0
    images_missing: int = 0
    images_external: int = 0
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass
class Summary:
    results: list[PostResult] = field(default_factory=list)

    def add(self, result: PostResult) -> None:
        self.results.append(result)

    @property
    def failed(self) -> list[PostResult]:
        return [r for r in self.results if r.failed]

    def totals(self) -> dict:
        statuses = Counter(r.status for r in self.results)
        blocks: Counter = Counter()
        for r in self.results:
            blocks.update(r.blocks)
        return {
            "posts": len(self.results),
            "statuses": statuses,
            "blocks": blocks,
            "quotes": blocks.get("quote", 0),
            "boilerplates": blocks.get("boilerplate", 0),
            "bios": blocks.get("bio", 0),
            "images_found": sum(r.images_found for r in self.results),
            "images_missing": sum(r.images_missing for r in self.results),
            "images_external": sum(r.images_external for r in self.results),
            "warnings": sum(len(r.warnings) for r in self.results),
            "seconds": sum(r.seconds for r in self.results),
        }


class _DryRunRollback(Exception):
    pass


class _Skipped(Exception):
    """The post is left as it is: undo anything resolved for it (new people, images…)."""


class JekyllWriter:
    """Creates or updates one NewsPage per ParsedPost under ``parent``."""

    def __init__(
        self,
        parent: NewsIndexPage,
        *,
        publish: bool = True,
        dry_run: bool = False,
        assets_dirs: Iterable[Path] = (),
        site_url: str = "",
        user: AbstractBaseUser | None = None,
        force: bool = False,
    ) -> None:
        self.parent = parent
        self.publish = publish
        self.dry_run = dry_run
        self.assets_dirs = [Path(p) for p in assets_dirs]
        self.site_url = site_url.rstrip("/")
        self.site_host = urlparse(self.site_url).hostname if self.site_url else None
        self.user = user
        self.force = force
        self.image_model = get_image_model()
        self.stream_block = NewsPage._meta.get_field("body").stream_block
        self.org_newest: dict[str, tuple[str, str, str]] = {}
        self.person_newest: dict[str, tuple[str, str]] = {}
        self.run_keys: set[str] = set()
        self._touched: list = []
        self._kept: set[tuple[int, str]] = set()
        self._hash_cache: dict[Path, str] = {}
        self._last_image = None
        self._org_changes: dict[int, tuple[Organisation, list[str]]] = {}
        self.pages = PageIndex(parent)

    # Planning -----------------------------------------------------------------------------
    def plan(self, posts: list[ParsedPost]) -> None:
        """Note, across all posts of the run, the newest "About" text and role of each name."""
        for post in sorted(posts, key=_post_order):
            stamp = _stamp(post.date)
            self.run_keys.add(post.source_key)
            for draft in post.blocks:
                if draft.type == "boilerplate":
                    key = norm_name(draft.value["organisation"])
                    if key not in self.org_newest or stamp >= self.org_newest[key][0]:
                        self.org_newest[key] = (
                            stamp,
                            draft.value["html"],
                            draft.value["organisation"],
                        )
                elif draft.type == "quote" and draft.value.get("role"):
                    key = norm_name(draft.value["name"])
                    if key not in self.person_newest or stamp >= self.person_newest[key][0]:
                        self.person_newest[key] = (stamp, draft.value["role"])

    def write_all(
        self, posts: list[ParsedPost], report: Callable[[PostResult], None] | None = None
    ) -> Summary:
        """Import ``posts`` oldest first; ``report`` is called with each post's result."""
        self.plan(posts)
        summary = Summary()
        for post in sorted(posts, key=_post_order):
            result = self.write(post)
            summary.add(result)
            if report is not None:
                report(result)
        return summary

    # One post -------------------------------------------------------------------------------
    def write(self, post: ParsedPost) -> PostResult:
        started = time.perf_counter()
        result = PostResult(source=post.source_key, status="failed", warnings=list(post.warnings))
        if post.source_key not in self.run_keys:
            self.plan([post])
        self._touched = []
        try:
            with transaction.atomic():
                # Wagtail's reference and search indexes are brought up to date once per
                # object at the end of the post, not after each of every object's saves.
                with disable_reference_index_auto_update(), deferred_search_index():
                    self._write(post, result)
                for obj in self._touched:
                    stored = type(obj)._default_manager.filter(pk=obj.pk).first()
                    if stored is not None:
                        ReferenceIndex.create_or_update_for_object(stored)
                        if isinstance(stored, search_index.Indexed):
                            search_index.insert_or_update_object(stored)
                if self.dry_run:
                    raise _DryRunRollback
        except (_DryRunRollback, _Skipped):
            self.pages.forget()
        except Exception as exc:  # noqa: BLE001 - any failure is reported per post
            self.pages.forget()
            result.status = "failed"
            result.message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            result.page_id = None
            result.blocks.clear()  # nothing of it was written
            result.images_found = result.images_missing = result.images_external = 0
        result.seconds = time.perf_counter() - started
        return result

    def _write(self, post: ParsedPost, result: PostResult) -> None:
        page = self.pages.find(post.source_key, post.slug)
        body = self._body(post, result)
        authors, byline = self._authors(post)
        category = self._category(post.category) if post.category else None
        feature_image = None
        if post.feature_image is not None:
            feature_image = self._resolve_image(post.feature_image, result, feature=True)
        date = _aware(post.date)
        publish = self.publish and post.published
        if self.publish and not post.published:
            result.warnings.append("'published: false' in the front matter: saved as a draft")

        values = {
            "title": post.title,
            "subtitle": post.subtitle,
            "date": date,
            "byline": byline,
            "summary": post.summary,
            "feature_image": feature_image,
            "feature_image_alt": post.feature_image_alt,
            "category": category,
            "canonical_url": post.canonical_url,
            "source_path": post.source_key,
        }

        if page is None:
            page = NewsPage(slug=self._free_slug(post.slug), live=False, **values)
            page.body = body
            page.authors = [NewsPageAuthor(person=p) for p in authors]
            page.tags.add(*post.tags)
            if publish and not self.dry_run:
                add_published_child(self.parent, page, user=self.user)
            else:
                self.parent.add_child(instance=page)
                page.save_revision(user=self.user, log_action=True)
            result.status = "created"
        else:
            latest = page.get_latest_revision_as_object()
            before = self._snapshot(latest)
            for name, value in values.items():
                setattr(latest, name, value)
            latest.body = body
            latest.authors = [NewsPageAuthor(person=p) for p in authors]
            latest.tags.clear()
            latest.tags.add(*post.tags)
            after = self._snapshot(latest)
            if before == after:
                if publish and (not page.live or page.has_unpublished_changes):
                    if not self.dry_run:
                        page.get_latest_revision().publish(user=self.user)
                    result.status = "published"
                else:
                    result.status = "unchanged"
            else:
                last = page.get_latest_revision()
                edited_by_person = (
                    last is not None
                    and last.user_id is not None
                    and (self.user is None or last.user_id != self.user.pk)
                )
                if edited_by_person and not self.force:
                    result.status = "skipped"
                    result.message = (
                        "edited in Wagtail since it was imported: not overwritten "
                        "(use --force to replace the editor's changes)"
                    )
                    result.page_id = page.pk
                    raise _Skipped
                revision = latest.save_revision(user=self.user, log_action=True)
                if publish and not self.dry_run:
                    revision.publish(user=self.user)
                result.status = "updated"
            page = latest
        if result.status in {"created", "updated"}:
            self._touch(page)
        self.pages.added(page)
        result.page_id = page.pk
        parts = page.get_url_parts()
        result.url = parts[2] if parts else page.url_path
        self._redirect(post, page, result)

    # Matching ---------------------------------------------------------------------------------
    def _free_slug(self, slug: str) -> str:
        taken = set(
            NewsPage.objects.child_of(self.parent)
            .filter(slug__startswith=slug)
            .values_list("slug", flat=True)
        )
        candidate, n = slug, 2
        while candidate in taken:
            candidate = f"{slug[:250]}-{n}"
            n += 1
        return candidate

    def _snapshot(self, page: NewsPage) -> dict:
        return {
            "title": page.title,
            "subtitle": page.subtitle,
            "date": _stamp(page.date),
            "byline": page.byline,
            "summary": page.summary,
            "feature_image": page.feature_image_id,
            "feature_image_alt": page.feature_image_alt,
            "category": page.category_id,
            "canonical_url": page.canonical_url,
            "source_path": page.source_path,
            "authors": [a.person_id for a in page.authors.all()],
            "tags": sorted(t.name for t in page.tags.all()),
            "body": self._body_key(page.body),
        }

    def _body_key(self, value) -> str:
        if not hasattr(value, "get_prep_value"):
            value = self.stream_block.to_python(value)
        for _child in value:
            pass
        return json.dumps(value.get_prep_value(), sort_keys=True, default=str)

    # Body -------------------------------------------------------------------------------------
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

    # What a post teaches about its organisations ----------------------------------------------
    def _learn(self, org: Organisation, field_name: str, value, label: str) -> None:
        """Give ``org`` a value it does not have yet (an editor's value is never replaced)."""
        current = getattr(org, field_name)
        empty = current in (None, "", "none") if field_name != "logo" else org.logo_id is None
        if not empty or value in (None, ""):
            return
        setattr(org, field_name, value)
        _org, learned = self._org_changes.setdefault(org.pk, (org, []))
        learned.append(label)

    def _membership(
        self, post: ParsedPost, orgs: dict[str, Organisation], result: PostResult
    ) -> None:
        """ "… that X has joined as a premier member": X's membership level, when X is one of
        the organisations the post has an "About" section for (otherwise only reported)."""
        found = membership_statement(post.title, post.blocks)
        if found is None:
            return
        who, level = found
        org = _org_named(who, orgs)
        if org is None:
            result.warnings.append(
                f"{who!r} joined as a {level} member, but the post has no 'About {who}' "
                "section: no organisation updated"
            )
            return
        if org.membership_level not in ("", "none") and org.membership_level != level:
            result.warnings.append(
                f"{org.name} is a {org.membership_level} member in Newsroom; this post says "
                f"{level}: left as it is"
            )
        self._learn(org, "membership_level", level, f"membership level {level}")

    def _logo(self, ref: ImageRef, image, orgs: dict[str, Organisation]) -> None:
        """An image whose alt text or file name is "<organisation> logo" is its logo."""
        if image in (None, "dry-run"):
            return
        label = f"{ref.alt} {Path(urlparse(ref.src).path).stem}".lower()
        if "logo" not in label:
            return
        words = set(re.findall(r"[a-z0-9]+", label))
        for org in orgs.values():
            name_words = [w for w in re.findall(r"[a-z0-9]+", org.name.lower()) if w != "the"]
            if name_words and all(w in words for w in name_words):
                self._learn(org, "logo", image, f"logo {Path(image.file.name).name}")
                return

    def _website(self, org: Organisation, html: str) -> None:
        """The organisation's own address among its "About" section's links: the link whose
        host is the organisation's name (corvid.example for Corvid), the shortest first."""
        name_words = [w for w in re.findall(r"[a-z0-9]+", org.name.lower()) if w != "the"]
        if not name_words:
            return
        # "lumenai" for Lumen AI Foundation, "linuxfoundation" for The Linux Foundation.
        prefixes = {"".join(name_words[: n + 1]) for n in range(len(name_words))}
        candidates = []
        for href in re.findall(r'href="([^"]+)"', html):
            parsed = urlparse(href.replace("&amp;", "&"))
            host = (parsed.hostname or "").lower()
            if parsed.scheme not in {"http", "https"} or not host:
                continue
            labels = host.removeprefix("www.").split(".")
            site = labels[-2] if len(labels) >= 2 else labels[0]
            if site.replace("-", "") in prefixes or site in name_words:
                candidates.append((len(labels), f"{parsed.scheme}://{host}/"))
        if candidates:
            website = min(candidates)[1]
            self._learn(org, "website", website[:200], f"website {website}")

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

    # People, organisations, categories ------------------------------------------------------
    def _person(
        self, name: str, role: str, orgs: dict[str, Organisation], result: PostResult
    ) -> tuple[Person | None, bool]:
        name = collapse(name)[:200]
        if not name:
            return None, False
        person = Person.objects.filter(name__iexact=name).order_by("pk").first()
        if person is not None:
            return person, False
        newest_role = self.person_newest.get(norm_name(name), ("", role))[1] or role
        organisation = self._organisation_for_role(newest_role, orgs)
        if organisation is not None:
            # Shown with the organisation: "Executive Director", not "X Executive Director".
            newest_role = role_without_organisation(newest_role, organisation.name)
        person = Person(name=name, role=newest_role[:200], slug=self._free_person_slug(name))
        person.organisation = organisation
        self._save_snippet(person)
        result.notes.append(
            f"person {name}: created"
            + (f", {person.role}" if person.role else "")
            + (f" at {organisation.name}" if organisation is not None else "")
        )
        return person, True

    def _organisation_for_role(self, role: str, orgs: dict[str, Organisation]):
        role_key = norm_name(role)
        if not role_key:
            return None
        candidates = list(orgs.values())
        for org in candidates:
            key = norm_name(org.name)
            if role_key.endswith(" " + key) or role_key.startswith(key + " ") or role_key == key:
                return org
        match = re.search(r"\bat\s+(.+)$", role)
        if match:
            return Organisation.objects.filter(name__iexact=collapse(match.group(1))).first()
        return None

    def _free_person_slug(self, name: str) -> str:
        base = slugify(name)[:90] or "person"
        slug, n = base, 2
        while Person.objects.filter(slug=slug).exists():
            slug = f"{base}-{n}"
            n += 1
        return slug

    def _organisation(self, name: str, result: PostResult) -> Organisation:
        key = norm_name(name)
        _when, newest_html, newest_name = self.org_newest.get(key, ("", "", name))
        org = (
            Organisation.objects.filter(name__iexact=collapse(name)).order_by("pk").first()
            or Organisation.objects.filter(slug=slugify(name)[:100]).order_by("pk").first()
        )
        if org is None:
            base = slugify(newest_name)[:90] or "organisation"
            slug, n = base, 2
            while Organisation.objects.filter(slug=slug).exists():
                slug = f"{base}-{n}"
                n += 1
            org = Organisation(name=collapse(newest_name)[:200], slug=slug, boilerplate=newest_html)
            self._save_snippet(org)
            return org
        if not newest_html or same_html(org.boilerplate, newest_html):
            return org
        self._maybe_take_newest(org, key, newest_html, result)
        return org

    def _maybe_take_newest(
        self, org: Organisation, key: str, newest_html: str, result: PostResult
    ) -> None:
        """Give ``org`` the run's newest text if it is newer than the text posts rely on."""
        newest_stamp = self.org_newest[key][0]
        if (org.pk, org.boilerplate) in self._kept:
            return
        relying: list[NewsPage] = []
        for page in NewsPage.objects.exclude(source_path=""):
            for block in page.body.raw_data:
                value = block.get("value") or {}
                if (
                    block.get("type") == "boilerplate"
                    and value.get("organisation") == org.pk
                    and not value.get("boilerplate_override")
                ):
                    relying.append(page)
                    break
        if not relying:
            # Nothing imported relies on it: the text was written in Wagtail; it stays.
            self._kept.add((org.pk, org.boilerplate))
            return
        relying_stamp = max(_stamp(p.date) for p in relying)
        if relying_stamp and newest_stamp <= relying_stamp:
            self._kept.add((org.pk, org.boilerplate))  # (keeping changes nothing to undo)
            return
        old_html = org.boilerplate
        org.boilerplate = newest_html
        self._save_snippet(org)
        pinned = 0
        for page in relying:
            if page.source_path in self.run_keys:
                continue  # re-imported in this run: gets its own override then
            self._pin_boilerplate(page, org, old_html)
            pinned += 1
        result.warnings.append(
            f"{org.name}: boilerplate replaced by the newest text"
            + (f"; {pinned} older post(s) keep their wording (override)" if pinned else "")
        )

    def _pin_boilerplate(self, page: NewsPage, org: Organisation, old_html: str) -> None:
        was_current = page.live and not page.has_unpublished_changes
        latest = page.get_latest_revision_as_object()
        raw = list(latest.body.raw_data)
        for block in raw:
            value = block.get("value") or {}
            if (
                block.get("type") == "boilerplate"
                and value.get("organisation") == org.pk
                and not value.get("boilerplate_override")
            ):
                block["value"] = {**value, "boilerplate_override": old_html}
        latest.body = raw
        revision = latest.save_revision(user=self.user, log_action=True)
        if was_current and not self.dry_run:
            revision.publish(user=self.user)
        self._touch(latest)

    def _touch(self, obj) -> None:
        if obj is not None and obj not in self._touched:
            self._touched.append(obj)

    def _save_snippet(self, obj) -> None:
        self._touch(obj)
        if obj.pk is None and not self.dry_run:
            create_published_snippet(obj, user=self.user)
            return
        obj.save()
        if not self.dry_run:
            obj.save_revision(user=self.user).publish(user=self.user)

    def _authors(self, post: ParsedPost) -> tuple[list[Person], str]:
        people: list[Person] = []
        unmatched = False
        for name in post.authors:
            person = Person.objects.filter(name__iexact=collapse(name)).order_by("pk").first()
            if person is None and looks_like_name(name):
                person, _ = self._person(name, "", {}, PostResult(post.source_key, ""))
            if person is None:
                unmatched = True
            elif person not in people:
                people.append(person)
        return people, (post.byline[:200] if unmatched else "")

    def _category(self, name: str) -> NewsCategory:
        category = (
            NewsCategory.objects.filter(name__iexact=name).first()
            or NewsCategory.objects.filter(slug=slugify(name)[:80]).first()
        )
        if category is None:
            category = NewsCategory.objects.create(
                name=name[:80], slug=slugify(name)[:80] or "category"
            )
        return category

    # Images -----------------------------------------------------------------------------------
    def _local_file(self, src: str) -> Path | None | bool:
        """The file a post's image path points to under the assets folders.

        Returns the path, None when it is a local path that is not there, or False when the
        image lives elsewhere on the web (an external reference).
        """
        parsed = urlparse(src)
        if parsed.scheme in {"http", "https"} or src.startswith("//"):
            if not (self.site_host and parsed.hostname == self.site_host):
                return False
        elif parsed.scheme:
            return False
        relative = unquote(parsed.path).lstrip("/")
        if not relative:
            return None
        for base in self.assets_dirs:
            base = base.resolve()
            options = [relative]
            if relative.startswith("assets/"):
                options.append(relative[len("assets/") :])
            for option in options:
                candidate = (base / option).resolve()
                if base in candidate.parents and candidate.is_file():
                    return candidate
        return None

    def _resolve_image(self, ref: ImageRef, result: PostResult, feature: bool = False):
        where = "feature image" if feature else "image"
        local = self._local_file(ref.src)
        if local is False:
            result.images_external += 1
            result.warnings.append(f"{where} {ref.src} is on another site: kept as a link")
            return None
        if local is None:
            result.images_missing += 1
            result.warnings.append(
                f"{where} {ref.src} not found"
                + (" under the assets folder" if self.assets_dirs else " (no --assets-dir)")
                + ("" if feature else ": kept as a link")
            )
            return None
        extension = local.suffix.lower().lstrip(".")
        if extension not in getattr(settings, "WAGTAILIMAGES_EXTENSIONS", ["jpg", "png", "gif"]):
            result.images_missing += 1
            result.warnings.append(
                f"{where} {ref.src}: .{extension} images are not accepted by "
                "Wagtail here: kept as a link"
            )
            return None
        digest = self._hash_cache.get(local)
        data = None
        if digest is None:
            data = self._image_bytes(local)
            if data is None:
                result.images_missing += 1
                result.warnings.append(f"{where} {ref.src} is not a readable image: kept as a link")
                return None
            # The hash of what is stored (an SVG is stored sanitised): Wagtail's file_hash.
            digest = hashlib.sha1(data).hexdigest()  # noqa: S324 - matches Wagtail's file_hash
            self._hash_cache[local] = digest
        image = self.image_model.objects.filter(file_hash=digest).order_by("pk").first()
        if image is not None:
            result.images_found += 1
            return image
        data = data if data is not None else self._image_bytes(local)
        if data is None:
            result.images_missing += 1
            result.warnings.append(f"{where} {ref.src} is not a readable image: kept as a link")
            return None
        result.images_found += 1
        if self.dry_run:
            return "dry-run"
        title = (ref.alt or local.stem.replace("-", " ").replace("_", " "))[:255]
        image = self.image_model(title=title, description=ref.alt[:255])
        image.file = ImageFile(io.BytesIO(data), name=local.name)
        image._set_image_file_metadata()
        image.save()
        self._touch(image)
        return image

    def _image_bytes(self, local: Path) -> bytes | None:
        """The file's bytes as they will be stored (SVG sanitised), None if unreadable."""
        data = local.read_bytes()
        if is_svg_name(local.name):
            try:
                return sanitise_svg(data)
            except SvgError:
                return None
        try:
            from PIL import Image as PILImage

            with PILImage.open(io.BytesIO(data)) as probe:
                probe.verify()
        except Exception:  # noqa: BLE001 - any unreadable file is reported the same way
            return None
        return data

    # Redirects --------------------------------------------------------------------------------
    def _redirect(self, post: ParsedPost, page: NewsPage, result: PostResult) -> None:
        old_path = Redirect.normalise_path(post.original_url)
        parts = page.get_url_parts()
        new_path = Redirect.normalise_path(parts[2]) if parts else None
        if new_path == old_path:
            return
        redirect = Redirect.objects.filter(old_path=old_path, site__isnull=True).first()
        if redirect is None:
            self._touch(Redirect.add_redirect(old_path, redirect_to=page, is_permanent=True))
        elif redirect.redirect_page_id != page.pk:
            if redirect.redirect_page_id or redirect.redirect_link:
                result.warnings.append(f"redirect {old_path} now points to this post")
            redirect.redirect_page = page
            redirect.redirect_link = ""
            redirect.save()
            self._touch(redirect)


@contextlib.contextmanager
def deferred_search_index() -> Iterator[None]:
    """Pause the search index's update-on-save (the caller indexes what it wrote, once).

    Saving a page or snippet several times in one import (create, revision, publish) would
    otherwise rebuild its search entry each time; this is the bulk-import pattern of
    ``search_auto_update = False`` followed by indexing, limited to this thread's block.
    """
    models = [
        m for m in search_index.get_indexed_models() if getattr(m, "search_auto_update", True)
    ]
    paused = [m for m in models if post_save.disconnect(post_save_signal_handler, sender=m)]
    try:
        yield
    finally:
        for model in paused:
            post_save.connect(post_save_signal_handler, sender=model)


def _org_named(name: str, orgs: dict[str, Organisation]) -> Organisation | None:
    """The organisation among ``orgs`` called ``name`` (ignoring case and a leading "The")."""

    def key(text: str) -> str:
        return re.sub(r"^the\s+", "", norm_name(text))

    wanted = key(name)
    for org in orgs.values():
        if key(org.name) == wanted:
            return org
    return None


def _post_order(post: ParsedPost) -> tuple:
    return (post.date is None, _stamp(post.date), post.source_key)


def _stamp(value) -> str:
    """A sortable UTC timestamp ("" for no date)."""
    value = _aware(value)
    return value.astimezone(dt.UTC).isoformat() if value else ""


def _aware(value):
    if value is None:
        return None
    if timezone.is_naive(value):
        return timezone.make_aware(value)
    return value
