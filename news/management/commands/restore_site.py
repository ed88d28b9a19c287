"""``manage.py restore_site FOLDER``: replace the database and local media with a backup."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from news.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup made by backup_site (replaces the current content)."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument("--no-media", action="store_true", help="Database only.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, folder: Path, no_media: bool, yes: bool, **options):
        if not yes and input("This replaces the current content. Type 'yes': ").strip() != "yes":
            raise CommandError("Restore cancelled.")
        try:
            manifest = restore(folder, include_media=not no_media)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Restored {folder}: {manifest}"))
