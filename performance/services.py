"""Every write of fine-grained management (POLICY §4.4, §5): one function per change.

Each checks scope and the rules, writes in one transaction and records the audit event.
Dates and times come in as parameters (`now`, `today`): only views, tasks and commands
read the clock. The settlement and the grade proposal are set-based: a fixed number of
queries whatever the number of cadres.
"""

import datetime
import uuid
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.models import DutyCheck, DutyCheckItem, Violation
from cadres.models import Cadre, CadreStatus
from longshan import audit, bulk, rulebook, scoping
from training import selectors as training_selectors

from . import rules
from .models import (
    AnnualGrade,
    CadreMonth,
    DemocraticEvaluation,
    DispatchAssignment,
    DispatchOrder,
    Measure,
    SettlementMonth,
)

SITTING = [CadreStatus.ACTIVE, CadreStatus.SUSPENDED]
REMOVAL_SOURCE = "performance.measure"
# A run that has not finished after this long is taken to have died with its worker.
STALE_RUN = datetime.timedelta(hours=1)
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024


class SettlementLockedError(rules.PerformanceError):
    """The month is locked: its settlement never changes again."""


class SettlementRunningError(rules.PerformanceError):
    """Another settlement of the month is running."""


def _month_locked(month):
    return SettlementMonth.objects.filter(
        month=month, status=SettlementMonth.Status.LOCKED
    ).exists()


def _refuse_locked_month(month):
    if _month_locked(month):
        raise SettlementLockedError(
            _("The settlement of %(month)s is locked: it can no longer change.")
            % {"month": month.strftime("%Y-%m")},
            code="locked",
        )


# ---------------------------------------------------------------- dispatch orders (§5.1)


@transaction.atomic
def dispatch_order_create(
    *, actor, township, month, title, content, weight, deadline, villages, named_cadres=()
):
    """Dispatch an order of a township for a month to villages and/or named cadres.

    Each village in `villages` gets the order for its whole team; each village of a named
    cadre gets it for its named cadres only. Return the order.
    """
    if not scoping.townships_dispatching_for(actor).filter(pk=township.pk).exists():
        raise PermissionDenied(_("You may not dispatch orders for this township."))
    month = rules.first_of_month(month)
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Give the order a title.")
    if weight is None or Decimal(weight) <= 0:
        errors["weight"] = _("The weight must be above zero.")
    if deadline < month:
        errors["deadline"] = _("The deadline cannot be before the month of the order.")
    village_ids = {village.pk for village in villages}
    named_by_village = defaultdict(list)
    for cadre in named_cadres:
        named_by_village[cadre.village_id].append(cadre.pk)
    all_villages = village_ids | set(named_by_village)
    if not all_villages:
        errors["villages"] = _("Choose at least one village or cadre.")
    if village_ids & set(named_by_village):
        errors["named_cadres"] = _(
            "A village chosen for its whole team cannot also have named cadres."
        )
    in_township = set(township.villages.filter(pk__in=all_villages).values_list("pk", flat=True))
    if in_township != all_villages:
        errors["villages"] = _("Every village must be of the township.")
    if errors:
        raise ValidationError(errors)
    _refuse_locked_month(month)
    order = DispatchOrder.objects.create(
        township=township,
        month=month,
        title=title.strip(),
        content=content.strip(),
        weight=weight,
        deadline=deadline,
        created_by=actor,
    )
    assignments = DispatchAssignment.objects.bulk_create(
        [
            DispatchAssignment(order=order, village_id=village_id)
            for village_id in sorted(all_villages)
        ]
    )
    Through = DispatchAssignment.named_cadres.through
    Through.objects.bulk_create(
        [
            Through(dispatchassignment_id=assignment.pk, cadre_id=cadre_id)
            for assignment in assignments
            for cadre_id in named_by_village.get(assignment.village_id, [])
        ]
    )
    audit.record(
        "dispatch.order_created",
        actor=actor,
        target=order,
        changes={
            "month": [None, month.isoformat()],
            "title": [None, order.title],
            "weight": [None, str(order.weight)],
            "deadline": [None, deadline.isoformat()],
            "villages": [None, sorted(all_villages)],
            "named_cadres": [None, sorted(c.pk for c in named_cadres)],
        },
        township_id=township.pk,
    )
    return order


def _lock_assignment(assignment):
    return (
        DispatchAssignment.objects.select_for_update().select_related("order").get(pk=assignment.pk)
    )


@transaction.atomic
def dispatch_report(assignment, *, actor, text, attachment=None, now):
    """The village reports the completion of an order; a late report is kept but scores 0.

    A report may be corrected until the township scores it.
    """
    if not scoping.dispatch_assignments_reportable_by(actor).filter(pk=assignment.pk).exists():
        raise PermissionDenied(_("You may not report on this order."))
    assignment = _lock_assignment(assignment)
    rules.check_assignment_transition(assignment.status, rules.REPORTED)
    if not (text or "").strip():
        raise ValidationError({"report_text": _("Describe what was done.")})
    _refuse_locked_month(assignment.order.month)
    if attachment is not None:
        problem = rules.attachment_problem(
            name=attachment.name,
            size=attachment.size,
            head=_head(attachment),
            max_bytes=MAX_ATTACHMENT_BYTES,
        )
        if problem:
            raise ValidationError({"attachment": problem})
    before = assignment.status
    first_report = assignment.reported_at is None
    if first_report:
        assignment.reported_at = now
        assignment.on_time = rules.reported_on_time(
            reported_on=timezone.localtime(now).date(), deadline=assignment.order.deadline
        )
    assignment.status = rules.REPORTED
    assignment.report_text = text.strip()
    assignment.reported_by = actor
    if attachment is not None:
        assignment.attachment_name = attachment.name[:200]
        assignment.attachment.save(attachment.name, attachment, save=False)
    assignment.save()
    audit.record(
        "dispatch.reported",
        actor=actor,
        target=assignment,
        changes={
            "status": [before, assignment.status],
            "on_time": [None, assignment.on_time],
            "attachment": [None, assignment.attachment_name or None],
        },
        township_id=assignment.order.township_id,
    )
    return assignment


def _head(upload):
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    return head


@transaction.atomic
def dispatch_score(assignment, *, actor, score, comment, now):
    """The township scores a village's report, 0 to 100 with a comment (§5.1)."""
    if not scoping.dispatch_assignments_scorable_by(actor).filter(pk=assignment.pk).exists():
        raise PermissionDenied(_("You may not score this order."))
    assignment = _lock_assignment(assignment)
    rules.check_assignment_transition(assignment.status, rules.SCORED)
    if not assignment.on_time:
        raise ValidationError(
            _("This order was not reported by its deadline: it counts as 0 and takes no score."),
            code="late",
        )
    _refuse_locked_month(assignment.order.month)
    score = rules.validate_score(score)
    before = [assignment.status, str(assignment.score) if assignment.score is not None else None]
    assignment.status = rules.SCORED
    assignment.score = score
    assignment.score_comment = (comment or "").strip()
    assignment.scored_by = actor
    assignment.scored_at = now
    assignment.save(update_fields=["status", "score", "score_comment", "scored_by", "scored_at"])
    audit.record(
        "dispatch.scored",
        actor=actor,
        target=assignment,
        changes={"status": [before[0], assignment.status], "score": [before[1], str(score)]},
        township_id=assignment.order.township_id,
    )
    return assignment


# ---------------------------------------------------------------- democratic evaluation (§5.2)


@transaction.atomic
def evaluation_record(village, *, actor, year, votes):
    """Record a village's democratic evaluation of its cadres for a year.

    `votes` maps cadre ids to (satisfied, basically satisfied, dissatisfied); a cadre's
    earlier record of the year is replaced.
    """
    if not scoping.villages_evaluable_by(actor).filter(pk=village.pk).exists():
        raise PermissionDenied(_("You may not record this village's evaluation."))
    cadre_ids = set(Cadre.objects.filter(village=village).values_list("pk", flat=True))
    if not set(votes) <= cadre_ids:
        raise ValidationError(_("Every cadre evaluated must be of the village."))
    for counts in votes.values():
        if any(count is None or count < 0 for count in counts):
            raise ValidationError(_("Votes are whole numbers, zero or more."))
    existing = {
        row.cadre_id: row
        for row in DemocraticEvaluation.objects.select_for_update().filter(
            cadre_id__in=list(votes), year=year
        )
    }
    new, changed = [], []
    for cadre_id, (satisfied, basic, dissatisfied) in sorted(votes.items()):
        row = existing.get(cadre_id) or DemocraticEvaluation(cadre_id=cadre_id, year=year)
        row.satisfied, row.basically_satisfied, row.dissatisfied = satisfied, basic, dissatisfied
        row.recorded_by = actor
        row.recorded_at = timezone.now()
        (changed if row.pk else new).append(row)
    DemocraticEvaluation.objects.bulk_create(new)
    DemocraticEvaluation.objects.bulk_update(
        changed,
        ["satisfied", "basically_satisfied", "dissatisfied", "recorded_by", "recorded_at"],
    )
    audit.record(
        "evaluation.recorded",
        actor=actor,
        target=village,
        changes={
            "year": [None, year],
            "votes": [None, {str(k): list(v) for k, v in sorted(votes.items())}],
        },
        township_id=village.township_id,
    )
    return len(new) + len(changed)


# ---------------------------------------------------------------- measures (§5.3)


@transaction.atomic
def measure_record(
    *, actor, cadre, kind, decided_on, starts_on=None, ends_on=None, authority="", reason
):
    """Record a measure on a cadre; a dismissal opens the removal event of the history."""
    if not scoping.cadres_measurable_by(actor, kind).filter(pk=cadre.pk).exists():
        raise PermissionDenied(_("You may not record this measure on this cadre."))
    starts_on = starts_on or decided_on
    problems = rules.measure_problems(
        kind=kind, starts_on=starts_on, ends_on=ends_on, reason=reason
    )
    if problems:
        raise ValidationError(problems)
    measure = Measure.objects.create(
        cadre=cadre,
        kind=kind,
        decided_on=decided_on,
        starts_on=starts_on,
        ends_on=ends_on if kind == rules.SUSPENSION else None,
        decided_by=actor,
        authority=(authority or "").strip(),
        reason=reason.strip(),
    )
    if kind == rules.DISMISSAL:
        from cadres.services import open_removal

        open_removal(
            cadre_id=cadre.pk,
            on=starts_on,
            reason=measure.reason,
            source=REMOVAL_SOURCE,
            source_ref=str(measure.pk),
            actor=actor,
        )
    audit.record(
        "measure.recorded",
        actor=actor,
        target=measure,
        changes={
            "cadre": [None, cadre.pk],
            "kind": [None, kind],
            "from": [None, starts_on.isoformat()],
            "to": [None, ends_on.isoformat() if measure.ends_on else None],
            "reason": [None, measure.reason],
        },
        township_id=cadre.village.township_id,
    )
    return measure


@transaction.atomic
def measure_withdraw(measure, *, actor, reason, now):
    """Withdraw a measure; a dismissal's pending removal event is withdrawn with it."""
    if not scoping.measures_withdrawable_by(actor).filter(pk=measure.pk).exists():
        raise PermissionDenied(_("You may not withdraw this measure."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the withdrawal.")})
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    measure.withdrawn_at = now
    measure.withdrawn_by = actor
    measure.withdraw_reason = reason.strip()
    measure.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    if measure.kind == rules.DISMISSAL:
        from cadres.services import withdraw_removal

        withdraw_removal(source=REMOVAL_SOURCE, source_ref=str(measure.pk), actor=actor)
    audit.record(
        "measure.withdrawn",
        actor=actor,
        target=measure,
        changes={"withdrawn": [False, True], "reason": [None, measure.withdraw_reason]},
        township_id=measure.cadre.village.township_id,
    )
    return measure


# ---------------------------------------------------------------- monthly settlement (§5.1)

SETTLEMENT_RULES = [
    rulebook.PERFORMANCE_SCORE_WITHOUT_ORDERS,
    rulebook.PERFORMANCE_DUTY_DAY_PENALTY,
    rulebook.PERFORMANCE_NO_PAY_BELOW_SCORE,
    rulebook.MEASURE_REMINDER_SHARE,
    rulebook.MEASURE_ADMONISHMENT_SHARE,
]


def _rule_versions(keys, on):
    """Return {key: [value, in force from]} of the rules in force on a date (one query)."""
    from longshan.models import RuleValue

    versions = {}
    rows = RuleValue.objects.filter(key__in=keys, effective_from__lte=on).order_by(
        "key", "effective_from"
    )
    for key, value, effective_from in rows.values_list("key", "value", "effective_from"):
        versions[key] = [value, effective_from.isoformat()]
    missing = [key for key in keys if key not in versions]
    if missing:
        raise rulebook.RuleNotInForceError(
            _("No value of the rule “%(rule)s” is in force on %(date)s.")
            % {"rule": missing[0], "date": on.isoformat()}
        )
    return versions


def _typed_rules(versions):
    return {key: rulebook.definition(key).parse(value) for key, (value, _since) in versions.items()}


def settleable_cadres(month, township_id=None):
    """Return the cadres settled for a month: full-time, sitting, in post by its last day."""
    cadres = Cadre.objects.filter(
        status__in=SITTING, is_full_time=True, start_date__lte=rules.last_of_month(month)
    )
    if township_id is not None:
        cadres = cadres.filter(village__township_id=township_id)
    return cadres


def settlement_compute(month, *, today, versions, township_id=None):
    """Return the rows of a month's settlement (of one township, if given): a dict of
    SETTLED_COLUMNS per cadre.

    Six queries whatever the number of cadres: cadres, orders, named cadres, duty check
    findings, violations of the quarter, measures.
    """
    first, last = month, rules.last_of_month(month)
    values = _typed_rules(versions)
    cadres = list(
        settleable_cadres(month, township_id)
        .order_by("village__code", "post", "pk")
        .values_list("pk", "village_id", "village__township_id", "post")
    )
    assignments = DispatchAssignment.objects.filter(order__month=month)
    if township_id is not None:
        assignments = assignments.filter(order__township_id=township_id)
    orders = list(
        assignments.values_list(
            "pk", "village_id", "order__weight", "order__deadline", "status", "score", "on_time"
        )
    )
    Through = DispatchAssignment.named_cadres.through
    named = defaultdict(set)
    for assignment_id, cadre_id in Through.objects.filter(
        dispatchassignment__in=assignments
    ).values_list("dispatchassignment_id", "cadre_id"):
        named[assignment_id].add(cadre_id)
    orders_of_village = defaultdict(list)
    for pk, village_id, weight, deadline, status, score, on_time in orders:
        if status == rules.OPEN:
            # Not reported: late once the deadline's day has passed; else not yet due.
            on_time = not rules.is_late(status=status, deadline=deadline, today=today)
        orders_of_village[village_id].append((pk, weight, score, bool(on_time)))
    # A village's orders reach all its cadres unless one of them names cadres: those
    # villages' orders are filtered per cadre below, the others' are built once.
    orders_of_all = {
        village_id: tuple((weight, score, on_time) for _pk, weight, score, on_time in rows)
        for village_id, rows in orders_of_village.items()
        if not any(named.get(pk) for pk, *_rest in rows)
    }
    in_scope = Q(cadre__village__township_id=township_id) if township_id is not None else Q()
    # Days found short of duty (§4.1) by the daily duty check; days without pay (below)
    # are not duty days and are left out.
    short_days = defaultdict(set)
    for cadre_id, day in (
        DutyCheckItem.objects.filter(
            in_scope,
            check_run__date__range=(first, last),
            check_run__is_working_day=True,
            kind__in=[DutyCheckItem.Kind.MISSING_LOG, DutyCheckItem.Kind.SHORT_HOURS],
        )
        .values_list("cadre_id", "check_run__date")
        .order_by()
        .distinct()
    ):
        short_days[cadre_id].add(day)
    month_share = defaultdict(Decimal)
    month_count = defaultdict(int)
    quarter_share = defaultdict(Decimal)
    for cadre_id, violation_month, kind, ratio in Violation.objects.filter(
        in_scope, year=month.year, month__in=rules.quarter_months(month)
    ).values_list("cadre_id", "month", "deduction_kind", "deduction_ratio"):
        if kind == Violation.DeductionKind.QUARTER:
            quarter_share[cadre_id] = max(quarter_share[cadre_id], ratio)
        elif violation_month == month:
            month_share[cadre_id] += ratio
        if violation_month == month:
            month_count[cadre_id] += 1
    measure_share = defaultdict(Decimal)
    unpaid = defaultdict(lambda: {"suspension": set(), "dismissal": set()})
    measures = Measure.objects.filter(in_scope, withdrawn_at__isnull=True).filter(
        Q(kind=Measure.Kind.SUSPENSION, starts_on__lte=last, ends_on__gte=first)
        | Q(kind=Measure.Kind.DISMISSAL, starts_on__lte=last)
        | Q(
            kind__in=[Measure.Kind.REMINDER, Measure.Kind.ADMONISHMENT],
            decided_on__range=(first, last),
        )
    )
    shares = {
        Measure.Kind.REMINDER: values[rulebook.MEASURE_REMINDER_SHARE],
        Measure.Kind.ADMONISHMENT: values[rulebook.MEASURE_ADMONISHMENT_SHARE],
    }
    for cadre_id, kind, starts_on, ends_on in measures.values_list(
        "cadre_id", "kind", "starts_on", "ends_on"
    ):
        if kind in shares:
            measure_share[cadre_id] += shares[kind]
        else:
            unpaid[cadre_id][kind] |= rules.days_within(month, starts_on, ends_on)
    days = rules.days_in_month(month)
    penalty = values[rulebook.PERFORMANCE_DUTY_DAY_PENALTY]
    without_orders = values[rulebook.PERFORMANCE_SCORE_WITHOUT_ORDERS]
    no_pay_below = values[rulebook.PERFORMANCE_NO_PAY_BELOW_SCORE]
    # The rules are pure functions of a handful of values that most cadres share (the
    # village's orders; no finding, violation or measure): each set is worked out once.
    dispatch_of = {}
    settled_of = {}
    rows = []
    for cadre_id, village_id, township, post in cadres:
        mine = orders_of_all.get(village_id)
        if mine is None:
            mine = tuple(
                (weight, score, on_time)
                for pk, weight, score, on_time in orders_of_village.get(village_id, ())
                if not named.get(pk) or cadre_id in named[pk]
            )
        dispatch = dispatch_of.get(mine)
        if dispatch is None:
            dispatch = dispatch_of[mine] = rules.dispatch_score(
                mine, score_without_orders=without_orders
            )
        suspended = unpaid[cadre_id]["suspension"] if cadre_id in unpaid else set()
        dismissed = unpaid[cadre_id]["dismissal"] if cadre_id in unpaid else set()
        noncompliant = (
            len(short_days[cadre_id] - suspended - dismissed) if cadre_id in short_days else 0
        )
        shares = (
            month_share.get(cadre_id, rules.ZERO),
            quarter_share.get(cadre_id, rules.ZERO),
            measure_share.get(cadre_id, rules.ZERO),
        )
        inputs = (dispatch.score, noncompliant, shares, len(suspended | dismissed))
        settled = settled_of.get(inputs)
        if settled is None:
            settled = settled_of[inputs] = _settled_values(
                *inputs, penalty=penalty, no_pay_below=no_pay_below, days=days
            )
        rows.append(
            {
                "cadre_id": cadre_id,
                "township_id": township,
                "village_id": village_id,
                "post": post,
                "orders": dispatch.orders,
                "orders_late": dispatch.late,
                "orders_unscored": dispatch.unscored,
                "dispatch_score": dispatch.score,
                "noncompliant_duty_days": noncompliant,
                "duty_penalty_per_day": penalty,
                "violations": month_count.get(cadre_id, 0),
                "violation_month_share": min(rules.ONE, shares[0]),
                "violation_quarter_share": shares[1],
                "measure_share": min(rules.ONE, shares[2]),
                "days_in_month": days,
                "suspension_days": len(suspended),
                "dismissal_days": len(dismissed),
                **settled,
            }
        )
    return rows


def _settled_values(
    dispatch_score, noncompliant, shares, unpaid_days, *, penalty, no_pay_below, days
):
    """Return the score, ratios and shares the rules give for one set of a cadre's facts."""
    score = rules.monthly_score(
        dispatch=dispatch_score, noncompliant_days=noncompliant, penalty_per_day=penalty
    )
    ratio = rules.performance_ratio(score, no_pay_below=no_pay_below)
    month, quarter, measures = shares
    deduction = rules.deduction_share(
        violation_month=month, violation_quarter=quarter, measures=measures
    )
    paid_share = rules.paid_day_share(days=days, unpaid_days=unpaid_days)
    return {
        "monthly_score": score,
        "performance_ratio": ratio,
        "deduction_share": deduction,
        "paid_day_share": paid_share,
        "payable_performance_ratio": rules.payable_performance_ratio(
            ratio=ratio, deduction=deduction, paid_days=paid_share
        ),
    }


# What a settlement row holds besides its period, month and rules (the same in each row).
SETTLED_COLUMNS = (
    "cadre_id",
    "township_id",
    "village_id",
    "post",
    "orders",
    "orders_late",
    "orders_unscored",
    "dispatch_score",
    "noncompliant_duty_days",
    "duty_penalty_per_day",
    "violations",
    "violation_month_share",
    "violation_quarter_share",
    "measure_share",
    "days_in_month",
    "suspension_days",
    "dismissal_days",
    "monthly_score",
    "performance_ratio",
    "deduction_share",
    "paid_day_share",
    "payable_performance_ratio",
)


def _claim(month, *, actor, now, township_ids):
    """Mark a month's settlement as running under a new run id, or refuse (one runs).

    The claim is its own committed transaction, so that a second run anywhere sees it.
    """
    with transaction.atomic():
        period, _created = SettlementMonth.objects.get_or_create(month=month)
        period = SettlementMonth.objects.select_for_update().get(pk=period.pk)
        if period.is_locked:
            raise SettlementLockedError(
                _("The settlement of %(month)s is locked: it can no longer be run.")
                % {"month": month.strftime("%Y-%m")},
                code="locked",
            )
        if period.run_id and period.run_started_at and now - period.run_started_at < STALE_RUN:
            raise SettlementRunningError(
                _("A settlement of %(month)s is already running; try again when it ends.")
                % {"month": month.strftime("%Y-%m")},
                code="running",
            )
        versions = _rule_versions(SETTLEMENT_RULES, month)
        if period.rule_versions and period.rule_versions != versions:
            # Rows that hold None were settled with the period's versions, about to change:
            # they keep their own until this run replaces them (a split run may stop short).
            period.rows.filter(rule_versions__isnull=True).update(
                rule_versions=period.rule_versions
            )
        period.run_id = uuid.uuid4().hex
        period.run_started_at = now
        period.pending_townships = sorted(township_ids)
        period.rule_versions = versions
        period.duty_check_days = DutyCheck.objects.filter(
            date__range=(month, rules.last_of_month(month)), is_working_day=True
        ).count()
        period.save()
    return period


def _townships_of(month, period):
    """Return the townships a run writes: those with cadres to settle or rows to replace."""
    return set(
        settleable_cadres(month)
        .order_by()
        .values_list("village__township_id", flat=True)
        .distinct()
    ) | set(period.rows.order_by().values_list("township_id", flat=True).distinct())


def _release(period_id, run_id):
    SettlementMonth.objects.filter(pk=period_id, run_id=run_id).update(
        run_id="", run_started_at=None, pending_townships=[]
    )


def settlement_run(month, *, actor=None, now, today=None, split=False):
    """Settle a month: replace its rows in an open month, refuse a locked or running one.

    Without `split` the whole county is computed and written here, in one transaction.
    With it, the run is only claimed: the caller sends one Celery task per township
    (`tasks.send_township_parts`), each writes its part, and the last to finish closes
    the run; a township's part is safe to deliver twice.
    """
    month = rules.first_of_month(month)
    today = today or timezone.localtime(now).date()
    period = SettlementMonth.objects.filter(month=month).first()
    townships = (
        _townships_of(month, period)
        if period
        else set(
            settleable_cadres(month)
            .order_by()
            .values_list("village__township_id", flat=True)
            .distinct()
        )
    )
    period = _claim(month, actor=actor, now=now, township_ids=townships)
    if split and townships:
        # The caller sends one task per township (`tasks.send_township_parts`).
        audit.record(
            "settlement.queued",
            actor=actor,
            target=period,
            changes={"townships": [None, len(townships)]},
        )
        return period
    try:
        rows = settlement_compute(month, today=today, versions=period.rule_versions)
        return _write(period.pk, period.run_id, rows, township_ids=None, actor=actor, now=now)
    except BaseException:
        _release(period.pk, period.run_id)
        raise


def settlement_part_run(period_id, township_id, run_id, *, now, today):
    """Write one township's rows of a split run; ignore a stale or repeated delivery."""
    period = SettlementMonth.objects.filter(pk=period_id, run_id=run_id).first()
    if period is None or township_id not in period.pending_townships:
        return None
    rows = settlement_compute(
        period.month, today=today, versions=period.rule_versions, township_id=township_id
    )
    return _write(period_id, run_id, rows, township_ids=[township_id], actor=None, now=now)


@transaction.atomic
def _write(period_id, run_id, rows, *, township_ids, actor, now):
    """Replace the rows of a run's part and close the run when no part is left."""
    period = SettlementMonth.objects.select_for_update().get(pk=period_id)
    if period.run_id != run_id:
        return None  # another run took over: this one's results are dropped
    if period.is_locked:
        raise SettlementLockedError(_("The month was locked while it was being settled."))
    old = CadreMonth.objects.filter(period=period)
    if township_ids is not None:
        old = old.filter(township_id__in=township_ids)
        pending = [t for t in period.pending_townships if t not in township_ids]
    else:
        pending = []
    replaced = old.delete()[0]
    bulk.insert(
        CadreMonth,
        SETTLED_COLUMNS,
        [tuple(row[column] for column in SETTLED_COLUMNS) for row in rows],
        # No rule_versions: None, the period's (CadreMonth.rules_used).
        constants={"period_id": period.pk, "month": period.month},
    )
    period.pending_townships = pending
    if not pending:
        period.run_id = ""
        period.run_started_at = None
        period.settled_at = now
        period.settled_by = actor if getattr(actor, "pk", None) else None
        period.cadre_count = CadreMonth.objects.filter(period=period).count()
        audit.record(
            "settlement.run",
            actor=actor,
            target=period,
            changes={
                "cadres": [None, period.cadre_count],
                "replaced": [None, replaced],
                "rules": [None, period.rule_versions],
            },
        )
    period.save()
    return period


# Allowed moves of a month's status; a locked month never opens again (§8.2).
SETTLEMENT_TRANSITIONS = {
    SettlementMonth.Status.OPEN: {SettlementMonth.Status.LOCKED},
    SettlementMonth.Status.LOCKED: set(),
}


@transaction.atomic
def settlement_lock(period, *, actor, now):
    """Lock a settled month: its rows never change again (county staff)."""
    if not scoping.may_run_settlement(actor):
        raise PermissionDenied(_("Only county staff lock a monthly settlement."))
    period = SettlementMonth.objects.select_for_update().get(pk=period.pk)
    if SettlementMonth.Status.LOCKED not in SETTLEMENT_TRANSITIONS[period.status]:
        raise SettlementLockedError(_("This month is already locked."), code="locked")
    if period.is_running or period.settled_at is None:
        raise rules.PerformanceError(
            _("Only a settled month that is not running can be locked."), code="not_settled"
        )
    period.status = SettlementMonth.Status.LOCKED
    period.locked_at = now
    period.locked_by = actor
    period.save(update_fields=["status", "locked_at", "locked_by"])
    audit.record(
        "settlement.locked",
        actor=actor,
        target=period,
        changes={"status": [SettlementMonth.Status.OPEN, period.status]},
    )
    return period


# ---------------------------------------------------------------- annual assessment (§5.2)

GRADE_RULES = [
    rulebook.ASSESSMENT_EXCELLENT_FROM,
    rulebook.ASSESSMENT_COMPETENT_FROM,
    rulebook.ASSESSMENT_BASIC_FROM,
    rulebook.ASSESSMENT_EXCELLENT_QUOTA,
    rulebook.ASSESSMENT_DISSATISFIED_CAP,
    rulebook.TRAINING_MIN_DAYS_PER_YEAR,
]


def grade_inputs(year):
    """Return what the year's grade proposal needs, in a fixed handful of queries.

    {cadre id: {"township", "scores"}}, removals, training days, the training minimum,
    the evaluations' dissatisfied shares.
    """
    settled = defaultdict(lambda: {"township": None, "scores": []})
    for cadre_id, township_id, score in (
        CadreMonth.objects.filter(month__year=year)
        .order_by("cadre_id", "month")
        .values_list("cadre_id", "township_id", "monthly_score")
    ):
        entry = settled[cadre_id]
        entry["township"] = township_id
        entry["scores"].append(score)
    removals = set(
        Measure.objects.filter(
            kind=Measure.Kind.DISMISSAL, withdrawn_at__isnull=True, starts_on__year=year
        ).values_list("cadre_id", flat=True)
    ) | set(
        Violation.objects.filter(year=year, measure=Violation.Measure.REMOVAL).values_list(
            "cadre_id", flat=True
        )
    )
    training_days = training_selectors.training_days_by_cadre(year)
    dissatisfied = {
        cadre_id: rules.dissatisfied_share(
            satisfied=satisfied, basically_satisfied=basic, dissatisfied=bad
        )
        for cadre_id, satisfied, basic, bad in DemocraticEvaluation.objects.filter(
            year=year
        ).values_list("cadre_id", "satisfied", "basically_satisfied", "dissatisfied")
    }
    return settled, removals, training_days, dissatisfied


def grade_proposals(year, *, settled, removals, training_days, dissatisfied, values, confirmed):
    """Return {cadre id: (GradeProposal, township id, mean)} with the township quota applied.

    `confirmed` maps the cadres already confirmed to (township id, grade): they keep their
    grade and their 优秀 places count against the quota.
    """
    proposals = {}
    for cadre_id, entry in settled.items():
        if cadre_id in confirmed:
            continue
        mean = rules.mean_score(entry["scores"])
        proposal = rules.propose_grade(
            mean_score=mean,
            had_removal=cadre_id in removals,
            training_days=training_days.get(cadre_id, Decimal("0")),
            training_minimum=values[rulebook.TRAINING_MIN_DAYS_PER_YEAR],
            dissatisfied=dissatisfied.get(cadre_id),
            dissatisfied_cap=values[rulebook.ASSESSMENT_DISSATISFIED_CAP],
            excellent_from=values[rulebook.ASSESSMENT_EXCELLENT_FROM],
            competent_from=values[rulebook.ASSESSMENT_COMPETENT_FROM],
            basic_from=values[rulebook.ASSESSMENT_BASIC_FROM],
        )
        proposals[cadre_id] = (proposal, entry["township"], mean)
    graded = defaultdict(int)
    for _cadre_id, entry in settled.items():
        graded[entry["township"]] += 1
    taken = defaultdict(int)
    for township_id, grade in confirmed.values():
        if grade == rules.EXCELLENT:
            taken[township_id] += 1
    candidates = defaultdict(list)
    for cadre_id, (proposal, township_id, mean) in proposals.items():
        if proposal.grade == rules.EXCELLENT:
            candidates[township_id].append((cadre_id, mean))
    for township_id, pairs in candidates.items():
        quota = rules.excellent_quota(
            graded[township_id], share=values[rulebook.ASSESSMENT_EXCELLENT_QUOTA]
        )
        keep = rules.apply_excellent_quota(pairs, quota=quota, taken=taken[township_id])
        for cadre_id, _mean in pairs:
            if cadre_id not in keep:
                proposal, township, mean = proposals[cadre_id]
                proposals[cadre_id] = (
                    rules.GradeProposal(
                        grade=rules.COMPETENT,
                        by_score=proposal.by_score,
                        caps=(*proposal.caps, rules.CAP_QUOTA),
                    ),
                    township,
                    mean,
                )
    return proposals


# What a proposed grade holds of its own; year, minimum, rules and time are the run's.
PROPOSED_GRADE_COLUMNS = (
    "cadre_id",
    "township_id",
    "proposed_grade",
    "grade_by_score",
    "grade",
    "caps",
    "mean_score",
    "months_settled",
    "training_days",
    "dissatisfied_share",
    "had_removal",
)


@transaction.atomic
def grades_propose(year, *, actor=None, now):
    """Propose every settled cadre's grade of a year; confirmed grades stay as they are.

    Re-running replaces the year's proposals. Return how many were proposed.
    """
    on = datetime.date(year, 12, 31)
    versions = _rule_versions(GRADE_RULES, on)
    values = _typed_rules(versions)
    settled, removals, training_days, dissatisfied = grade_inputs(year)
    existing = AnnualGrade.objects.select_for_update().filter(year=year)
    confirmed = {
        cadre_id: (township_id, grade)
        for cadre_id, township_id, grade in existing.filter(
            status=AnnualGrade.Status.CONFIRMED
        ).values_list("cadre_id", "township_id", "grade")
    }
    proposals = grade_proposals(
        year,
        settled=settled,
        removals=removals,
        training_days=training_days,
        dissatisfied=dissatisfied,
        values=values,
        confirmed=confirmed,
    )
    stale = existing.filter(status=AnnualGrade.Status.PROPOSED)
    replaced = stale.delete()[0]
    # As rows (COPY on PostgreSQL): a province's 72,000 instances through bulk_create took
    # 8.8 s.
    minimum = values[rulebook.TRAINING_MIN_DAYS_PER_YEAR]
    bulk.insert(
        AnnualGrade,
        PROPOSED_GRADE_COLUMNS,
        [
            (
                cadre_id,
                township_id,
                proposal.grade,
                proposal.by_score,
                proposal.grade,
                list(proposal.caps),
                mean,
                len(settled[cadre_id]["scores"]),
                training_days.get(cadre_id, Decimal("0")),
                dissatisfied.get(cadre_id),
                cadre_id in removals,
            )
            for cadre_id, (proposal, township_id, mean) in sorted(proposals.items())
        ],
        constants={
            "year": year,
            "training_minimum": minimum,
            "rule_versions": versions,
            "proposed_at": now,
        },
    )
    audit.record(
        "grades.proposed",
        actor=actor,
        changes={
            "year": [None, year],
            "proposed": [replaced, len(proposals)],
            "confirmed_kept": [None, len(confirmed)],
        },
    )
    return len(proposals)


def _excellent_places_left(grade):
    quota_share = rulebook.rule_value(
        rulebook.ASSESSMENT_EXCELLENT_QUOTA, datetime.date(grade.year, 12, 31)
    )
    in_township = AnnualGrade.objects.filter(year=grade.year, township_id=grade.township_id)
    quota = rules.excellent_quota(in_township.count(), share=quota_share)
    taken = in_township.filter(grade=rules.EXCELLENT).exclude(pk=grade.pk).count()
    return quota - taken


@transaction.atomic
def grade_confirm(grade, *, actor, final_grade=None, reason="", now):
    """County staff confirm a proposed grade, or set another with the reason (§5.2)."""
    if not scoping.may_confirm_grades(actor):
        raise PermissionDenied(_("Only county staff confirm annual grades."))
    grade = AnnualGrade.objects.select_for_update().get(pk=grade.pk)
    if grade.status != AnnualGrade.Status.PROPOSED:
        raise rules.PerformanceError(_("This grade is already confirmed."), code="confirmed")
    final_grade = final_grade or grade.proposed_grade
    if final_grade not in rules.GRADES:
        raise ValidationError({"grade": _("Choose a grade.")})
    if final_grade != grade.proposed_grade and not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for changing the proposal.")})
    if (
        final_grade == rules.EXCELLENT
        and grade.proposed_grade != rules.EXCELLENT
        and _excellent_places_left(grade) < 1
    ):
        raise ValidationError(
            {
                "grade": _(
                    "The township has no place left for an excellent grade this year: the "
                    "county's share of excellent cadres is reached."
                )
            }
        )
    grade.status = AnnualGrade.Status.CONFIRMED
    grade.grade = final_grade
    grade.override_reason = (reason or "").strip() if final_grade != grade.proposed_grade else ""
    grade.confirmed_by = actor
    grade.confirmed_at = now
    grade.save(update_fields=["status", "grade", "override_reason", "confirmed_by", "confirmed_at"])
    audit.record(
        "grade.confirmed",
        actor=actor,
        target=grade,
        changes={
            "status": [AnnualGrade.Status.PROPOSED, grade.status],
            "grade": [grade.proposed_grade, grade.grade],
            "reason": [None, grade.override_reason or None],
        },
        township_id=grade.township_id,
    )
    return grade


@transaction.atomic
def grades_confirm_as_proposed(year, *, actor, now, township_id=None):
    """Confirm every proposed grade of a year (of one township) as proposed."""
    if not scoping.may_confirm_grades(actor):
        raise PermissionDenied(_("Only county staff confirm annual grades."))
    grades = AnnualGrade.objects.filter(year=year, status=AnnualGrade.Status.PROPOSED)
    if township_id:
        grades = grades.filter(township_id=township_id)
    count = grades.update(status=AnnualGrade.Status.CONFIRMED, confirmed_by=actor, confirmed_at=now)
    audit.record(
        "grades.confirmed",
        actor=actor,
        changes={"year": [None, year], "township": [None, township_id], "confirmed": [None, count]},
        township_id=township_id,
    )
    return count
