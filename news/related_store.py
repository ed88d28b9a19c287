"""Each post's best related posts, kept up to date when posts change (read in news.related).

Ranking a post's related posts (``news.related``) counts what *every* post that shares
anything with it shares — in a foundation's newsroom, where most posts carry the foundation's
own boilerplate, nearly every post: a cold detail's cost grew with the archive. So each post
keeps its best ``KEEP`` candidates (``RelatedPostEntry``: whatever their state; visibility is
applied when read) and a render reads three of them.

Invariant of a post P's list (``RelatedPostList``): every post that shares something with P
and is not among P's entries ranks below P's ``threshold`` (null: there is no such post). So
the best visible entries are P's related posts, unless fewer than three are visible while
there is a threshold; then the ranking runs (``news.related.related_card_rows``).

What keeps it: ``NewsPage.save`` (every save that can change what a post shares or how it
sorts: its mentions, tags, category, date) calls ``post_changed``, which ranks the post's own
list anew and puts the post into each other list it now belongs in (what two posts share is
symmetric: one aggregate gives both). A post leaves the other lists first, so a list stays a
prefix of its ranking: removing an entry keeps it one, and an entry is added only above the
threshold. Deleting a post deletes its entries (foreign keys); deleting a person, an
organisation, a tag or a category changes what many posts share at once, so every list is
forgotten and rebuilt by ``rank_related_posts`` (or by each post's next save; until then the
ranking runs). On PostgreSQL the changes are serialised by a transaction-scoped advisory lock,
so two publishes at once see each other's lists; SQLite serialises writers itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count

from news.models import NewsPage, RelatedPostEntry, RelatedPostList

# How many of a post's best candidates are kept, and when a list is cut back to that many.
KEEP = 24
TRIM_AT = 2 * KEEP
# Any constant of our own: the advisory lock's key on PostgreSQL.
LOCK_KEY = 0x4E657773  # "News"
_EPOCH = dt.datetime(1, 1, 1, tzinfo=dt.UTC)


def sort_key(
    mentions: int, tags: int, same_category: bool, date: dt.datetime | None, pk: int
) -> str:
    """The ranking's order as a string of digits (the same order in Python and in SQL, on
    any collation): mentions, tags, same category, date (none: lowest), id."""
    micros = 0 if date is None else (date - _EPOCH) // dt.timedelta(microseconds=1)
    # int(): PostgreSQL's SUM of counts is a numeric (a Decimal here).
    return f"{int(mentions):06d}{int(tags):06d}{int(same_category)}{micros:018d}{int(pk):012d}"


def post_changed(page_id: int) -> None:
    """Rank post ``page_id``'s list anew and move it in the others' (inside the caller's
    transaction: a rolled-back save leaves the lists as they were)."""
    # No savepoint of its own: inside a save's transaction a failure here fails the save.
    with transaction.atomic(savepoint=False):
        _lock()
        posts = _posts()
        if page_id not in posts:
            return
        # A post with no list is in no other list either (lists are made with the post's
        # own, and forgotten all together): a new post has nothing to take out.
        if RelatedPostList.objects.filter(page_id=page_id).delete()[0]:
            RelatedPostEntry.objects.filter(page_id=page_id).delete()
            RelatedPostEntry.objects.filter(related_id=page_id).delete()
        date, category_id = posts[page_id]
        shares = _keep_own_list(page_id, posts)
        if not shares:
            return
        # Its place in the others' lists.
        others = {other for other, _m, _t in shares}
        thresholds = dict(
            RelatedPostList.objects.filter(page_id__in=others).values_list("page_id", "threshold")
        )
        entries = []
        for other, m, t in shares:
            if other not in thresholds:
                continue  # no list: that post's related posts are ranked when read
            key = sort_key(m, t, _same(posts[other][1], category_id), date, page_id)
            if thresholds[other] is None or key > thresholds[other]:
                entries.append(RelatedPostEntry(page_id=other, related_id=page_id, sort_key=key))
        if entries:
            RelatedPostEntry.objects.bulk_create(entries)
            _trim(entry.page_id for entry in entries)


def rank_all() -> int:
    """Rank every post's list anew (after a migration or ``forget_all``); returns how many."""
    with transaction.atomic():
        _lock()
        _forget()
        posts = _posts()
        for page_id in posts:
            _keep_own_list(page_id, posts)
        return len(posts)


def forget_all(**kwargs) -> None:
    """Forget every kept list (what many posts share changed at once: a person, an
    organisation, a tag or a category deleted); related posts are ranked when read until
    ``rank_related_posts`` or each post's next save keeps them again."""
    with transaction.atomic():
        _lock()
        _forget()


def _forget() -> None:
    RelatedPostEntry.objects.all().delete()
    RelatedPostList.objects.all().delete()


def _keep_own_list(page_id: int, posts: dict) -> list[tuple]:
    """Keep post ``page_id``'s best ``KEEP`` candidates and its threshold (it has no list
    yet); returns what it shares with each other post, as ``(other id, mentions, tags)``."""
    from news.related import shares_sql

    category_id = posts[page_id][1]
    sql, params = shares_sql(page_id, category_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        shares = [row for row in cursor.fetchall() if row[0] != page_id and row[0] in posts]
    keyed = sorted(
        (
            (sort_key(m, t, _same(category_id, posts[other][1]), posts[other][0], other), other)
            for other, m, t in shares
        ),
        reverse=True,
    )
    kept = keyed[:KEEP]
    if kept:
        RelatedPostEntry.objects.bulk_create(
            RelatedPostEntry(page_id=page_id, related_id=other, sort_key=key) for key, other in kept
        )
    threshold = kept[-1][0] if len(keyed) > KEEP else None
    RelatedPostList.objects.create(page_id=page_id, threshold=threshold)
    return shares


def _same(category_id: int | None, other_category_id: int | None) -> bool:
    """Whether a candidate is in the post's category (no category: never)."""
    return category_id is not None and other_category_id == category_id


def _posts() -> dict[int, tuple[dt.datetime | None, int | None]]:
    """Every post's (date, category id): what a sort key needs of it (one query)."""
    return {pk: (date, category) for pk, date, category in NewsPage.objects.values_list(
        "pk", "date", "category_id"
    )}  # fmt: skip


def _trim(page_ids: Iterable[int]) -> None:
    """Cut the lists among ``page_ids`` that grew past ``TRIM_AT`` back to ``KEEP``."""
    grown = list(
        RelatedPostEntry.objects.filter(page_id__in=set(page_ids))
        .values("page_id")
        .annotate(n=Count("*"))
        .filter(n__gt=TRIM_AT)
        .values_list("page_id", flat=True)
    )
    if not grown:
        return
    by_page: dict[int, list[tuple[str, int]]] = {}
    for page_id, key, pk in RelatedPostEntry.objects.filter(page_id__in=grown).values_list(
        "page_id", "sort_key", "pk"
    ):
        by_page.setdefault(page_id, []).append((key, pk))
    dropped = []
    for page_id, entries in by_page.items():
        entries.sort(reverse=True)
        dropped.extend(pk for _key, pk in entries[KEEP:])
        RelatedPostList.objects.filter(page_id=page_id).update(threshold=entries[KEEP - 1][0])
    RelatedPostEntry.objects.filter(pk__in=dropped).delete()


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def connect() -> None:
    """Forget every list when a person, an organisation, a tag or a category is deleted."""
    from django.db.models.signals import post_delete
    from taggit.models import Tag

    from news.snippets import NewsCategory, Organisation, Person

    for model in (Person, Organisation, Tag, NewsCategory):
        post_delete.connect(forget_all, sender=model, dispatch_uid=f"related-{model.__name__}")
