"""Compute the daily duty check of a date: `manage.py check_duty 2026-11-25`."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance import rules, services
from attendance.models import DutyCheckItem


class Command(BaseCommand):
    help = "Compute the daily duty check of a date (missing logs, short hours, roster gaps)."

    def add_arguments(self, parser):
        parser.add_argument("date", help="the date, YYYY-MM-DD")

    def handle(self, *args, date, **options):
        try:
            day = datetime.date.fromisoformat(date)
        except ValueError:
            raise CommandError(_("Give the date as YYYY-MM-DD.")) from None
        try:
            check = services.duty_check_run(day, now=timezone.now())
        except rules.CalendarUnknownError as error:
            raise CommandError(error.message) from None
        counts = dict.fromkeys(DutyCheckItem.Kind.values, 0)
        for kind in check.items.values_list("kind", flat=True):
            counts[kind] += 1
        labels = dict(DutyCheckItem.Kind.choices)
        # The label for people, the code for scripts: "无人值班 roster_gap=0".
        self.stdout.write(
            f"{day.isoformat()}: "
            + ", ".join(f"{labels[kind]} {kind}={count}" for kind, count in counts.items())
        )
