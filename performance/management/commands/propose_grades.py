"""Propose the annual grades of a year: `manage.py propose_grades 2026` (POLICY §5.2)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from longshan import rulebook
from performance import services


class Command(BaseCommand):
    help = "Propose each cadre's annual grade from the year's settlements, for the county."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="the year, YYYY")

    def handle(self, *args, year, **options):
        if not 2018 <= year <= 2100:
            raise CommandError(_("Give the year as YYYY."))
        try:
            count = services.grades_propose(year, now=timezone.now())
        except rulebook.RuleError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{year}: {count} grades proposed")
