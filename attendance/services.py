"""Every write of full-time duty (POLICY §4): one function per change.

Each checks scope and the rules, writes in one transaction and records the audit event.
Dates and times come in as parameters (`now`, `today`): only views read the clock.
"""

import datetime
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres import services as cadre_services
from cadres.models import Cadre, CadreStatus, Role, Village
from longshan import audit, rulebook, scoping

from . import rules, selectors
from .models import (
    REMOVAL_SOURCE,
    CalendarOverride,
    CalendarYear,
    DutyCheck,
    DutyCheckItem,
    DutyLog,
    DutyLogCorrection,
    Inspection,
    InspectionFinding,
    LeaveRequest,
    LeaveStatus,
    RemovalOrder,
    RosterEntry,
    Violation,
)

# ---------------------------------------------------------------- calendar (§4.1)


def _check_calendar_editor(actor):
    if not scoping.may_edit_calendar(actor):
        raise PermissionDenied(_("Only county staff may change the working-day calendar."))


@transaction.atomic
def calendar_override_set(*, actor, date, is_working_day, reason):
    """Make a date a working day or a day off, whatever the national calendar says."""
    _check_calendar_editor(actor)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the override.")})
    before = CalendarOverride.objects.filter(date=date).first()
    override, _created = CalendarOverride.objects.update_or_create(
        date=date,
        defaults={"is_working_day": is_working_day, "reason": reason.strip(), "created_by": actor},
    )
    audit.record(
        "calendar.override_set",
        actor=actor,
        target=override,
        changes={
            "date": [None, str(date)],
            "is_working_day": [before.is_working_day if before else None, is_working_day],
            "reason": [before.reason if before else None, override.reason],
        },
    )
    return override


@transaction.atomic
def calendar_override_delete(override, *, actor):
    """Remove an override: the date follows the national calendar again."""
    _check_calendar_editor(actor)
    audit.record(
        "calendar.override_deleted",
        actor=actor,
        target=override,
        changes={"is_working_day": [override.is_working_day, None]},
    )
    override.delete()


@transaction.atomic
def calendar_year_enter(*, actor, year, holidays, makeup_days, reason):
    """Enter a year's holidays and make-up working days (for a year the library lacks).

    The year's other days follow the plain week. Dates already overridden are replaced.
    """
    _check_calendar_editor(actor)
    errors = {}
    outside = [day for day in [*holidays, *makeup_days] if day.year != year]
    if outside:
        errors["holidays"] = _("Every date must be in %(year)s.") % {"year": year}
    both = set(holidays) & set(makeup_days)
    if both:
        errors["makeup_days"] = _(
            "A date cannot be both a holiday and a make-up day: %(days)s."
        ) % {"days": ", ".join(day.isoformat() for day in sorted(both))}
    if not (reason or "").strip():
        errors["reason"] = _("Give the source of the dates, such as the State Council notice.")
    if errors:
        raise ValidationError(errors)
    CalendarOverride.objects.filter(date__in=[*holidays, *makeup_days]).delete()
    CalendarOverride.objects.bulk_create(
        [
            CalendarOverride(
                date=day, is_working_day=False, reason=reason.strip(), created_by=actor
            )
            for day in holidays
        ]
        + [
            CalendarOverride(date=day, is_working_day=True, reason=reason.strip(), created_by=actor)
            for day in makeup_days
        ]
    )
    entered, _created = CalendarYear.objects.get_or_create(
        year=year, defaults={"created_by": actor}
    )
    audit.record(
        "calendar.year_entered",
        actor=actor,
        target=entered,
        changes={
            "holidays": [None, [day.isoformat() for day in holidays]],
            "makeup_days": [None, [day.isoformat() for day in makeup_days]],
        },
    )
    return entered


# ---------------------------------------------------------------- duty log (§4.1)


def _duty_source(actor, cadre, day):
    """Return how the actor's entry for a cadre is made, or refuse (POLICY §1.4)."""
    if actor.role == Role.VILLAGE_SECRETARY and (
        scoping.cadres_on_duty_sheet_of(actor).filter(pk=cadre.pk).exists()
    ):
        return DutyLog.Source.SELF if actor.cadre_id == cadre.pk else DutyLog.Source.SECRETARY
    if actor.cadre_id == cadre.pk and rulebook.rule_value(rulebook.DUTY_SELF_SIGN_IN, day):
        return DutyLog.Source.SELF
    raise PermissionDenied(_("You may not record this cadre's duty."))


def _lock_day(cadre, day):
    """Lock the cadre, then their entries of the day (always in this order), and return them."""
    Cadre.objects.select_for_update().filter(pk=cadre.pk).first()
    return list(DutyLog.objects.select_for_update().filter(cadre=cadre, date=day))


def _minute(value):
    return value.replace(second=0, microsecond=0)


@transaction.atomic
def duty_log_create(cadre, *, actor, day, time_in, time_out=None, now):
    """Record a span at the service centre: a sign-in, or a whole span with its sign-out.

    No future date or time, no sign-out before the sign-in, no overlap with the cadre's
    other entries of the day (read under lock).
    """
    source = _duty_source(actor, cadre, day)
    if source == DutyLog.Source.SELF and actor.role == Role.VILLAGE_CADRE and day != now.date():
        raise ValidationError(_("You sign in and out for today only."))
    if cadre.status != CadreStatus.ACTIVE:
        raise ValidationError(_("Only a cadre in post is recorded on duty."))
    time_in = _minute(time_in)
    time_out = _minute(time_out) if time_out else None
    others = [(log.time_in, log.time_out) for log in _lock_day(cadre, day)]
    problem = rules.duty_span_problem(
        day=day, time_in=time_in, time_out=time_out, now=now, others=others
    )
    if problem:
        raise ValidationError(problem)
    log = DutyLog.objects.create(
        cadre=cadre,
        date=day,
        time_in=time_in,
        time_out=time_out,
        minutes=rules.span_minutes(time_in, time_out) if time_out else None,
        source=source,
        recorded_by=actor,
        ip_address=audit.client_address(),
    )
    audit.record(
        "duty.signed_in" if time_out is None else "duty.span_recorded",
        actor=actor,
        target=log,
        changes=audit.diff(
            {}, audit.snapshot(log, ["cadre", "date", "time_in", "time_out", "source"])
        ),
        township_id=cadre.village.township_id,
    )
    return log


@transaction.atomic
def duty_log_sign_out(log, *, actor, time_out, now):
    """Close an open span with its sign-out time."""
    cadre = log.cadre
    _duty_source(actor, cadre, log.date)
    locked = {entry.pk: entry for entry in _lock_day(cadre, log.date)}
    log = locked[log.pk]
    if log.time_out is not None:
        raise ValidationError(_("This entry is already signed out."))
    time_out = _minute(time_out)
    others = [(e.time_in, e.time_out) for pk, e in locked.items() if pk != log.pk]
    problem = rules.duty_span_problem(
        day=log.date, time_in=log.time_in, time_out=time_out, now=now, others=others
    )
    if problem:
        raise ValidationError(problem)
    log.time_out = time_out
    log.minutes = rules.span_minutes(log.time_in, time_out)
    log.save(update_fields=["time_out", "minutes", "updated_at"])
    audit.record(
        "duty.signed_out",
        actor=actor,
        target=log,
        changes={"time_out": [None, str(time_out)]},
        township_id=cadre.village.township_id,
    )
    return log


@transaction.atomic
def duty_log_correct(log, *, actor, time_in, time_out, reason, now):
    """Correct an entry's times; the correction keeps the old values, the reason and who."""
    if not scoping.duty_logs_correctable_by(actor).filter(pk=log.pk).exists():
        raise PermissionDenied(_("You may not correct this entry."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    cadre = log.cadre
    locked = {entry.pk: entry for entry in _lock_day(cadre, log.date)}
    log = locked[log.pk]
    time_in = _minute(time_in)
    time_out = _minute(time_out) if time_out else None
    others = [(e.time_in, e.time_out) for pk, e in locked.items() if pk != log.pk]
    problem = rules.duty_span_problem(
        day=log.date, time_in=time_in, time_out=time_out, now=now, others=others
    )
    if problem:
        raise ValidationError(problem)
    correction = DutyLogCorrection.objects.create(
        log=log,
        old_time_in=log.time_in,
        old_time_out=log.time_out,
        old_source=log.source,
        new_time_in=time_in,
        new_time_out=time_out,
        reason=reason.strip(),
        corrected_by=actor,
        ip_address=audit.client_address(),
    )
    before = audit.snapshot(log, ["time_in", "time_out", "source"])
    log.time_in, log.time_out = time_in, time_out
    log.minutes = rules.span_minutes(time_in, time_out) if time_out else None
    log.source = DutyLog.Source.CORRECTION
    log.recorded_by = actor
    log.ip_address = audit.client_address()
    log.save()
    audit.record(
        "duty.corrected",
        actor=actor,
        target=log,
        changes={
            **audit.diff(before, audit.snapshot(log, ["time_in", "time_out", "source"])),
            "reason": [None, correction.reason],
        },
        township_id=cadre.village.township_id,
    )
    return correction


# ---------------------------------------------------------------- roster (§4.2)


@transaction.atomic
def roster_plan(village, *, actor, day, cadres, today):
    """Set who is on duty at a village on a weekend or holiday (the village secretary)."""
    if not scoping.villages_roster_plannable_by(actor).filter(pk=village.pk).exists():
        raise PermissionDenied(_("You may not plan this village's roster."))
    if day < today:
        raise ValidationError(_("A past day's roster cannot be changed."))
    if selectors.working_calendar(day, day).is_working_day(day):
        raise ValidationError(
            _("%(day)s is a working day: the roster is for weekends and holidays.")
            % {"day": day.isoformat()}
        )
    wanted = {cadre.pk for cadre in cadres}
    allowed = set(
        Cadre.objects.filter(village=village, status=CadreStatus.ACTIVE, pk__in=wanted).values_list(
            "pk", flat=True
        )
    )
    if wanted - allowed:
        raise ValidationError(_("Only cadres in post at this village can be on its roster."))
    existing = set(
        RosterEntry.objects.select_for_update()
        .filter(village=village, date=day)
        .values_list("cadre_id", flat=True)
    )
    RosterEntry.objects.filter(village=village, date=day, cadre_id__in=existing - wanted).delete()
    RosterEntry.objects.bulk_create(
        [
            RosterEntry(village=village, date=day, cadre_id=cadre_id, planned_by=actor)
            for cadre_id in sorted(wanted - existing)
        ]
    )
    if existing != wanted:
        audit.record(
            "roster.planned",
            actor=actor,
            target=village,
            changes={
                "date": [None, day.isoformat()],
                "cadres": [sorted(existing), sorted(wanted)],
            },
            township_id=village.township_id,
        )


# ---------------------------------------------------------------- leave (§4.3)


def _move_leave(leave, status):
    rules.check_leave_transition(leave.status, status)
    leave.status = status


def _lock_leave(leave):
    return (
        LeaveRequest.objects.select_for_update().select_related("cadre__village").get(pk=leave.pk)
    )


@transaction.atomic
def leave_request(*, actor, kind, starts_at, ends_at, reason, now):
    """Ask for leave for oneself; it waits for the approver (§4.3)."""
    if not scoping.may_ask_for_leave(actor):
        raise PermissionDenied(_("Only a cadre asks for leave, for themselves."))
    cadre = Cadre.objects.select_for_update().select_related("village").get(pk=actor.cadre_id)
    errors = {}
    if ends_at <= starts_at:
        errors["ends_at"] = _("The leave must end after it starts.")
    if timezone.localtime(starts_at).date() < timezone.localtime(now).date():
        errors["starts_at"] = _("Leave is asked for before it starts, not afterwards.")
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason for the leave.")
    if errors:
        raise ValidationError(errors)
    overlapping = LeaveRequest.objects.filter(
        cadre=cadre,
        status__in=[LeaveStatus.PENDING, LeaveStatus.APPROVED],
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    )
    if overlapping.exists():
        raise ValidationError(_("This leave overlaps another leave request of yours."))
    leave = LeaveRequest.objects.create(
        cadre=cadre,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason.strip(),
        requested_by=actor,
        requested_at=now,
    )
    audit.record(
        "leave.requested",
        actor=actor,
        target=leave,
        changes=audit.diff(
            {}, audit.snapshot(leave, ["cadre", "kind", "starts_at", "ends_at", "reason"])
        ),
        township_id=cadre.village.township_id,
    )
    return leave


def _check_decider(leave, actor):
    if actor.cadre_id and actor.cadre_id == leave.cadre_id:
        raise PermissionDenied(_("Nobody approves their own leave."))
    if not scoping.leave_requests_decidable_by(actor).filter(pk=leave.pk).exists():
        raise PermissionDenied(_("You may not decide this leave request."))


def _leave_years(leave):
    first = timezone.localtime(leave.starts_at).year
    last = timezone.localtime(leave.ends_at).year
    return list(range(first, last + 1))


@transaction.atomic
def leave_decide(leave, *, actor, approve, comment, now):
    """Approve or reject a pending leave request, with a comment (a rejection needs one)."""
    _check_decider(leave, actor)
    if not approve and not (comment or "").strip():
        raise ValidationError({"comment": _("Say why the leave is rejected.")})
    leave = _lock_leave(leave)
    _move_leave(leave, LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED)
    leave.decided_by, leave.decided_at = actor, now
    leave.decision_comment = (comment or "").strip()
    leave.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    audit.record(
        "leave.approved" if approve else "leave.rejected",
        actor=actor,
        target=leave,
        changes={
            "status": [LeaveStatus.PENDING, leave.status],
            "comment": [None, leave.decision_comment],
        },
        township_id=leave.cadre.village.township_id,
    )
    if approve:
        violations_rederive([leave.cadre_id], _leave_years(leave), actor=actor)
    return leave


@transaction.atomic
def leave_cancel(leave, *, actor, now):
    """Withdraw one's own leave: while it waits, or once approved but before it starts."""
    if actor.cadre_id != leave.cadre_id:
        raise PermissionDenied(_("Only the cadre who asked may cancel the leave."))
    leave = _lock_leave(leave)
    before = leave.status
    if before == LeaveStatus.APPROVED and now >= leave.starts_at:
        raise ValidationError(
            _("Leave that has started cannot be cancelled: report back from it instead.")
        )
    _move_leave(leave, LeaveStatus.CANCELLED)
    leave.cancelled_at = now
    leave.save(update_fields=["status", "cancelled_at"])
    audit.record(
        "leave.cancelled",
        actor=actor,
        target=leave,
        changes={"status": [before, leave.status]},
        township_id=leave.cadre.village.township_id,
    )
    if before == LeaveStatus.APPROVED:
        violations_rederive([leave.cadre_id], _leave_years(leave), actor=actor)
    return leave


@transaction.atomic
def leave_report_back(leave, *, actor, returned_at, now):
    """Close approved leave by reporting back (销假), with the actual return time.

    The cadre reports back, or the one who may decide the leave records it.
    """
    may_decide = scoping.leave_requests_decidable_by(actor).filter(pk=leave.pk).exists()
    if actor.cadre_id != leave.cadre_id and not may_decide:
        raise PermissionDenied(_("You may not report back from this leave."))
    leave = _lock_leave(leave)
    if leave.status == LeaveStatus.APPROVED:
        if returned_at < leave.starts_at:
            raise ValidationError(
                {"returned_at": _("The return cannot be before the leave starts.")}
            )
        if returned_at > now:
            raise ValidationError({"returned_at": _("The return cannot be in the future.")})
    _move_leave(leave, LeaveStatus.CLOSED)
    leave.returned_at, leave.closed_by = returned_at, actor
    leave.save(update_fields=["status", "returned_at", "closed_by"])
    audit.record(
        "leave.closed",
        actor=actor,
        target=leave,
        changes={
            "status": [LeaveStatus.APPROVED, leave.status],
            "returned_at": [None, str(returned_at)],
        },
        township_id=leave.cadre.village.township_id,
    )
    violations_rederive([leave.cadre_id], _leave_years(leave), actor=actor)
    return leave


# ---------------------------------------------------------------- inspections (§4.4)


@transaction.atomic
def inspection_record(*, actor, village, at, absent_cadre_ids, note="", now):
    """Record a visit to a village: every cadre in post present but those found absent.

    Each absence not covered by approved leave becomes a violation on the cadre's ladder.
    """
    if not scoping.villages_inspectable_by(actor).filter(pk=village.pk).exists():
        raise PermissionDenied(_("You may not inspect this village."))
    if at > now:
        raise ValidationError({"at": _("An inspection cannot be recorded for a future time.")})
    cadres = list(
        Cadre.objects.filter(village=village, status=CadreStatus.ACTIVE).values_list(
            "pk", flat=True
        )
    )
    absent = set(absent_cadre_ids)
    if absent - set(cadres):
        raise ValidationError(_("Only cadres in post at this village can be found absent."))
    if not cadres:
        raise ValidationError(_("This village has no cadre in post to inspect."))
    level = (
        Inspection.Level.COUNTY if actor.role == Role.COUNTY_STAFF else Inspection.Level.TOWNSHIP
    )
    inspection = Inspection.objects.create(
        village=village, at=at, level=level, inspector=actor, note=(note or "").strip()
    )
    InspectionFinding.objects.bulk_create(
        [
            InspectionFinding(
                inspection=inspection, cadre_id=cadre_id, present=cadre_id not in absent
            )
            for cadre_id in cadres
        ]
    )
    audit.record(
        "inspection.recorded",
        actor=actor,
        target=inspection,
        changes={
            "village": [None, village.pk],
            "at": [None, str(at)],
            "absent": [None, sorted(absent)],
        },
        township_id=village.township_id,
    )
    if absent:
        violations_rederive(sorted(absent), [timezone.localtime(at).year], actor=actor)
    return inspection


@transaction.atomic
def inspection_withdraw(inspection, *, actor, reason, now):
    """Withdraw a mistaken inspection; the ladder of its absent cadres is derived again."""
    if not scoping.inspections_withdrawable_by(actor).filter(pk=inspection.pk).exists():
        raise PermissionDenied(_("You may not withdraw this inspection."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the withdrawal.")})
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    inspection.withdrawn_at, inspection.withdrawn_by = now, actor
    inspection.withdraw_reason = reason.strip()
    inspection.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    audit.record(
        "inspection.withdrawn",
        actor=actor,
        target=inspection,
        changes={"withdrawn_at": [None, str(now)], "reason": [None, inspection.withdraw_reason]},
        township_id=inspection.village.township_id,
    )
    absent = list(inspection.findings.filter(present=False).values_list("cadre_id", flat=True))
    if absent:
        violations_rederive(absent, [timezone.localtime(inspection.at).year], actor=actor)
    return inspection


def _year_bounds(year):
    start = timezone.make_aware(datetime.datetime(year, 1, 1))
    return start, timezone.make_aware(datetime.datetime(year + 1, 1, 1))


@transaction.atomic
def violations_rederive(cadre_ids, years, *, actor=None, record_audit=True):
    """Derive again the violation ladders of some cadres and years (§4.4), set-based.

    Loads the years' absences and covering leave in two queries, numbers the uncovered
    absences of each cadre's calendar year in time order, applies the rule and rewrites
    only what changed; opens or cancels the pending removal that a third violation calls
    for. Return how many violations changed.
    """
    book = rulebook.RuleBook.load(
        [
            rulebook.VIOLATION_FIRST_DEDUCTION_RATIO,
            rulebook.VIOLATION_SECOND_DEDUCTION_RATIO,
            rulebook.VIOLATION_THIRD_DEDUCTION_RATIO,
        ]
    )
    changed = 0
    for year in sorted(set(years)):
        start, end = _year_bounds(year)
        findings = (
            InspectionFinding.objects.filter(
                cadre_id__in=cadre_ids,
                present=False,
                inspection__withdrawn_at__isnull=True,
                inspection__at__gte=start,
                inspection__at__lt=end,
            )
            .select_related("inspection")
            .order_by("inspection__at", "inspection_id")
        )
        leave_periods = defaultdict(list)
        for leave in LeaveRequest.objects.filter(
            selectors.covering_leave_q(start, end), cadre_id__in=cadre_ids
        ):
            leave_periods[leave.cadre_id].append((leave.starts_at, leave.covered_until))
        wanted = {}
        nth_by_cadre = defaultdict(int)
        for finding in findings:
            at = finding.inspection.at
            if rules.absence_is_covered(at, leave_periods[finding.cadre_id]):
                continue
            nth_by_cadre[finding.cadre_id] += 1
            on = timezone.localtime(at).date()
            consequence = rules.violation_consequence(
                nth_by_cadre[finding.cadre_id],
                first_ratio=book.value(rulebook.VIOLATION_FIRST_DEDUCTION_RATIO, on),
                second_ratio=book.value(rulebook.VIOLATION_SECOND_DEDUCTION_RATIO, on),
                third_ratio=book.value(rulebook.VIOLATION_THIRD_DEDUCTION_RATIO, on),
            )
            wanted[finding.pk] = (
                finding.cadre_id,
                consequence.nth,
                rules.first_of_month(on),
                consequence.deduction_kind,
                consequence.deduction_ratio,
                consequence.measure,
            )
        existing = {
            violation.finding_id: violation
            for violation in Violation.objects.select_for_update().filter(
                cadre_id__in=cadre_ids, year=year
            )
        }
        stale = [
            violation.pk
            for finding_id, violation in existing.items()
            if _violation_key(violation) != wanted.get(finding_id)
        ]
        RemovalOrder.objects.filter(violation_id__in=stale).update(violation=None)
        Violation.objects.filter(pk__in=stale).delete()
        kept = {finding_id for finding_id, v in existing.items() if v.pk not in stale}
        new = [
            Violation(
                finding_id=finding_id,
                cadre_id=cadre_id,
                year=year,
                nth=nth,
                month=month,
                deduction_kind=kind,
                deduction_ratio=ratio,
                measure=measure,
            )
            for finding_id, (cadre_id, nth, month, kind, ratio, measure) in wanted.items()
            if finding_id not in kept
        ]
        Violation.objects.bulk_create(new)
        changed += len(stale) + len(new)
        touched = {existing[f].cadre_id for f in existing if existing[f].pk in stale}
        touched |= {wanted[f][0] for f in wanted if f not in kept}
        for cadre_id in sorted(touched) if record_audit else []:
            audit.record(
                "violations.rederived",
                actor=actor,
                changes={
                    "cadre": [None, cadre_id],
                    "year": [None, year],
                    "violations": [
                        sum(1 for v in existing.values() if v.cadre_id == cadre_id),
                        sum(1 for w in wanted.values() if w[0] == cadre_id),
                    ],
                },
            )
        _sync_removals(cadre_ids, year, actor=actor, record_audit=record_audit)
    return changed


def _violation_key(violation):
    return (
        violation.cadre_id,
        violation.nth,
        violation.month,
        violation.deduction_kind,
        violation.deduction_ratio,
        violation.measure,
    )


def _sync_removals(cadre_ids, year, *, actor, record_audit=True):
    """Open a pending removal for each cadre-year whose ladder reaches removal; cancel the
    pending ones whose ladder no longer does."""
    first_removal = {}
    for violation in Violation.objects.filter(
        cadre_id__in=cadre_ids, year=year, measure=Violation.Measure.REMOVAL
    ).order_by("nth"):
        first_removal.setdefault(violation.cadre_id, violation)
    pending = {
        order.cadre_id: order
        for order in RemovalOrder.objects.select_for_update().filter(
            cadre_id__in=cadre_ids, year=year, status=RemovalOrder.Status.PENDING
        )
    }
    for cadre_id in cadre_ids:
        violation, order = first_removal.get(cadre_id), pending.get(cadre_id)
        if violation and order is None:
            order = RemovalOrder.objects.create(cadre_id=cadre_id, year=year, violation=violation)
            # §4.4: the removal opens the removal event of the appointment history (§3.6),
            # pending until county staff confirm it.
            cadre_services.open_removal(
                cadre_id=cadre_id,
                on=timezone.localtime(violation.finding.inspection.at).date(),
                reason=_("Third unauthorised absence of %(year)s (POLICY §4.4)") % {"year": year},
                source=REMOVAL_SOURCE,
                source_ref=str(order.pk),
                actor=actor,
            )
            if record_audit:
                audit.record(
                    "removal.opened",
                    actor=actor,
                    target=order,
                    changes={"cadre": [None, cadre_id], "violation": [None, violation.pk]},
                )
        elif violation and order.violation_id != violation.pk:
            order.violation = violation
            order.save(update_fields=["violation"])
        elif violation is None and order is not None:
            order.status = RemovalOrder.Status.CANCELLED
            order.cancelled_at = timezone.now()
            order.cancel_reason = _("The violation that called for it no longer stands.")
            order.save(update_fields=["status", "cancelled_at", "cancel_reason"])
            cadre_services.withdraw_removal(
                source=REMOVAL_SOURCE, source_ref=str(order.pk), actor=actor
            )
            audit.record(
                "removal.cancelled",
                actor=actor,
                target=order,
                changes={"status": [RemovalOrder.Status.PENDING, order.status]},
            )


# ---------------------------------------------------------------- daily duty check (§4.1, §4.2)


def duty_check_run(day, *, now, record_audit=True):
    """Compute the duty check of a day and replace its findings in one transaction.

    On a working day: each full-time cadre in post (and in post by that day) without a
    duty log, or short of the minimum hours, unless on approved leave. On a weekend or
    holiday: each village with nobody planned or, once the day has passed, nobody signed
    in. Re-running a day gives the same findings. Raise CalendarUnknownError for a date
    the calendar does not know.
    """
    working = selectors.working_calendar(day, day).is_working_day(day)
    items = []
    if working:
        village_hours, community_hours = selectors.duty_minimums(day)
        cadres = Cadre.objects.filter(
            status=CadreStatus.ACTIVE, is_full_time=True, start_date__lte=day
        ).values_list("pk", "village_id", "village__kind")
        start, end = selectors._day_bounds(day)
        excused = set(
            LeaveRequest.objects.filter(selectors.covering_leave_q(start, end)).values_list(
                "cadre_id", flat=True
            )
        )
        minutes = dict(
            DutyLog.objects.filter(date=day)
            .values("cadre_id")
            .annotate(total=Sum("minutes", default=0))
            .values_list("cadre_id", "total")
        )
        for cadre_id, village_id, kind in cadres:
            if cadre_id in excused:
                continue
            minimum = community_hours if kind == Village.Kind.COMMUNITY else village_hours
            if cadre_id not in minutes:
                items.append(
                    DutyCheckItem(
                        village_id=village_id,
                        cadre_id=cadre_id,
                        kind=DutyCheckItem.Kind.MISSING_LOG,
                        hours=0,
                        minimum_hours=minimum,
                    )
                )
                continue
            hours, compliant = rules.duty_compliance(
                minutes=minutes[cadre_id], minimum_hours=minimum
            )
            if not compliant:
                items.append(
                    DutyCheckItem(
                        village_id=village_id,
                        cadre_id=cadre_id,
                        kind=DutyCheckItem.Kind.SHORT_HOURS,
                        hours=hours,
                        minimum_hours=minimum,
                    )
                )
    else:
        planned = set(RosterEntry.objects.filter(date=day).values_list("village_id", flat=True))
        signed_in = set(
            DutyLog.objects.filter(date=day).values_list("cadre__village_id", flat=True)
        )
        day_has_passed = day <= timezone.localtime(now).date()
        for village_id in Village.objects.order_by("code").values_list("pk", flat=True):
            if rules.roster_gap(
                planned=int(village_id in planned),
                signed_in=int(village_id in signed_in),
                day_has_passed=day_has_passed,
            ):
                items.append(
                    DutyCheckItem(village_id=village_id, kind=DutyCheckItem.Kind.ROSTER_GAP)
                )
    with transaction.atomic():
        check, _created = DutyCheck.objects.select_for_update().update_or_create(
            date=day, defaults={"is_working_day": working, "computed_at": now}
        )
        DutyCheckItem.objects.filter(check_run=check).delete()
        for item in items:
            item.check_run = check
        DutyCheckItem.objects.bulk_create(items, batch_size=1000)
        if record_audit:
            audit.record(
                "duty_check.computed",
                actor=None,
                target=check,
                changes={"items": [None, len(items)], "working_day": [None, working]},
            )
    return check
