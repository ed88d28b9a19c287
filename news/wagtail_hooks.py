"""Admin registration: People, Organisations and Categories as snippets with their own menus."""

from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from news import headless  # noqa: F401 - registers the headless user bar hook
from news.choosers import OrganisationChooserViewSet, PersonChooserViewSet
from news.snippets import NewsCategory, Organisation, Person


class OrganisationViewSet(SnippetViewSet):
    model = Organisation
    icon = "group"
    menu_label = "Organisations"
    list_display = ["name", "membership_level", "website", "live"]
    list_filter = ["membership_level", "live"]
    search_fields = ["name"]
    # The chooser shows logo and membership level (news/choosers.py).
    chooser_viewset_class = OrganisationChooserViewSet


class PersonViewSet(SnippetViewSet):
    model = Person
    icon = "user"
    menu_label = "People"
    list_display = ["name", "role", "organisation", "live"]
    list_filter = ["live"]
    search_fields = ["name", "role"]
    # The chooser shows headshot, role and organisation (news/choosers.py).
    chooser_viewset_class = PersonChooserViewSet


class NewsCategoryViewSet(SnippetViewSet):
    model = NewsCategory
    icon = "tag"
    menu_label = "Categories"
    list_display = ["name", "slug"]


class NewsroomViewSetGroup(SnippetViewSetGroup):
    items = (OrganisationViewSet, PersonViewSet, NewsCategoryViewSet)
    menu_icon = "folder-open-inverse"
    menu_label = "Newsroom"
    menu_name = "newsroom"


register_snippet(NewsroomViewSetGroup)


@hooks.register("register_admin_viewset")
def register_webhook_delivery_log():
    # Settings → Webhook deliveries: the publishing pipeline's log, with "Resend".
    from news.webhooks.admin import DeliveryLogViewSet

    return DeliveryLogViewSet("webhook_deliveries")
