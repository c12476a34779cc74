"""Propose the rank moves of a year: `manage.py propose_ranks 2025` (POLICY §7.2)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from longshan import rulebook
from ranks import services


class Command(BaseCommand):
    help = "Propose each ranked cadre's move up, stay or down from the year's confirmed grades."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="the assessment year, YYYY")

    def handle(self, *args, year, **options):
        if not 2018 <= year <= 2100:
            raise CommandError(_("Give the year as YYYY."))
        try:
            _cycle, counts = services.ranks_propose(year, now=timezone.now())
        except rulebook.RuleError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{year}: {counts['proposed']} proposals, {counts['removed']} withdrawn, "
            f"{counts['unranked']} graded cadres without a rank"
        )
