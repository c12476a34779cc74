"""Compute a month's payroll: `manage.py run_payroll 2026-10` (POLICY §8.2)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from compensation import rules, services
from longshan import rulebook
from performance import rules as performance_rules


class Command(BaseCommand):
    help = "Compute the month's payroll of every full-time cadre from its settlement."

    def add_arguments(self, parser):
        parser.add_argument("month", help="the month, YYYY-MM")

    def handle(self, *args, month, **options):
        try:
            first = performance_rules.parse_month(month)
        except ValueError:
            raise CommandError(_("Give the month as YYYY-MM.")) from None
        try:
            payroll = services.payroll_run(first, now=timezone.now())
        except (rules.PayError, rulebook.RuleError) as error:
            raise CommandError(getattr(error, "messages", [str(error)])[0]) from None
        self.stdout.write(f"{month}: {payroll.cadre_count} cadres, net {payroll.net_total} yuan")
