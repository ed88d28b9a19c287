"""People and organisations as frontends get them, the same in every block, card and endpoint.

``person_data`` is a quote's attribution, a bio, an author on a card and an item of
``/api/v3/persons/``; ``organisation_data`` is a person's organisation, a boilerplate's
heading and an item of ``/api/v3/organisations/``. An organisation the render may not show
(unpublished, outside a preview) is left out of a person's JSON.
"""

from __future__ import annotations

from django.db.models import Model

from news.read.images import image_data, related_image
from news.read.resolver import active_resolver, memoised
from news.read.richtext import rich_text_html


def organisation_data(organisation: Model | None) -> dict | None:
    """An organisation: name, slug, website, membership level and logo."""
    if organisation is None:
        return None
    return memoised("organisation", organisation.pk, None, lambda: _organisation(organisation))


def person_data(person: Model | None) -> dict | None:
    """A person: name, slug, role, organisation, headshot and bio (HTML)."""
    if person is None:
        return None
    return memoised("person", person.pk, None, lambda: _person(person))


def free_attribution(name: str, role: str, organisation: str) -> dict:
    """A quote attribution typed by the editor: the same shape as ``person_data``."""
    return {
        "id": None,
        "slug": "",
        "name": name,
        "role": role,
        "organisation": {
            "id": None,
            "slug": "",
            "name": organisation,
            "website": "",
            "membership_level": "none",
            "logo": None,
        }
        if organisation
        else None,
        "headshot": None,
        "bio_html": "",
    }


def _organisation(organisation: Model) -> dict:
    return {
        "id": organisation.pk,
        "slug": organisation.slug,
        "name": organisation.name,
        "website": organisation.website,
        "membership_level": organisation.membership_level,
        "logo": image_data(related_image(organisation, "logo")),
    }


def _person(person: Model) -> dict:
    organisation = person.organisation if person.organisation_id else None
    resolver = active_resolver()
    if organisation is not None and resolver and not resolver.visible(organisation):
        organisation = None
    return {
        "id": person.pk,
        "slug": person.slug,
        "name": person.name,
        "role": person.role,
        "organisation": organisation_data(organisation),
        "headshot": image_data(related_image(person, "headshot")),
        "bio_html": rich_text_html(person.bio),
    }
