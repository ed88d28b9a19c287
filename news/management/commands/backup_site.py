"""``manage.py backup_site FOLDER``: back up the database and local media into FOLDER."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from news.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump or SQLite backup) and local media into a new folder."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument("--no-media", action="store_true", help="Database only.")

    def handle(self, *args, folder: Path, no_media: bool, **options):
        try:
            manifest = backup(folder, include_media=not no_media)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Backup written to {folder}: {manifest}"))
