"""The delivery log in Wagtail's admin (Settings → Webhook deliveries), with "Resend".

Read-only apart from delete and resend: rows are written by the publishing pipeline only.
Registered by ``news/wagtail_hooks.py``; superusers (``news.change_deliverylog``) see it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import ListingButton

from news.webhooks.delivery import resend
from news.webhooks.models import DeliveryLog


def resend_button(delivery: DeliveryLog) -> ListingButton:
    """A "Resend" button that POSTs (with the CSRF token) through Wagtail's w-action."""
    return ListingButton(
        "Resend",
        icon_name="resubmit",
        priority=5,
        attrs={
            "data-controller": "w-action",
            "data-action": "w-action#post",
            "data-w-action-url-value": reverse("webhook_deliveries:resend", args=[delivery.pk]),
        },
    )


class DeliveryLogIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.user_has_permission("change"):
            buttons.append(resend_button(instance))
        return buttons


class DeliveryLogInspectView(InspectView):
    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.permission_policy.user_has_permission(self.request.user, "change"):
            buttons.append(resend_button(self.object))
        return buttons


class DeliveryLogViewSet(ModelViewSet):
    """Read-only log (inspect, delete) plus "Resend"; under Settings in the admin menu."""

    model = DeliveryLog
    icon = "resubmit"
    menu_label = "Webhook deliveries"
    add_to_settings_menu = True
    index_view_class = DeliveryLogIndexView
    inspect_view_class = DeliveryLogInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        "event",
        "endpoint",
        "status",
        "attempts",
        "last_response_code",
        "last_attempt_at",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event", "object_type"]
    search_fields = ["event", "endpoint", "event_id", "payload"]
    search_backend_name = None  # plain database filtering; the log is not search-indexed
    inspect_view_fields = [
        "event",
        "event_id",
        "object_type",
        "object_id",
        "endpoint",
        "status",
        "attempts",
        "last_response_code",
        "last_error",
        "last_attempt_at",
        "next_attempt_at",
        "retry_until",
        "claimed_until",
        "claimed_by",
        "delivered_at",
        "created_at",
        "payload",
    ]

    def get_common_view_kwargs(self, **kwargs):
        # No add/edit/history/usage views: log rows are written by the pipeline only.
        return super().get_common_view_kwargs(
            **{
                "add_url_name": None,
                "edit_url_name": None,
                "history_url_name": None,
                "usage_url_name": None,
                **kwargs,
            }
        )

    def resend_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.permission_policy.user_has_permission(request.user, "change"):
            raise PermissionDenied
        delivery = get_object_or_404(DeliveryLog, pk=pk)
        if resend(delivery):
            messages.success(
                request, f"Webhook {delivery.event} queued again for {delivery.endpoint}."
            )
        else:
            messages.warning(
                request,
                f"Webhook {delivery.event} is being sent to {delivery.endpoint} right now; "
                "resend it once this attempt is logged.",
            )
        return redirect(self.get_url_name("index"))

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("delete/<int:pk>/", self.delete_view, name="delete"),
            path("resend/<int:pk>/", self.resend_view, name="resend"),
        ]
