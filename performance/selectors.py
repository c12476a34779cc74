"""Reads of fine-grained management; every list takes the user and goes through scope.

Each function runs a fixed number of queries, whatever the county's size.
"""

from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from cadres.models import Cadre, CadreStatus, Role
from longshan import scoping

from .models import (
    AnnualGrade,
    AssignmentStatus,
    DemocraticEvaluation,
    DispatchOrder,
    SettlementMonth,
)

SITTING = [CadreStatus.ACTIVE, CadreStatus.SUSPENDED]

OPEN, LATE, REPORTED, SCORED = "open", "late", "reported", "scored"
STATES = (OPEN, LATE, REPORTED, SCORED)


def _state_filter(state, today):
    """Return the filter of assignments in a state as the pages show it."""
    return {
        OPEN: Q(status=AssignmentStatus.OPEN, order__deadline__gte=today),
        LATE: Q(status=AssignmentStatus.OPEN, order__deadline__lt=today) | Q(on_time=False),
        REPORTED: Q(status=AssignmentStatus.REPORTED),
        SCORED: Q(status=AssignmentStatus.SCORED),
    }[state]


def order_rows(user, *, month=None, township_id=None):
    """Return the dispatch orders in scope, newest month first, for paging.

    Plain orders only: count a page's villages with `with_assignment_counts`, which costs
    one grouped query for that page instead of counting every order's villages.
    """
    orders = scoping.dispatch_orders_visible_to(user).select_related("township")
    if month:
        orders = orders.filter(month=month)
    if township_id:
        orders = orders.filter(township_id=township_id)
    return orders.order_by("-month", "deadline", "-id")


def _assignments_counted(assignments, condition=None):
    """Return a subquery counting the outer order's assignments (that meet `condition`)."""
    counted = assignments.filter(order=OuterRef("pk"))
    if condition is not None:
        counted = counted.filter(condition)
    return Coalesce(
        Subquery(counted.order_by().values("order").annotate(n=Count("id")).values("n")),
        Value(0),
    )


def with_assignment_counts(user, orders, *, today):
    """Return the orders (a page of them) each with its in-scope villages counted by state.

    Sets `villages`, `open_count`, `late_count`, `to_score` and `scored` on every order,
    from one query over the given orders' assignments only (an index probe per order,
    which keeps its plan cheap however many orders the county has).
    """
    orders = list(orders)
    in_scope = scoping.dispatch_assignments_visible_to(user)
    counts = {
        row["pk"]: row
        for row in DispatchOrder.objects.filter(pk__in=[order.pk for order in orders]).values(
            "pk",
            villages=_assignments_counted(in_scope),
            open=_assignments_counted(in_scope, Q(status=AssignmentStatus.OPEN)),
            reported_late=_assignments_counted(in_scope, Q(on_time=False)),
            to_score=_assignments_counted(
                in_scope, Q(status=AssignmentStatus.REPORTED, on_time=True)
            ),
            scored=_assignments_counted(in_scope, Q(status=AssignmentStatus.SCORED)),
        )
    }
    for order in orders:
        row = counts[order.pk]
        # An open one counts as late once its deadline has passed (§5.1), as in the filters.
        overdue = order.deadline < today
        order.villages = row["villages"]
        order.open_count = 0 if overdue else row["open"]
        order.late_count = row["reported_late"] + (row["open"] if overdue else 0)
        order.to_score = row["to_score"]
        order.scored = row["scored"]
    return orders


def assignment_rows(user, *, today, state="", month=None):
    """Return the villages' dispatch orders in scope, soonest deadline first."""
    assignments = scoping.dispatch_assignments_visible_to(user).select_related(
        "order", "village__township"
    )
    if state in STATES:
        assignments = assignments.filter(_state_filter(state, today))
    if month:
        assignments = assignments.filter(order__month=month)
    return assignments.order_by("order__deadline", "order_id", "village__code")


def order_assignments(user, order):
    return list(
        scoping.dispatch_assignments_visible_to(user)
        .filter(order=order)
        .select_related("village", "reported_by", "scored_by")
        .prefetch_related("named_cadres")
        .order_by("village__code")
    )


def locked_months(months):
    return set(
        SettlementMonth.objects.filter(
            month__in=list(months), status=SettlementMonth.Status.LOCKED
        ).values_list("month", flat=True)
    )


def home_waiting(user, *, today):
    """Return what waits for the user on the home page: orders to score or to report,
    grades to confirm. A query or two per role."""
    waiting = {}
    if user.role == Role.TOWNSHIP_OFFICIAL:
        waiting["orders_to_score"] = (
            scoping.dispatch_assignments_scorable_by(user)
            .filter(status=AssignmentStatus.REPORTED, on_time=True)
            .count()
        )
    if user.role == Role.VILLAGE_SECRETARY:
        counts = scoping.dispatch_assignments_reportable_by(user).aggregate(
            to_report=Count("pk", filter=_state_filter(OPEN, today)),
            late=Count(
                "pk",
                filter=Q(status=AssignmentStatus.OPEN, order__deadline__lt=today),
            ),
        )
        waiting["orders_to_report"] = counts["to_report"]
        waiting["orders_late"] = counts["late"]
    if scoping.may_confirm_grades(user):
        waiting["grades_to_confirm"] = AnnualGrade.objects.filter(
            status=AnnualGrade.Status.PROPOSED
        ).count()
    return waiting


# ---------------------------------------------------------------- evaluation (§5.2)


def evaluation_villages(user, *, year, township_id=None):
    """Return the villages whose evaluation the user records, with cadres evaluated."""
    villages = scoping.villages_evaluable_by(user).select_related("township")
    if township_id:
        villages = villages.filter(township_id=township_id)
    return villages.annotate(
        cadre_count=Count("cadres", filter=Q(cadres__status__in=SITTING), distinct=True),
        evaluated=Count(
            "cadres__evaluations", filter=Q(cadres__evaluations__year=year), distinct=True
        ),
    ).order_by("township__code", "code")


def evaluation_sheet(village, *, year):
    """Return the village's sitting cadres with their evaluation of the year, if any."""
    cadres = list(
        Cadre.objects.filter(village=village, status__in=SITTING).order_by("post", "name_pinyin")
    )
    existing = {
        row.cadre_id: row
        for row in DemocraticEvaluation.objects.filter(
            year=year, cadre_id__in=[c.pk for c in cadres]
        )
    }
    return [(cadre, existing.get(cadre.pk)) for cadre in cadres]


def evaluation_rows(user, *, year):
    return (
        scoping.evaluations_visible_to(user)
        .filter(year=year)
        .select_related("cadre__village__township")
        .order_by("cadre__village__code", "cadre__post")
    )


# ---------------------------------------------------------------- measures (§5.3)


def measure_rows(user, *, kind=""):
    measures = scoping.measures_visible_to(user).select_related(
        "cadre__village__township", "decided_by"
    )
    if kind:
        measures = measures.filter(kind=kind)
    return measures.order_by("-decided_on", "-id")


# ---------------------------------------------------------------- settlement (§5.1)


def settlement_months():
    return SettlementMonth.objects.order_by("-month")


def settlement_rows(user, period, *, township_id=None, village_id=None):
    rows = (
        scoping.settlement_rows_visible_to(user)
        .filter(period=period)
        .select_related("cadre", "village", "township")
    )
    if township_id:
        rows = rows.filter(township_id=township_id)
    if village_id:
        rows = rows.filter(village_id=village_id)
    return rows.order_by("township__code", "village__code", "post", "cadre_id")


# ---------------------------------------------------------------- annual grades (§5.2)


def grade_rows(user, *, year, township_id=None, status="", grade=""):
    grades = (
        scoping.annual_grades_visible_to(user)
        .filter(year=year)
        .select_related("cadre__village", "township")
    )
    if township_id:
        grades = grades.filter(township_id=township_id)
    if status:
        grades = grades.filter(status=status)
    if grade:
        grades = grades.filter(grade=grade)
    return grades.order_by("township__code", "-mean_score", "cadre_id")


def grade_summary(user, *, year):
    """Return {grade: count} and {status: count} of the year's grades in scope."""
    grades = scoping.annual_grades_visible_to(user).filter(year=year)
    by_grade = dict(grades.values_list("grade").annotate(n=Count("pk")).order_by())
    by_status = dict(grades.values_list("status").annotate(n=Count("pk")).order_by())
    return by_grade, by_status


def cadre_performance_summary(user, cadre):
    """Return what a cadre's page shows of performance: recent months, grades, measures."""
    return {
        "months": list(
            scoping.settlement_rows_visible_to(user).filter(cadre=cadre).order_by("-month")[:6]
        ),
        "grades": list(
            scoping.annual_grades_visible_to(user).filter(cadre=cadre).order_by("-year")[:3]
        ),
        "measures": list(
            scoping.measures_visible_to(user).filter(cadre=cadre).order_by("-decided_on")[:5]
        ),
    }


def dispatchable_villages(user, township):
    return township.villages.filter(
        township_id__in=scoping.townships_dispatching_for(user).values("pk")
    ).order_by("code")


def dispatch_assignment_for(user, pk):
    return scoping.get_in_scope_or_404(
        scoping.dispatch_assignments_visible_to(user).select_related(
            "order__township", "village", "reported_by", "scored_by"
        ),
        pk=pk,
    )
