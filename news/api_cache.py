"""The API's answer cache: every cached answer is checked against the versions of what it shows.

Precise invalidation. A render records the *dependency tags* of everything it reads
(``page:12``, ``person:3``, ``image:7``, ``document:2``, the listings ``pages``, ``persons``,
``organisations``, the related-post candidates ``related``, and ``site`` — the global epoch
every answer depends on). Each tag has a version in the database (``CacheTagVersion``), bumped
inside the writer's transaction by the change-event bus (``news.events`` → ``on_changes``): a
publish bumps only the tags of the objects it reaches. A cached answer stores the versions of
its tags; a request fetches the current versions in one query (``read_versions``) and serves
the answer only if they all match, so no process, whatever its cache, can serve an answer after
a change to anything it shows. Versions are random 63-bit numbers, so a database that goes
back in time (a restored dump, a rolled-back test transaction) never matches answers cached
for another timeline.

The *content generation* (``ContentGeneration``, one row) is still bumped by every change; it
keys the sub-caches of a render (rows, cards, related-post ids: ``get_rows``/``set_rows``,
``news.serializers``), which are only used while rendering a missed answer, and it tells a
render whether anything changed while it was reading (``store_versions``). Page expiry is
time-based (no signal fires when ``expire_at`` passes), so the row also keeps the earliest
future ``expire_at`` among live pages: the first request after that moment bumps the tags of
the pages that expired.

``invalidate(reason)`` bumps ``site``: every answer becomes obsolete (restores, tests).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import logging
import secrets
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from news import shared_generation
from news.read import near_cache
from news.read.statements import padded, statement_cursor

logger = logging.getLogger(__name__)

GENERATION_ROW_ID = 1


class ContentGeneration(models.Model):
    """One row: the number every API cache key and ETag includes."""

    value = models.BigIntegerField(default=1)
    changed_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=200, blank=True)
    # The next moment a live page expires: the generation must change then, without a signal.
    next_expiry = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "news"
        verbose_name = "API content generation"

    def __str__(self) -> str:
        return f"generation {self.value} ({self.reason})"


class CacheTagVersion(models.Model):
    """The version of one dependency tag (``page:12``, ``person:3``, ``pages``, ``site``…).

    A tag without a row has version 0: nothing it names has changed since the database was
    created (``site`` always has a row, so answers of another timeline never match)."""

    tag = models.CharField(max_length=100, primary_key=True)
    version = models.BigIntegerField()

    class Meta:
        app_label = "news"
        verbose_name = "API cache tag version"

    def __str__(self) -> str:
        return f"{self.tag} v{self.version}"


SITE_TAG = "site"  # every answer depends on it: bumped by changes with no precise tags
PAGES_TAG = "pages"  # the set of live pages: listings, feeds, search, route 404s, Wagtail's API
RELATED_TAG = "related"  # the candidates of related-post lists (revalidated, see below)
REDIRECTS_TAG = "redirects"  # Wagtail's redirects: the route lookup's answers that read them
GENERATION_TAG = "*generation"


# --- Recording what a render depends on -------------------------------------------------------


@dataclass
class Dependencies:
    """What one render read: tags, and the related-post lists it may revalidate."""

    tags: set[str] = field(default_factory=set)
    related: set[tuple[int, int | None, tuple[int, ...]]] = field(default_factory=set)


_recording: ContextVar[Dependencies | None] = ContextVar("newsroom_dependencies", default=None)


def depends_on(*tags: str) -> None:
    """Note that the answer being rendered shows what these tags name (no-op outside one)."""
    deps = _recording.get()
    if deps is not None:
        deps.tags.update(tags)


def depends_on_related(page_id: int, category_id: int | None, ids: Iterable[int]) -> None:
    """Note a related-post list: after ``related`` changes it is recomputed (one query) and
    the answer is still served from the cache when the list is the same."""
    deps = _recording.get()
    if deps is not None:
        deps.tags.add(RELATED_TAG)
        deps.related.add((page_id, category_id, tuple(ids)))


@contextlib.contextmanager
def recording() -> Iterator[Dependencies]:
    """Record the dependencies of a render (nested recordings also feed the outer one)."""
    outer = _recording.get()
    deps = Dependencies()
    token = _recording.set(deps)
    try:
        yield deps
    finally:
        _recording.reset(token)
        if outer is not None:
            outer.tags |= deps.tags
            outer.related |= deps.related


# --- Reading versions and the generation (one query) ------------------------------------------


def _token(value: int, changed_at) -> str:
    # The moment of the bump is part of the token: if the database goes back (a restored
    # dump, a rolled-back test transaction), the same number with another moment does not
    # match sub-caches filled for the other timeline.
    return f"{value}.{int(changed_at.timestamp() * 1_000_000):x}"


def _select_versions(tags: Iterable[str]) -> tuple[tuple | None, dict[str, int]]:
    """The generation row and the versions of ``tags``, in one plain SQL statement.

    Raw SQL on purpose: this runs on every API request (even a 304), and building the
    equivalent ORM query costs more than executing it.
    """
    tags = sorted(set(tags))
    generation = connection.ops.quote_name(ContentGeneration._meta.db_table)
    versions = connection.ops.quote_name(CacheTagVersion._meta.db_table)
    sql = (
        f"SELECT '{GENERATION_TAG}', value, changed_at, next_expiry FROM {generation} WHERE id = %s"
    )
    params: list[Any] = [GENERATION_ROW_ID]
    if tags:
        # At a few lengths (the last tag repeated), so that PostgreSQL prepares and plans a
        # few statements rather than one per number of tags (news.read.statements).
        listed = padded(tags)
        marks = ", ".join(["%s"] * len(listed))
        sql += f" UNION ALL SELECT tag, version, NULL, NULL FROM {versions} WHERE tag IN ({marks})"
        params += listed
    with statement_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    row, found = None, {}
    for tag, value, changed_at, next_expiry in rows:
        if tag == GENERATION_TAG:
            row = (int(value), _as_datetime(changed_at), _as_datetime(next_expiry))
        else:
            found[tag] = int(value)
    return row, {tag: found.get(tag, 0) for tag in tags}


def read_versions(request: Any, tags: Iterable[str]) -> dict[str, int]:
    """Current versions of ``tags`` (and ``site``); the generation is memoised on ``request``.

    One query, or none (``read_versions_and_entry``); a first request after a page's
    ``expire_at`` bumps the expired pages' tags first (and reads again), as does a database
    that has no ``site`` version yet.
    """
    return read_versions_and_entry(request, tags, None)[0]


class _VersionsMemo:
    """Per process: a set of tags → the generation token and the versions read at it. Every
    bump changes the generation, so while it is the same these versions are still current."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self.entries: OrderedDict[frozenset[str], tuple[str, dict[str, int]]] = OrderedDict()

    def get(self, tags: frozenset[str], token: str) -> dict[str, int] | None:
        found = self.entries.get(tags)
        return found[1] if found is not None and found[0] == token else None

    def set(self, tags: frozenset[str], token: str, versions: dict[str, int]) -> None:
        self.entries[tags] = (token, versions)
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)


_memo = _VersionsMemo()


def read_versions_and_entry(
    request: Any, tags: Iterable[str], key: str | None
) -> tuple[dict[str, int], CachedResponse | None]:
    """``read_versions``, and the cached answer of request key ``key`` when one is given.

    When the cache is shared by processes (``news.shared_generation``), the generation and
    the entry come from it in one round trip, and the versions from this process's memo
    while the generation is the one they were read at: no query.
    """
    # ``pages`` too: with ``site``, what news.read.sites keys its per-process copy by.
    tags = frozenset((SITE_TAG, PAGES_TAG, *tags))
    shared = cache_is_shared()
    found = None
    if shared:
        entry_keys = [_cache_key(key)] if key is not None else []
        found = shared_generation.read(response_cache(), entry_keys)
        entry = found.extra[entry_keys[0]] if entry_keys else None
        current = found.generation
        if current is not None and not current.due(timezone.now()):
            versions = _memo.get(tags, current.token)
            if versions is not None:
                _remember_generation(request, current.token, versions)
                return dict(versions), entry
    else:
        entry = get_cached(key) if key is not None else None
    row, versions = _select_versions(tags)
    if row is None or versions[SITE_TAG] == 0:
        bump({SITE_TAG}, "first read: versions created")
        row, versions = _select_versions(tags)
    elif row[2] is not None and row[2] <= timezone.now():
        _expire_due_pages()
        row, versions = _select_versions(tags)
    token = _token(row[0], row[1])
    if shared:
        _memo.set(tags, token, dict(versions))
        if found.generation is None and not found.pending:
            shared_generation.fill(response_cache(), shared_generation.Generation(token, row[2]))
    _remember_generation(request, token, versions)
    return versions, entry


def _remember_generation(request: Any, token: str, versions: dict[str, int]) -> None:
    if request is not None:
        request._newsroom_generation = token
        # The versions the process's copy of the sites and their root paths is kept under
        # (news.read.sites).
        request._newsroom_site_versions = (versions[SITE_TAG], versions[PAGES_TAG])


def _as_datetime(value):
    # SQLite hands back text; PostgreSQL a datetime. Both are stored in UTC.
    if value is None or isinstance(value, dt.datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=dt.UTC)
    parsed = parse_datetime(str(value))
    return parsed if parsed is None or parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def current_generation(request: Any = None) -> str:
    """The content generation token (keys the sub-caches); read once per request."""
    if request is not None:
        cached = getattr(request, "_newsroom_generation", None)
        if cached is not None:
            return cached
    read_versions(request, ())
    if request is not None:
        return request._newsroom_generation
    row, _ = _select_versions(())
    return _token(row[0], row[1])


def _next_expiry():
    from wagtail.models import Page

    return (
        Page.objects.filter(live=True, expire_at__gt=timezone.now())
        .order_by("expire_at")
        .values_list("expire_at", flat=True)
        .first()
    )


def _expire_due_pages() -> None:
    """Live pages whose ``expire_at`` has passed (``publish_scheduled`` has not run yet)
    disappear for readers now: bump their tags and the listings'."""
    from wagtail.models import Page

    due = Page.objects.filter(live=True, expire_at__lte=timezone.now()).values_list("pk", flat=True)
    bump({PAGES_TAG, RELATED_TAG, *(f"page:{pk}" for pk in due)}, "a live page expired")


def bump(tags: Iterable[str], reason: str) -> str:
    """New versions for ``tags`` and a new content generation, inside the caller's transaction
    when there is one (readers see them exactly when they can see the new content). Returns
    the new generation token."""
    tags = sorted({tag[:100] for tag in tags})
    next_expiry = _next_expiry()
    reason = (reason or "")[:200]
    shared = cache_is_shared()
    with transaction.atomic():
        if shared:
            shared_generation.mark_pending(response_cache())
        if tags:
            # Sorted: concurrent writers lock the rows in the same order (no deadlock).
            CacheTagVersion.objects.bulk_create(
                [CacheTagVersion(tag=tag, version=_new_version()) for tag in tags],
                update_conflicts=True,
                unique_fields=["tag"],
                update_fields=["version"],
            )
        _bump_generation(reason, next_expiry)
        row, _ = _select_versions(())
        if shared:
            generation = shared_generation.Generation(_token(row[0], row[1]), row[2])
            transaction.on_commit(
                functools.partial(shared_generation.publish, response_cache(), generation),
                robust=True,
            )
    value = _token(row[0], row[1])
    logger.debug("API cache: %s bumped, generation %s (%s)", tags, value, reason)
    return value


def _new_version() -> int:
    return secrets.randbits(62) + 1


def _bump_generation(reason: str, next_expiry) -> None:
    changes = {
        "value": F("value") + 1,
        "changed_at": timezone.now(),
        "reason": reason,
        "next_expiry": next_expiry,
    }
    if ContentGeneration.objects.filter(pk=GENERATION_ROW_ID).update(**changes):
        return
    try:
        with transaction.atomic():
            ContentGeneration.objects.create(
                pk=GENERATION_ROW_ID, value=1, reason=reason, next_expiry=next_expiry
            )
    except IntegrityError:  # another process created it first
        ContentGeneration.objects.filter(pk=GENERATION_ROW_ID).update(**changes)


def invalidate(reason: str) -> str:
    """Make every cached answer obsolete (bumps ``site``). Returns the new generation token."""
    return bump({SITE_TAG}, reason)


# --- The answer cache -------------------------------------------------------------------------


@dataclass(frozen=True)
class CachedResponse:
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    # The tags the answer was built from, with their versions then (sorted).
    versions: tuple[tuple[str, int], ...] = ()
    # Related-post lists it shows: (page id, category id, ids) — see ``depends_on_related``.
    related: tuple[tuple[int, int | None, tuple[int, ...]], ...] = ()


def cache_is_shared() -> bool:
    """Whether the answer cache is shared by processes (and the generation kept in it)."""
    return shared_generation.enabled(cache_alias())


def cache_alias() -> str:
    return getattr(settings, "NEWSROOM_API_CACHE_ALIAS", "default")


def response_cache():
    return caches[cache_alias()]


def request_key(request: Any) -> str:
    """What identifies a public GET: host, path and the sorted query parameters."""
    params = sorted((k, v) for k, values in request.GET.lists() for v in values)
    query = "&".join(f"{k}={v}" for k, v in params)
    return f"{request.get_host()}{request.path}?{query}"


def etag_for(key: str, versions: Iterable[tuple[str, int]]) -> str:
    """A strong ETag: the answer is a pure function of the request key and of the versions
    of the tags it was built from (the tag names are part of it, so two answers built from
    different tags can never share an ETag)."""
    text = key + "|" + ";".join(f"{tag}={version}" for tag, version in sorted(versions))
    return f'"v{hashlib.blake2b(text.encode(), digest_size=12).hexdigest()}"'


def _cache_key(key: str) -> str:
    digest = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
    return f"newsroom:answer:{digest}"


def get_cached(key: str) -> CachedResponse | None:
    try:
        return response_cache().get(_cache_key(key))
    except Exception:  # a cache outage degrades to rendering, never to an error
        logger.warning("API response cache read failed", exc_info=True)
        return None


def set_cached(key: str, response: CachedResponse) -> None:
    timeout = getattr(settings, "NEWSROOM_API_CACHE_TIMEOUT", 3600)
    try:
        # With the render's other writes when it is in ``near_cache.write_behind()``; never
        # copied into the process: an answer's key names the request, not its versions.
        near_cache.set_many(cache_alias(), {_cache_key(key): response}, timeout, keep=False)
    except Exception:
        logger.warning("API response cache write failed", exc_info=True)


def stale_tags(entry: CachedResponse, versions: dict[str, int]) -> set[str]:
    """The tags of ``entry`` whose version is no longer the current one."""
    return {tag for tag, version in entry.versions if versions.get(tag) != version}


def store_versions(
    request: Any, deps: Dependencies, before: dict[str, int]
) -> tuple[tuple[str, int], ...] | None:
    """The versions to store with an answer rendered after ``before`` was read.

    Tags read before the render keep those versions (the content is at least that new). Tags
    the render discovered are read now, together with the generation: if the generation moved
    while rendering, something committed in between and the answer may mix two states, so
    None (do not store it).
    """
    tags = deps.tags | {SITE_TAG}
    unknown = tags - set(before)
    versions = dict(before)
    generation = getattr(request, "_newsroom_generation", None)
    if unknown:
        row, found = _select_versions(unknown)
        if row is None or _token(row[0], row[1]) != generation:
            return None
        versions.update(found)
    stored = {tag: versions[tag] for tag in tags}
    if generation is not None and cache_is_shared():
        # All read at that generation: the next request for this answer needs no query. The
        # memo is keyed as ``read_versions_and_entry`` looks it up (``pages`` always read).
        memo_tags = tags | {PAGES_TAG}
        if memo_tags <= versions.keys():
            _memo.set(frozenset(memo_tags), generation, {tag: versions[tag] for tag in memo_tags})
    return tuple(sorted(stored.items()))


# --- The row cache ---------------------------------------------------------------------------
#
# Model rows that public renders read (the page itself, people, organisations, images, linked
# pages and documents), cached under the content generation like everything above: a row is
# only ever served for the generation it was read in, so no process can see one that another
# process has changed since. The rows are the reader-visible ones (live, public, unexpired),
# never drafts; a row that was not visible is remembered as absent, for the same generation.

ROW_CACHE_VERSION = 1
_ABSENT = "absent"


def _row_key(generation: str, label: str, pk: int) -> str:
    return f"newsroom:row:{ROW_CACHE_VERSION}:{generation}:{label}:{pk}"


def get_rows(generation: str, label: str, ids: Iterable[int]) -> tuple[dict[int, Any], set[int]]:
    """Cached rows of ``ids`` under ``generation``: ({pk: instance}, {pks known absent})."""
    keys = {_row_key(generation, label, pk): pk for pk in ids}
    if not keys:
        return {}, set()
    try:
        found = near_cache.get_many(cache_alias(), keys)
    except Exception:  # a cache outage degrades to reading the database
        logger.warning("row cache read failed", exc_info=True)
        return {}, set()
    rows, absent = {}, set()
    for key, value in found.items():
        if value == _ABSENT:
            absent.add(keys[key])
        else:
            rows[keys[key]] = value
    return rows, absent


def set_rows(generation: str, label: str, rows: dict[int, Any], absent: Iterable[int] = ()) -> None:
    """Remember ``rows`` (and the ids that were not visible) under ``generation``."""
    values: dict[str, Any] = {_row_key(generation, label, pk): row for pk, row in rows.items()}
    values.update({_row_key(generation, label, pk): _ABSENT for pk in absent})
    if not values:
        return
    try:
        near_cache.set_many(
            cache_alias(), values, getattr(settings, "NEWSROOM_API_CACHE_TIMEOUT", 3600)
        )
    except Exception:
        logger.warning("row cache write failed", exc_info=True)


# --- The bus subscriber -------------------------------------------------------------------

# Changes with no precise tags (rare, editorial set-up): every answer becomes obsolete.
GLOBAL_KINDS = frozenset(
    {
        "category",  # its name and slug are on every card of its posts
        "tag",
        "site",
        "page_restriction",
        "collection_restriction",
        "navigation",
        "navigation_item",
    }
)
# Listing tags of the snippet kinds (their list endpoints and search).
LISTING_TAGS = {"person": "persons", "organisation": "organisations"}


def visible(change) -> bool:
    """Whether readers can see ``change`` (a draft snippet saved or deleted, a page moved or
    deleted while not live, a deleted row's aftermath: no)."""
    if change.public:
        return True
    if change.kind == "removed":
        return False
    if change.object_type in ("page", "person", "organisation"):
        return bool(getattr(change.instance, "live", False)) and change.kind != "deleted"
    return True


def tags_for(change) -> set[str]:
    """The dependency tags a change makes obsolete.

    A page: itself, its live descendants (their paths change with it), the live pages that
    link to it, and the listings (``pages``, ``related``). A snippet, image or document: its
    own tag and its kind's listing — every answer that shows it recorded that tag (a quote,
    a bio, a card's author, a logo, a headshot), so the posts referring to it need no tag of
    their own, and neither do the lists showing their cards.
    """
    return tags_for_all([change])


def tags_for_all(changes: Iterable) -> set[str]:
    """``tags_for`` of several changes together (the cards they reach in two queries)."""
    tags: set[str] = set()
    card_owners: dict[str, set] = {kind: set() for kind in LISTING_TAGS}
    for change in changes:
        if change.object_type in GLOBAL_KINDS:
            tags.add(SITE_TAG)
        elif change.object_type == "redirect":
            # Only the route lookup reads redirects (when no page is at the path): an
            # import's redirect per post, or Wagtail's on a slug change, leaves the rest.
            tags.add(REDIRECTS_TAG)
        elif change.object_type == "page":
            tags |= {f"page:{pk}" for kind, pk in change.objects if kind == "page"}
            tags |= {PAGES_TAG, RELATED_TAG}
        else:
            tags.add(f"{change.object_type}:{change.object_id}")
            if change.object_type in LISTING_TAGS:
                tags.add(LISTING_TAGS[change.object_type])
                card_owners[change.object_type].add(change.object_id)
    tags |= {f"page:{pk}" for pk in _pages_whose_card_shows(card_owners)}
    return tags


def _pages_whose_card_shows(card_owners: dict[str, set]) -> list[int]:
    """Posts whose *card* shows these people (as authors) or organisations (their names are
    in the card's list): their cards change, wherever they are shown (listings, related
    posts). A post that only quotes someone keeps its card: its own answer recorded the
    person's tag. Unpublished authors count too (a card leaves them out until they are
    published)."""
    from news.models import NewsPage, NewsPageAuthor

    pages: list[int] = []
    if people := card_owners.get("person"):
        rows = NewsPageAuthor.objects.filter(person_id__in=people).values_list("page_id")
        pages += [pk for (pk,) in rows]
    if organisations := card_owners.get("organisation"):
        through = NewsPage.organisations.through
        rows = through.objects.filter(organisation_id__in=organisations).values_list("newspage_id")
        pages += [pk for (pk,) in rows]
    return pages


def on_changes(changes: Sequence) -> None:
    """The API cache's part of changes, inside the writer's transaction: one bump for all."""
    seen = [change for change in changes if visible(change)]
    if not seen:
        return
    first = seen[0]
    reason = f"{first.event} {first.object_type} {first.object_id}"
    if len(seen) > 1:
        reason += f" and {len(seen) - 1} more change(s)"
    bump(tags_for_all(seen), reason)


def connect() -> None:
    """Subscribe to the change-event bus (called from ``NewsConfig.ready``)."""
    from news.events import IN_TRANSACTION, subscribe

    subscribe(on_changes, when=IN_TRANSACTION)
