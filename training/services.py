"""Every write of training: one function per change (POLICY §6).

Each checks scope and the rules, writes in one transaction and records one audit event.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _

from cadres.models import Cadre
from longshan import audit, scoping

from . import rules
from .models import (
    EducationProgrammeEntry,
    Secondment,
    TrainingAttendance,
    TrainingEnrolment,
    TrainingEvent,
)
from .selectors import SITTING

EVENT_FIELDS = [
    "title",
    "event_type",
    "level",
    "township",
    "start_date",
    "end_date",
    "place",
    "days",
    "note",
]
SECONDMENT_FIELDS = ["township", "office", "start_date", "end_date", "note"]
EDUCATION_FIELDS = ["institution", "major", "start_date", "graduation_date", "note"]


class AttendanceSheetError(Exception):
    """An attendance sheet with at least one bad row: nothing was saved."""

    def __init__(self, rows):
        super().__init__(f"{sum(not row.ok for row in rows)} bad rows")
        self.rows = rows


def _require_manager(actor):
    if not scoping.may_manage_training(actor):
        raise PermissionDenied(_("Only county staff plan training and keep these records."))


def _require_recorder(actor, event):
    if not scoping.training_events_recordable_by(actor).filter(pk=event.pk).exists():
        raise PermissionDenied(_("You may not record attendance for this event."))


def _lock_event(event):
    """Lock the event's row so that its days cannot change while attendance is written."""
    return TrainingEvent.objects.select_for_update().get(pk=event.pk)


# ---------------------------------------------------------------- events


def _validate_event(event):
    problems = rules.event_problems(
        level=event.level,
        has_township=event.township_id is not None,
        start_date=event.start_date,
        end_date=event.end_date,
        days=event.days,
    )
    if problems:
        raise ValidationError(problems)
    event.full_clean()
    event.days = event.days.quantize(rules.ONE_DECIMAL)


@transaction.atomic
def event_create(*, actor, data):
    """Plan a training event (county staff)."""
    _require_manager(actor)
    event = TrainingEvent(**{field: data.get(field) for field in EVENT_FIELDS if field in data})
    event.note = event.note or ""
    _validate_event(event)
    event.save()
    audit.record(
        "training.event_created",
        actor=actor,
        target=event,
        changes=audit.diff({}, audit.snapshot(event, EVENT_FIELDS)),
        township_id=event.township_id,
    )
    return event


@transaction.atomic
def event_update(event, *, actor, data):
    """Change an event; its days may not drop below the days already recorded for anyone."""
    _require_manager(actor)
    event = _lock_event(event)
    before = audit.snapshot(event, EVENT_FIELDS)
    for field in EVENT_FIELDS:
        if field in data:
            setattr(event, field, data[field])
    event.note = event.note or ""
    _validate_event(event)
    over = event.attendances.filter(days__gt=event.days).aggregate(n=Count("id"), most=Max("days"))
    if over["n"]:
        raise ValidationError(
            {
                "days": _(
                    "%(count)s cadres are recorded with more days than that (up to %(most)s): "
                    "correct their attendance first."
                )
                % {"count": over["n"], "most": over["most"]}
            }
        )
    event.save()
    changes = audit.diff(before, audit.snapshot(event, EVENT_FIELDS))
    if changes:
        audit.record(
            "training.event_changed",
            actor=actor,
            target=event,
            changes=changes,
            township_id=event.township_id,
        )
    return event


@transaction.atomic
def cadres_enrol(event, *, actor, townships=(), villages=(), posts=()):
    """Enrol the full-time cadres in post of some townships or villages, of some posts.

    Returns (newly enrolled, already enrolled). Posts alone enrol those posts county-wide.
    """
    _require_manager(actor)
    township_ids = sorted(township.pk for township in townships)
    village_ids = sorted(village.pk for village in villages)
    posts = sorted(posts)
    if not (township_ids or village_ids or posts):
        raise ValidationError(_("Choose townships, villages or posts to enrol."))
    cadres = Cadre.objects.filter(status__in=SITTING, is_full_time=True)
    if township_ids or village_ids:
        cadres = cadres.filter(
            Q(village__township_id__in=township_ids) | Q(village_id__in=village_ids)
        )
    if posts:
        cadres = cadres.filter(post__in=posts)
    chosen = set(cadres.values_list("id", flat=True))
    already = set(
        TrainingEnrolment.objects.filter(event=event, cadre_id__in=chosen).values_list(
            "cadre_id", flat=True
        )
    )
    new = sorted(chosen - already)
    TrainingEnrolment.objects.bulk_create(
        [TrainingEnrolment(event=event, cadre_id=cadre_id) for cadre_id in new], batch_size=500
    )
    if new:
        audit.record(
            "training.cadres_enrolled",
            actor=actor,
            target=event,
            changes={
                "cadres": [None, new],
                "townships": [None, township_ids],
                "villages": [None, village_ids],
                "posts": [None, posts],
            },
            township_id=event.township_id,
        )
    return len(new), len(already)


# ---------------------------------------------------------------- attendance


def _apply_attendance(event, days_by_cadre):
    """Create, change or remove attendance rows; return {cadre id: [before, after]}."""
    existing = {
        row.cadre_id: row
        for row in TrainingAttendance.objects.filter(event=event, cadre_id__in=list(days_by_cadre))
    }
    to_create, to_update, to_delete, changes = [], [], [], {}
    for cadre_id, days in sorted(days_by_cadre.items()):
        row = existing.get(cadre_id)
        before = row.days if row else None
        if before == days:
            continue
        changes[str(cadre_id)] = [
            None if before is None else str(before),
            None if days is None else str(days),
        ]
        if row is None:
            to_create.append(TrainingAttendance(event=event, cadre_id=cadre_id, days=days))
        elif days is None:
            to_delete.append(row.pk)
        else:
            row.days = days
            to_update.append(row)
    TrainingAttendance.objects.bulk_create(to_create, batch_size=500)
    TrainingAttendance.objects.bulk_update(to_update, ["days"], batch_size=500)
    TrainingAttendance.objects.filter(pk__in=to_delete).delete()
    return changes


@transaction.atomic
def attendance_record(event, *, actor, days_by_cadre):
    """Record the days each cadre attended an event; None removes a cadre's record.

    County staff record any event; a township official the sessions below county level of
    their own township, for their township's cadres.
    """
    event = _lock_event(event)
    _require_recorder(actor, event)
    cadre_ids = set(days_by_cadre)
    allowed = set(
        scoping.cadres_trainable_by(actor).filter(pk__in=cadre_ids).values_list("id", flat=True)
    )
    if cadre_ids - allowed:
        raise PermissionDenied(_("You may not record attendance for some of these cadres."))
    errors = {}
    for cadre_id, days in days_by_cadre.items():
        if days is not None:
            problem = rules.attendance_days_problem(days, event_days=event.days)
            if problem:
                errors[f"days_{cadre_id}"] = problem
    if errors:
        raise ValidationError(errors)
    changes = _apply_attendance(event, days_by_cadre)
    if changes:
        audit.record(
            "training.attendance_recorded",
            actor=actor,
            target=event,
            changes=changes,
            township_id=event.township_id,
        )
    return changes


def attendance_sheet_check(event, *, actor, rows):
    """Return every row of an attendance sheet checked against the roster and the event."""
    _require_recorder(actor, event)
    id_numbers = {str(row.id_number or "").strip().upper() for row in rows} - {""}
    found = list(
        Cadre.objects.filter(id_number__in=id_numbers).values_list("id", "id_number", "name")
    )
    in_scope = set(
        scoping.cadres_trainable_by(actor)
        .filter(id_number__in=id_numbers)
        .values_list("id", flat=True)
    )
    roster = {
        id_number: rules.RosterEntry(cadre_id=pk, name=name, in_scope=pk in in_scope)
        for pk, id_number, name in found
    }
    recorded = dict(
        TrainingAttendance.objects.filter(
            event=event, cadre_id__in=[pk for pk, _id, _name in found]
        ).values_list("cadre_id", "days")
    )
    return rules.check_attendance_sheet(
        rows, roster=roster, event_days=event.days, recorded=recorded
    )


@transaction.atomic
def attendance_sheet_import(event, *, actor, rows, file_name):
    """Save a whole attendance sheet, or nothing if any row is bad (AttendanceSheetError).

    The rows are checked again inside the transaction, against the locked event, so a
    preview that has gone stale cannot save a bad row. One audit event for the file.
    """
    event = _lock_event(event)
    checked = attendance_sheet_check(event, actor=actor, rows=rows)
    if not checked or any(not row.ok for row in checked):
        raise AttendanceSheetError(checked)
    changes = _apply_attendance(event, {row.cadre_id: row.days for row in checked})
    audit.record(
        "training.attendance_imported",
        actor=actor,
        target=event,
        changes={"file": [None, file_name], "rows": [None, len(checked)], **changes},
        township_id=event.township_id,
    )
    return checked


# ---------------------------------------------------------------- secondments, education


def _save_record(record, fields, data, *, actor, action_prefix, cadre):
    before = audit.snapshot(record, fields) if record.pk else {}
    created = record.pk is None
    for field in fields:
        if field in data:
            value = data[field]
            setattr(record, field, "" if value is None and field == "note" else value)
    record.full_clean()
    record.save()
    changes = audit.diff(before, audit.snapshot(record, fields))
    if created:
        changes["cadre"] = [None, cadre.pk]
    if changes:
        audit.record(
            f"{action_prefix}_{'created' if created else 'changed'}",
            actor=actor,
            target=record,
            changes=changes,
            township_id=cadre.village.township_id,
        )
    return record


@transaction.atomic
def secondment_create(*, actor, cadre, data):
    """Put a secondment to a township office on a cadre's record (挂职锻炼, county staff)."""
    _require_manager(actor)
    return _save_record(
        Secondment(cadre=cadre),
        SECONDMENT_FIELDS,
        data,
        actor=actor,
        action_prefix="training.secondment",
        cadre=cadre,
    )


@transaction.atomic
def secondment_update(secondment, *, actor, data):
    _require_manager(actor)
    return _save_record(
        secondment,
        SECONDMENT_FIELDS,
        data,
        actor=actor,
        action_prefix="training.secondment",
        cadre=secondment.cadre,
    )


@transaction.atomic
def education_entry_create(*, actor, cadre, data):
    """Put an education-programme place on a cadre's record (一村一大, county staff)."""
    _require_manager(actor)
    return _save_record(
        EducationProgrammeEntry(cadre=cadre),
        EDUCATION_FIELDS,
        data,
        actor=actor,
        action_prefix="training.education_entry",
        cadre=cadre,
    )


@transaction.atomic
def education_entry_update(entry, *, actor, data):
    _require_manager(actor)
    return _save_record(
        entry,
        EDUCATION_FIELDS,
        data,
        actor=actor,
        action_prefix="training.education_entry",
        cadre=entry.cadre,
    )
