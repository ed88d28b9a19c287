"""Related posts: ranked by what they share with the post, in one SQL statement.

A member announcement ("X joins the Foundation") is most related to the other posts about the
same members and people, then to posts on the same topics, then to posts of the same kind:

1. the number of organisations and people both posts mention (``NewsPage.organisations`` and
   ``NewsPage.people``: authors, quoted and bio'd people, boilerplates, the people's
   organisations), most first;
2. then the number of shared tags;
3. then the same category;
4. then newest first (``date``, then id).

A post qualifies when it shares at least one of these. Ranking is one statement, the one that
reads the posts. A stored post's ranking (``RANKED_CARD_ROWS``, every detail) counts what each
post shares in one aggregate over the mention and tag tables and joins it to the visible
posts; ``related_queryset`` says the same with a correlated count per candidate, in the ORM,
for a preview's unsaved relations (and as the reference the tests compare the statement to).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Expression,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Now

from news.models import NewsPage, NewsPageTag, RelatedPostEntry, RelatedPostList
from news.read.selectors import card_values, news_queryset
from news.read.statements import Statement

# Through models of the derived mentions (NewsPage.organisations / NewsPage.people).
OrganisationMention = NewsPage.organisations.through
PersonMention = NewsPage.people.through


def _shared_count(
    model, field: str, ids: Iterable | QuerySet, *, page_field: str = "newspage_id"
) -> Expression | None:
    """How many of the post's ``ids`` (organisations, people or tags) the candidate has too;
    None when the post (held in memory) has none."""
    if isinstance(ids, list) and not ids:
        return None
    counted = (
        model.objects.filter(**{f"{field}__in": ids, page_field: OuterRef("pk")})
        .order_by()
        .values(page_field)
        .annotate(shared=Count("*"))
        .values("shared")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _ids(page: NewsPage) -> tuple[object, object, object]:
    """The post's organisation, person and tag ids: subqueries for a stored post (no query
    to read them first), lists for a post held in memory (a preview's unsaved relations)."""
    if _stored(page):
        return (
            OrganisationMention.objects.filter(newspage_id=page.pk).values("organisation_id"),
            PersonMention.objects.filter(newspage_id=page.pk).values("person_id"),
            NewsPageTag.objects.filter(content_object_id=page.pk).values("tag_id"),
        )
    return (
        [org.pk for org in page.organisations.all()],
        [person.pk for person in page.people.all()],
        [tag.pk for tag in page.tags.all()],
    )


def _stored(page: NewsPage) -> bool:
    # modelcluster keeps a preview's (unsaved) relations in _cluster_related_objects.
    return page.pk is not None and not getattr(page, "_cluster_related_objects", None)


def related_queryset(page: NewsPage, candidates: QuerySet[NewsPage]) -> QuerySet[NewsPage] | None:
    """``candidates`` (e.g. the live posts) related to ``page``, best first; None when
    ``page`` (held in memory) has nothing to share."""
    organisation_ids, person_ids, tag_ids = _ids(page)
    category_id = page.category_id
    if not _stored(page) and not (organisation_ids or person_ids or tag_ids or category_id):
        return None
    # Id subqueries select the candidates (no joins, hence no duplicate rows to sort out).
    sharing = (
        Q(pk__in=_page_ids(OrganisationMention, "organisation_id", organisation_ids))
        | Q(pk__in=_page_ids(PersonMention, "person_id", person_ids))
        | Q(pk__in=_page_ids(NewsPageTag, "tag_id", tag_ids, page_field="content_object_id"))
    )
    # A criterion the post cannot share (no tags, no category…) is left out of the ordering:
    # it would be a constant, which PostgreSQL reads as a column position in ORDER BY.
    ranks: dict[str, Expression] = {}
    mentions = [
        _shared_count(OrganisationMention, "organisation_id", organisation_ids),
        _shared_count(PersonMention, "person_id", person_ids),
    ]
    mentions = [count for count in mentions if count is not None]
    if mentions:
        ranks["mentions_shared"] = sum(mentions[1:], mentions[0])
    tags = _shared_count(NewsPageTag, "tag_id", tag_ids, page_field="content_object_id")
    if tags is not None:
        ranks["tags_shared"] = tags
    if category_id is not None:
        sharing |= Q(category_id=category_id)
        ranks["same_category"] = Case(
            When(category_id=category_id, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    return (
        candidates.exclude(pk=page.pk)
        .filter(sharing)
        .alias(**ranks)
        .order_by(*(f"-{name}" for name in ranks), "-date", "-pk")
    )


def _page_ids(model, field: str, ids: Iterable | QuerySet, *, page_field: str = "newspage_id"):
    return model.objects.filter(**{f"{field}__in": ids}).values(page_field)


# --- Related posts as card rows ---------------------------------------------------------------

RELATED_POSTS = 3


def _visible_candidates(page_id: int, category_id: int | None = None) -> QuerySet:
    """The live posts other than ``page_id`` as card rows, unordered: what the ranking joins
    its scores to (``news.read.statements``: built against the database's clock)."""
    return card_values(news_queryset(now=Now()).exclude(pk=page_id).order_by())


def shares_sql(page_id: object, category_id: object | None) -> tuple[str, list]:
    """SQL selecting ``(related_id, mentions, tags)`` for every post that shares anything
    with post ``page_id`` (the post itself included), whatever its state: one aggregate over
    the mention and tag tables (the post's own rows read through an index on the post, the
    others' through the covering indexes of migration 0008), the posts of category
    ``category_id`` (when not None) with 0 and 0."""
    quote = connection.ops.quote_name

    def shared(model, page_field: str, field: str, mentions: int, tags: int) -> tuple[str, list]:
        table = quote(model._meta.db_table)
        page, key = quote(page_field), quote(field)
        counted = "COUNT(*)"
        return (
            f"SELECT s.{page} AS related_id, {counted if mentions else 0} AS mentions, "
            f"{counted if tags else 0} AS tags FROM {table} s WHERE s.{key} IN "
            f"(SELECT o.{key} FROM {table} o WHERE o.{page} = %s) GROUP BY s.{page}",
            [page_id],
        )

    parts = [
        shared(OrganisationMention, "newspage_id", "organisation_id", 1, 0),
        shared(PersonMention, "newspage_id", "person_id", 1, 0),
        shared(NewsPageTag, "content_object_id", "tag_id", 0, 1),
    ]
    if category_id is not None:
        news_table = quote(NewsPage._meta.db_table)
        category = quote(NewsPage._meta.get_field("category").column)
        page_key = quote(NewsPage._meta.pk.column)
        parts.append(
            (
                f"SELECT c.{page_key}, 0, 0 FROM {news_table} c WHERE c.{category} = %s",
                [category_id],
            )
        )
    union = " UNION ALL ".join(part for part, _ in parts)
    params = [param for _, part_params in parts for param in part_params]
    return (
        "SELECT related_id, SUM(mentions) AS mentions, SUM(tags) AS tags "
        f"FROM ({union}) shares GROUP BY related_id",
        params,
    )


def _ranked(sql: str, params: list, values: dict) -> tuple[str, list]:
    """The ranking around the visible candidates' statement ``sql``: one aggregate over the
    mention and tag tables counts, per post, what it shares with the post (its own rows read
    through an index on the post), and only the posts found there are checked for visibility
    and sorted. As ``related_queryset`` orders them (``tests/test_related_posts.py`` compares
    the two): mentions shared, tags shared, same category, then newest first."""
    quote = connection.ops.quote_name
    page_id, category_id = values["page_id"], values.get("category_id")
    shares, union_params = shares_sql(page_id, category_id)
    order_params: list = []
    same_category = ""
    if category_id is not None:
        same_category = f", CASE WHEN v.{quote('category_id')} = %s THEN 1 ELSE 0 END DESC"
        order_params = [category_id]
    ranked = (
        f"SELECT v.* FROM ({shares}) r INNER JOIN ({sql}) v "
        f"ON v.{quote('pk')} = r.related_id "
        f"ORDER BY r.mentions DESC, r.tags DESC{same_category}, "
        f"v.{quote('date')} DESC, v.{quote('pk')} DESC LIMIT {RELATED_POSTS}"
    )
    return ranked, [*union_params, *params, *order_params]


# Compiled once per process (and per "has a category"): the ranking is the costliest query
# of a detail; with correlated counts per candidate (``related_queryset``) it cost twice as
# much on SQLite as this aggregate.
RANKED_CARD_ROWS = Statement(_visible_candidates, around=_ranked)


def _kept(sql: str, params: list, values: dict) -> tuple[str, list]:
    """The best visible posts among the post's kept related posts (``news.related_store``),
    around the visible candidates' statement ``sql``, and in a last column whether the list
    holds every post that shares anything with it (1), not all (0) or is not kept (NULL)."""
    quote = connection.ops.quote_name
    page_id = values["page_id"]
    entries = quote(RelatedPostEntry._meta.db_table)
    lists = quote(RelatedPostList._meta.db_table)
    kept = (
        f"SELECT v.*, (SELECT CASE WHEN l.threshold IS NULL THEN 1 ELSE 0 END FROM {lists} l "
        f"WHERE l.page_id = e.page_id) AS complete FROM {entries} e "
        f"INNER JOIN ({sql}) v ON v.{quote('pk')} = e.related_id "
        f"WHERE e.page_id = %s ORDER BY e.sort_key DESC LIMIT {RELATED_POSTS}"
    )
    return kept, [*params, page_id]


KEPT_CARD_ROWS = Statement(_visible_candidates, around=_kept)


def related_card_rows(page: NewsPage) -> list[tuple]:
    """``page``'s related posts, best first, as card rows (``CARD_COLUMNS``).

    A stored post's come from its kept list (one query); the ranking runs only when fewer
    than ``RELATED_POSTS`` kept ones are visible and the list does not hold every candidate,
    or when the post has no list (kept lists forgotten after a snippet was deleted)."""
    if _stored(page):
        rows = KEPT_CARD_ROWS.run(page_id=page.pk)
        if len(rows) == RELATED_POSTS or (rows and rows[0][-1] == 1):
            return [row[:-1] for row in rows]
        if page.category_id is None:
            return RANKED_CARD_ROWS.run(page_id=page.pk)
        return RANKED_CARD_ROWS.run(page_id=page.pk, category_id=page.category_id)
    queryset = related_queryset(page, news_queryset())  # a preview's unsaved relations
    return [] if queryset is None else list(card_values(queryset)[:RELATED_POSTS])


def related_ids(page_id: int, category_id: int | None) -> list[int]:
    """The ids of a stored post's related posts now (one query): how the answer cache
    revalidates a cached detail after the set of live posts changed (news.api_cache)."""
    return [row[0] for row in related_card_rows(NewsPage(pk=page_id, category_id=category_id))]
