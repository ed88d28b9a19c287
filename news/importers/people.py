"""People, organisations and categories a post names: found, created or taught (for
``JekyllWriter``).

A quoted or credited person is matched by name or created (published), with the role the
newest post gives them and without their organisation's name in it. An organisation is
matched by name or slug; "About" texts follow "newest wins" (older posts keep their words in
``boilerplate_override``); a post may also teach an organisation its logo, website,
membership level and legal notice, never replacing what an editor set.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

from django.utils.text import slugify

from news.importers.compare import norm_name, org_named, role_without_organisation, same_html, stamp
from news.importers.drafts import ImageRef, collapse
from news.importers.jekyll import ParsedPost
from news.importers.patterns import looks_like_name, membership_statement
from news.importers.results import PostResult
from news.models import NewsPage
from news.snippets import NewsCategory, Organisation, Person


class PeopleMixin:
    """Finds or creates the snippets a post refers to."""

    # Run-wide lookups ---------------------------------------------------------------------------
    # One run is one process writing one post at a time: what it found or created is
    # remembered by the exact name or slug asked for, and forgotten when a post is rolled
    # back (its snippets may no longer exist, and its instances may hold undone changes).

    def _forget_lookups(self) -> None:
        self._people_by_name: dict[str, Person | None] = {}
        self._orgs_by_name: dict[str, Organisation | None] = {}
        self._orgs_by_slug: dict[str, Organisation | None] = {}
        self._categories: dict[str, NewsCategory] = {}

    def _find_person(self, name: str) -> Person | None:
        if name not in self._people_by_name:
            found = Person.objects.filter(name__iexact=name).order_by("pk").first()
            self._people_by_name[name] = found
        return self._people_by_name[name]

    def _find_organisation(self, name: str, *, by_slug: bool = True) -> Organisation | None:
        """By name (case-insensitively), then, with ``by_slug``, by the name's slug."""
        if name not in self._orgs_by_name:
            found = Organisation.objects.filter(name__iexact=name).order_by("pk").first()
            self._orgs_by_name[name] = found
        found = self._orgs_by_name[name]
        if found is not None or not by_slug:
            return found
        slug = slugify(name)[:100]
        if slug not in self._orgs_by_slug:
            self._orgs_by_slug[slug] = Organisation.objects.filter(slug=slug).order_by("pk").first()
        return self._orgs_by_slug[slug]

    def _created(self, obj: Person | Organisation, name: str) -> None:
        """A new person or organisation: "not found" answers may be out of date now."""
        if isinstance(obj, Person):
            self._people_by_name = {k: v for k, v in self._people_by_name.items() if v}
            self._people_by_name[name] = obj
        else:
            self._orgs_by_name = {k: v for k, v in self._orgs_by_name.items() if v}
            self._orgs_by_slug = {k: v for k, v in self._orgs_by_slug.items() if v}
            self._orgs_by_name[name] = obj

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
        org = org_named(who, orgs)
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

    def _person(
        self, name: str, role: str, orgs: dict[str, Organisation], result: PostResult
    ) -> tuple[Person | None, bool]:
        name = collapse(name)[:200]
        if not name:
            return None, False
        person = self._find_person(name)
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
        self._created(person, name)
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
            return self._find_organisation(collapse(match.group(1)), by_slug=False)
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
        org = self._find_organisation(collapse(name))
        if org is None:
            base = slugify(newest_name)[:90] or "organisation"
            slug, n = base, 2
            while Organisation.objects.filter(slug=slug).exists():
                slug = f"{base}-{n}"
                n += 1
            org = Organisation(name=collapse(newest_name)[:200], slug=slug, boilerplate=newest_html)
            self._save_snippet(org)
            self._created(org, collapse(name))
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
        relying_stamp = max(stamp(p.date) for p in relying)
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

    def _authors(self, post: ParsedPost) -> tuple[list[Person], str]:
        people: list[Person] = []
        unmatched = False
        for name in post.authors:
            person = self._find_person(collapse(name))
            if person is None and looks_like_name(name):
                person, _ = self._person(name, "", {}, PostResult(post.source_key, ""))
            if person is None:
                unmatched = True
            elif person not in people:
                people.append(person)
        return people, (post.byline[:200] if unmatched else "")

    def _category(self, name: str) -> NewsCategory:
        if name in self._categories:
            return self._categories[name]
        category = (
            NewsCategory.objects.filter(name__iexact=name).first()
            or NewsCategory.objects.filter(slug=slugify(name)[:80]).first()
        )
        if category is None:
            category = NewsCategory.objects.create(
                name=name[:80], slug=slugify(name)[:80] or "category"
            )
        self._categories[name] = category
        return category
