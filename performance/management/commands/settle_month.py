"""Settle a month: `manage.py settle_month 2026-10` (POLICY §5.1)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from performance import rules, services, tasks


class Command(BaseCommand):
    help = "Settle a month: each cadre's score, performance ratio, deductions and unpaid days."

    def add_arguments(self, parser):
        parser.add_argument("month", help="the month, YYYY-MM")
        parser.add_argument(
            "--split",
            action="store_true",
            help="queue one task per township for the Celery workers instead of running here",
        )

    def handle(self, *args, month, split, **options):
        try:
            first = rules.parse_month(month)
        except ValueError:
            raise CommandError(_("Give the month as YYYY-MM.")) from None
        try:
            period = services.settlement_run(first, now=timezone.now(), split=split)
        except rules.PerformanceError as error:
            raise CommandError(error.messages[0]) from None
        if split:
            tasks.send_township_parts(period, today=timezone.localdate())
            self.stdout.write(f"{month}: queued for {len(period.pending_townships)} townships")
        else:
            self.stdout.write(f"{month}: {period.cadre_count} cadres settled")
