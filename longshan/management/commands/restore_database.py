from django.core.management.base import BaseCommand, CommandError

from longshan import backup


class Command(BaseCommand):
    help = "Replace the database's content with a backup (`make restore FILE=...`)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a backup written by backup_database")

    def handle(self, *args, file, **options):
        try:
            backup.restore(file)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"restored {file}")
