"""Reads of training; every list takes the user and goes through `longshan.scoping`.

Each function runs a fixed number of queries whatever the county's size. The one read
that takes no user, `training_days_by_cadre`, is for set-based jobs (the annual grade
proposal of POLICY §5.2), which apply their own scope.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from cadres.models import CadreStatus, Township, Village
from longshan import rulebook, scoping
from longshan.paging import RowsByUnit

from . import rules
from .models import (
    EducationProgrammeEntry,
    Secondment,
    TrainingAttendance,
    TrainingEnrolment,
    TrainingEvent,
)

SITTING = [CadreStatus.ACTIVE, CadreStatus.SUSPENDED]
DAYS_TOTAL = DecimalField(max_digits=7, decimal_places=1)


def _one_decimal(value):
    return Decimal(value or 0).quantize(rules.ONE_DECIMAL)


def counting_attendances(year):
    """Return the attendances that count toward a year's minimum (§6.1)."""
    first, last = rules.year_bounds(year)
    return TrainingAttendance.objects.filter(
        event__level=TrainingEvent.Level.COUNTY_OR_ABOVE,
        event__start_date__range=(first, last),
    )


def training_days_by_cadre(year, cadre_ids=None):
    """Return {cadre id: days at county level or above in `year`} in one aggregate query.

    With `cadre_ids`, every one of them is in the result (0.0 when they attended nothing);
    without, only the cadres who attended something are.
    """
    attendances = counting_attendances(year)
    if cadre_ids is not None:
        cadre_ids = list(cadre_ids)
        attendances = attendances.filter(cadre_id__in=cadre_ids)
    totals = {
        cadre_id: _one_decimal(total)
        for cadre_id, total in attendances.values_list("cadre_id")
        .annotate(total=Sum("days"))
        .order_by()
    }
    if cadre_ids is not None:
        for cadre_id in cadre_ids:
            totals.setdefault(cadre_id, rules.ZERO)
    return totals


def minimum_days(year, *, book=None):
    """Return §6.1's minimum days for a year: the rule in force on its 31 December."""
    book = book or rulebook.RuleBook.load([rulebook.TRAINING_MIN_DAYS_PER_YEAR])
    return book.value(rulebook.TRAINING_MIN_DAYS_PER_YEAR, rules.requirement_date(year))


def with_training_days(cadres, year):
    """Annotate a cadre queryset with `training_days`: the year's counting days (a subquery)."""
    total = (
        counting_attendances(year)
        .filter(cadre=OuterRef("pk"))
        .values("cadre")
        .annotate(total=Sum("days"))
        .values("total")
    )
    return cadres.annotate(
        training_days=Coalesce(
            Subquery(total, output_field=DAYS_TOTAL),
            Value(Decimal("0")),
            output_field=DAYS_TOTAL,
        )
    )


def reached_minimum(year, minimum):
    """Return a filter on cadres: those whose counting days in `year` reach `minimum`.

    One grouped pass over the year's attendances, instead of summing each cadre's
    attendances apart (a subquery per cadre costs 0.7 s over a province's 72,000 cadres).
    """
    if minimum <= 0:
        return Q(pk__isnull=False)
    reached = (
        counting_attendances(year)
        .order_by()
        .values("cadre_id")
        .annotate(total=Sum("days"))
        .filter(total__gte=minimum)
        .values("cadre_id")
    )
    return Q(pk__in=reached)


def short_of_minimum(year, minimum):
    """Return a filter on cadres: those whose counting days in `year` are below `minimum`."""
    return ~reached_minimum(year, minimum)


# ---------------------------------------------------------------- yearly compliance (§6.1)


def _compliance_base(user, *, township_id=None, village_id=None):
    cadres = scoping.cadres_for_training_compliance(user).filter(
        status__in=SITTING, is_full_time=True
    )
    if township_id:
        cadres = cadres.filter(village__township_id=township_id)
    if village_id:
        cadres = cadres.filter(village_id=village_id)
    return cadres


def compliance_rows(
    user, *, year, minimum, township_id=None, village_id=None, short_only=True, paged=False
):
    """Return the full-time cadres in post whom the user may see, with the year's days.

    `short_only` keeps those below the minimum. Ordered by township, village, post, name.
    `paged` is for a page that reads a few units' rows (compliance_page): each row's own
    days decide, instead of one grouped pass over a whole province's year of attendances.
    """
    cadres = with_training_days(
        _compliance_base(user, township_id=township_id, village_id=village_id), year
    ).select_related("village__township")
    if short_only and paged:
        cadres = cadres.filter(training_days__lt=minimum)
    elif short_only:
        cadres = cadres.filter(short_of_minimum(year, minimum))
    return cadres.order_by("village__township__code", "village__code", "post", "name_pinyin")


def compliance_summary(user, *, year, minimum, township_id=None, village_id=None):
    """Return one row per township (or per village, once a township is chosen) with counts.

    Each row: unit id, name, cadres, short (below the minimum), meeting, and the share
    meeting it in percent.
    """
    by_village = bool(township_id or village_id) or not scoping.townships_visible_to(user).exists()
    unit_field = "village_id" if by_village else "village__township_id"
    # Counted by the unit's id alone, with no join to the units' names: a hash of a few
    # thousand units over a province's 72,000 cadres. The names and codes follow in a
    # query of the units counted.
    counts = {
        row[unit_field]: row
        for row in _compliance_base(user, township_id=township_id, village_id=village_id)
        .values(unit_field)
        .annotate(cadres=Count("id"), short=Count("id", filter=short_of_minimum(year, minimum)))
        .order_by()
    }
    if by_village:
        units = Village.objects.filter(pk__in=list(counts)).order_by("township__code", "code")
    else:
        # Every township (at most a province's 1,260): cheaper than naming them in a list.
        units = Township.objects.order_by("code")
    summary = []
    # In the order of the rows' list (compliance_rows), which compliance_page relies on.
    for pk, name in units.values_list("pk", "name"):
        if pk not in counts:
            continue
        cadres, short = counts[pk]["cadres"], counts[pk]["short"]
        meeting = cadres - short
        summary.append(
            {
                "id": pk,
                "name": name,
                "cadres": cadres,
                "short": short,
                "meeting": meeting,
                "percent": round(100 * meeting / cadres) if cadres else 0,
            }
        )
    return {"by_village": by_village, "rows": summary}


def compliance_page(rows, summary, *, short_only):
    """Return the compliance rows for a paginator, read a page's townships at a time.

    The summary counts each unit's rows in the order the rows are listed (township, then
    village), so a page reads only the units it covers and needs no COUNT.
    """
    counted = "short" if short_only else "cadres"
    return RowsByUnit(
        rows,
        [(unit["id"], unit[counted]) for unit in summary["rows"]],
        unit_field="village_id" if summary["by_village"] else "village__township_id",
    )


def compliance_filter_choices(user, *, township_id=None):
    """Return the townships and villages the compliance filters offer: the user's scope."""
    cadres = scoping.cadres_for_training_compliance(user)
    # Whether a township has a cadre in scope stops at the first one found.
    townships = Township.objects.filter(
        Exists(cadres.filter(village__township=OuterRef("pk")))
    ).order_by("code")
    villages = Village.objects.none()
    if township_id:
        villages = Village.objects.filter(
            township_id=township_id, pk__in=cadres.values("village_id")
        ).order_by("code")
    return townships, villages


# ---------------------------------------------------------------- events


def _count_in_scope(model, cadres):
    counted = (
        model.objects.filter(event=OuterRef("pk"), cadre__in=cadres)
        .values("event")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counted), Value(0))


def event_rows(user, *, year=None, event_type="", level=""):
    """Return the events the user may open, newest first, each with the enrolled and
    attending cadres of the user's own scope counted."""
    events = scoping.training_events_visible_to(user).select_related("township")
    if year:
        events = events.filter(start_date__year=year)
    if event_type:
        events = events.filter(event_type=event_type)
    if level:
        events = events.filter(level=level)
    cadres = scoping.cadres_visible_to(user)
    return events.annotate(
        enrolled_count=_count_in_scope(TrainingEnrolment, cadres),
        attended_count=_count_in_scope(TrainingAttendance, cadres),
    ).order_by("-start_date", "title")


def event_participants(event, cadres):
    """Return the cadres (of a scoped queryset) enrolled in or attending an event, each with
    `enrolled` and `days` (None if not recorded)."""
    attendance = TrainingAttendance.objects.filter(event=event, cadre=OuterRef("pk"))
    return (
        cadres.filter(
            Q(pk__in=TrainingEnrolment.objects.filter(event=event).values("cadre_id"))
            | Q(pk__in=TrainingAttendance.objects.filter(event=event).values("cadre_id"))
        )
        .annotate(
            enrolled=Exists(TrainingEnrolment.objects.filter(event=event, cadre=OuterRef("pk"))),
            days=Subquery(attendance.values("days")[:1]),
        )
        .select_related("village__township")
        .order_by("village__township__code", "village__code", "post", "name_pinyin")
    )


def event_participant_townships(event, cadres):
    """Return [(township id, name, cadres)] of an event's participants within a cadre scope."""
    participants = event_participants(event, cadres).values("pk")
    return list(
        cadres.filter(pk__in=participants)
        .values_list("village__township_id", "village__township__name")
        .annotate(n=Count("id"))
        .order_by("village__township__code")
    )


def event_totals(event, cadres):
    """Return enrolled, attended and the days attended at an event, within a cadre scope."""
    in_scope = {"cadre__in": cadres}
    enrolled = TrainingEnrolment.objects.filter(event=event, **in_scope).count()
    attended = TrainingAttendance.objects.filter(event=event, **in_scope).aggregate(
        n=Count("id"), days=Sum("days")
    )
    return {
        "enrolled": enrolled,
        "attended": attended["n"],
        "days": _one_decimal(attended["days"]),
    }


# ---------------------------------------------------------------- a cadre's record


def cadre_training_record(cadre, *, years=None):
    """Return a cadre's training record: attendance by year with §6.1's verdict,
    secondments and education-programme entries (four queries).

    `years` limits the attendance to those years (the cadre page shows this year only).
    """
    attendances = TrainingAttendance.objects.filter(cadre=cadre).select_related("event")
    if years:
        attendances = attendances.filter(event__start_date__year__in=list(years))
    attendances = list(attendances.order_by("-event__start_date", "event__title"))
    book = rulebook.RuleBook.load([rulebook.TRAINING_MIN_DAYS_PER_YEAR])
    by_year = defaultdict(list)
    for attendance in attendances:
        by_year[attendance.event.start_date.year].append(attendance)
    for year in years or ():
        by_year.setdefault(year, [])
    summaries = []
    for year in sorted(by_year, reverse=True):
        rows = by_year[year]
        counting = sum(
            (row.days for row in rows if row.event.counts_toward_requirement), rules.ZERO
        )
        other = sum(
            (row.days for row in rows if not row.event.counts_toward_requirement), rules.ZERO
        )
        try:
            minimum = minimum_days(year, book=book)
        except rulebook.RuleNotInForceError:
            minimum = None
        summaries.append(
            {
                "year": year,
                "attendances": rows,
                "counting_days": _one_decimal(counting),
                "other_days": _one_decimal(other),
                "minimum": minimum,
                "meets": None
                if minimum is None
                else rules.meets_training_requirement(counting, minimum=minimum),
                "shortfall": None
                if minimum is None
                else rules.training_shortfall(counting, minimum=minimum),
            }
        )
    return {
        "years": summaries,
        "secondments": list(
            Secondment.objects.filter(cadre=cadre)
            .select_related("township")
            .order_by("-start_date")
        ),
        "education_entries": list(
            EducationProgrammeEntry.objects.filter(cadre=cadre).order_by("-start_date")
        ),
    }
