"""Shared pytest fixtures: a site tree, images, people and organisations, a logged-in editor."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from home.models import HomePage
from news.models import NewsIndexPage, NewsPage
from news.snippets import Organisation, Person


def make_image(title: str = "Test image", width: int = 640, height: int = 480, **fields):
    """A real PNG stored through Wagtail's image model."""
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), (200, 60, 40)).save(buffer, "PNG")
    image = get_image_model()(title=title, **fields)
    image.file = ImageFile(io.BytesIO(buffer.getvalue()), name=f"{title.replace(' ', '-')}.png")
    image.save()
    return image


@pytest.fixture
def image(db):
    return make_image(description="A red rectangle")


@pytest.fixture
def home_page(db) -> HomePage:
    root = Page.get_first_root_node()
    home = HomePage(title="Home", slug="home-test")
    root.add_child(instance=home)
    home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    else:
        site.root_page = home
        site.save()
    return home


@pytest.fixture
def news_index(home_page) -> NewsIndexPage:
    index = NewsIndexPage(title="News", slug="news")
    home_page.add_child(instance=index)
    index.save_revision().publish()
    return index


@pytest.fixture
def organisation(db, image) -> Organisation:
    org = Organisation(
        name="Example Corp",
        website="https://example.com",
        logo=image,
        membership_level="premier",
        boilerplate="<p>Example Corp builds example things.</p>",
    )
    org.save()
    org.save_revision().publish()
    return org


@pytest.fixture
def person(db, organisation, image) -> Person:
    p = Person(
        name="Ada Example",
        role="Chief Example Officer",
        organisation=organisation,
        headshot=image,
        bio="<p>Ada has worked on examples for years.</p>",
    )
    p.save()
    p.save_revision().publish()
    return p


def publish_news_page(news_index: NewsIndexPage, **fields) -> NewsPage:
    fields.setdefault("title", "A news post")
    page = NewsPage(**fields)
    news_index.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


@pytest.fixture
def editor_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "pw-editor")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test starts with empty caches: test databases roll back, caches do not."""
    from django.core.cache import caches

    from news.read import near_cache

    for cache in caches.all():
        cache.clear()
    near_cache.clear()
    yield


def restore_migration_rows() -> None:
    """Recreate the rows that migrations make and a transactional test's flush removes.

    Transactional tests (real commits: webhooks after commit, live servers) end with a flush;
    the next one then needs Wagtail's locale, root page and root collection, and Newsroom's
    standard categories, exactly as migrations left them.
    """
    import importlib

    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Collection, Locale

    from news.snippets import NewsCategory

    language = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    locale, _ = Locale.objects.get_or_create(language_code=language)
    if not Page.objects.filter(depth=1).exists():
        Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    if not Collection.objects.filter(depth=1).exists():
        Collection.add_root(name="Root")
    categories = importlib.import_module("news.migrations.0002_standard_categories")
    for name, slug in categories.STANDARD_CATEGORIES:
        NewsCategory.objects.get_or_create(slug=slug, defaults={"name": name})


@pytest.fixture
def committed_db(transactional_db):
    """A transactional database (real commits) with the migration-made rows in place."""
    restore_migration_rows()
    yield


JEKYLL_SEED = Path(__file__).resolve().parent / "fixtures" / "jekyll" / "seed"


@pytest.fixture
def seed_site(tmp_path: Path) -> Path:
    """The Jekyll seed's site folder: its committed SVG logo plus a photo drawn here."""
    root = tmp_path / "site"
    shutil.copytree(JEKYLL_SEED / "assets", root / "assets")
    PILImage.new("RGB", (240, 300), (150, 110, 90)).save(
        root / "assets" / "images" / "hana-petrova.jpg", "JPEG"
    )
    return root
