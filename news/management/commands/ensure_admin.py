"""``manage.py ensure_admin``: make sure a local admin account exists and print how to sign in.

The password is random, generated on first run and kept in ``var/admin-credentials.txt``
(git-ignored) so that later runs can print it again. Refuses to run with DEBUG off unless
``--force`` is given: production accounts are created with ``createsuperuser``.
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create a local admin account with a random password (development only)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--force", action="store_true", help="Allow with DEBUG off.")

    def handle(self, *args, username: str, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError("ensure_admin is for local use; use createsuperuser in production.")
        credentials = Path(settings.BASE_DIR) / "var" / "admin-credentials.txt"
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is not None and credentials.exists():
            self.stdout.write(credentials.read_text().strip())
            return
        password = secrets.token_urlsafe(12)
        if user is None:
            user = user_model.objects.create_superuser(username, f"{username}@localhost", password)
        else:
            user.set_password(password)
            user.save()
        credentials.parent.mkdir(parents=True, exist_ok=True)
        credentials.write_text(f"Admin sign-in: username {username!r}, password {password!r}\n")
        credentials.chmod(0o600)
        self.stdout.write(self.style.SUCCESS(credentials.read_text().strip()))
