from django.core.management.base import BaseCommand, CommandError

from longshan import backup


class Command(BaseCommand):
    help = "Write a backup of the database under var/backups/ (`make backup`)."

    def add_arguments(self, parser):
        parser.add_argument("--directory", help="where to write it (default var/backups/)")

    def handle(self, *args, directory=None, **options):
        try:
            path = backup.backup(directory=directory)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(path))
