"""Every write to the organisation tree, the roster and the users: one function per change.

Each one checks scope and rules, writes in one transaction and records the audit event.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from longshan import audit, rulebook, scoping

from . import names, rules
from .models import (
    AppointmentEvent,
    Attestation,
    Cadre,
    Candidate,
    DisqualifierItem,
    Relation,
    User,
    VettingCase,
    VettingReview,
)

CADRE_FIELDS = [
    "name",
    "ethnicity",
    "id_number",
    "phone",
    "education",
    "political_status",
    "party_join_date",
    "village",
    "post",
    "is_full_time",
    "status",
    "start_date",
]
# Village, post, status and start date follow from the appointment history (§3.6): an
# edit of the record never changes them.
HISTORY_FIELDS = ["village", "post", "status", "start_date"]
EDITABLE_CADRE_FIELDS = [field for field in CADRE_FIELDS if field not in HISTORY_FIELDS]
VILLAGE_FIELDS = ["name", "kind", "population", "area_km2"]


def _check_village_in_scope(village, actor):
    if not scoping.villages_open_for_new_cadres(actor).filter(pk=village.pk).exists():
        raise PermissionDenied(_("You may not put a cadre in this village."))


def _save_cadre(cadre):
    """Derive the ID-based fields, validate every field and constraint, then save."""
    try:
        cadre.derive_fields()
    except ValueError as error:
        raise ValidationError({"id_number": getattr(error, "message", str(error))}) from None
    cadre.full_clean()
    cadre.save()


@transaction.atomic
def cadre_create(*, actor, data, reason=""):
    """Add a cadre to the roster, in post from the start date: their appointment event."""
    _check_village_in_scope(data["village"], actor)
    fields = {field: data.get(field) for field in CADRE_FIELDS if field in data}
    fields["status"] = Cadre.Status.ACTIVE
    cadre = Cadre(**fields)
    _check_relatives(cadre.id_number, cadre.name, cadre.village, exclude_cadre_id=None)
    _save_cadre(cadre)
    AppointmentEvent.objects.create(
        cadre=cadre,
        kind=AppointmentEvent.Kind.APPOINTMENT,
        on=cadre.start_date,
        village=cadre.village,
        post=cadre.post,
        reason=reason or _("Added to the roster"),
        decided_by=actor if getattr(actor, "pk", None) else None,
        decided_by_name=_actor_name(actor),
        decided_at=timezone.now(),
    )
    audit.record(
        "cadre.created",
        actor=actor,
        target=cadre,
        changes=audit.diff({}, audit.snapshot(cadre, CADRE_FIELDS)),
        township_id=cadre.village.township_id,
    )
    return cadre


@transaction.atomic
def cadre_update(cadre, *, actor, data):
    """Change a cadre's roster record; the audit event keeps the values before and after."""
    if not scoping.cadres_editable_by(actor).filter(pk=cadre.pk).exists():
        raise PermissionDenied(_("You may not change this cadre's record."))
    before = audit.snapshot(cadre, CADRE_FIELDS)
    for field in EDITABLE_CADRE_FIELDS:
        if field in data:
            setattr(cadre, field, data[field])
    _save_cadre(cadre)
    changes = audit.diff(before, audit.snapshot(cadre, CADRE_FIELDS))
    if changes:
        audit.record(
            "cadre.changed",
            actor=actor,
            target=cadre,
            changes=changes,
            township_id=cadre.village.township_id,
        )
    return cadre


@transaction.atomic
def village_update(village, *, actor, data):
    """Change a village's name, kind, population or area (county staff)."""
    if not scoping.villages_editable_by(actor).filter(pk=village.pk).exists():
        raise PermissionDenied(_("You may not change this village."))
    before = audit.snapshot(village, VILLAGE_FIELDS)
    for field in VILLAGE_FIELDS:
        if field in data:
            setattr(village, field, data[field])
    village.full_clean()
    village.save()
    changes = audit.diff(before, audit.snapshot(village, VILLAGE_FIELDS))
    if changes:
        audit.record(
            "village.changed",
            actor=actor,
            target=village,
            changes=changes,
            township_id=village.township_id,
        )
    return village


@transaction.atomic
def user_create(
    *,
    actor,
    username,
    password,
    role,
    full_name="",
    department="",
    is_township_principal=False,
    cadre=None,
    township=None,
):
    """Create a portal account for a role and grant it its unit (POLICY §1.4).

    A township official is granted `township`; a village secretary their own village;
    a village cadre sees only their own record and needs no grant.
    """
    Role = User.Role
    if (role == Role.TOWNSHIP_OFFICIAL) != (township is not None):
        raise ValidationError(_("A township official, and only one, is given a township."))
    if role in (Role.VILLAGE_SECRETARY, Role.VILLAGE_CADRE) and cadre is None:
        raise ValidationError(_("A village account needs the cadre's roster record."))
    if role == Role.VILLAGE_SECRETARY and cadre.post != Cadre.Post.SECRETARY:
        raise ValidationError(_("Only a party secretary can hold a village secretary account."))
    user = User(
        username=username,
        first_name=full_name,
        role=role,
        department=department,
        is_township_principal=is_township_principal,
        cadre=cadre,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    if role == Role.TOWNSHIP_OFFICIAL:
        assign_perm("cadres." + scoping.VIEW_TOWNSHIP, user, township)
        assign_perm("cadres." + scoping.MANAGE_TOWNSHIP, user, township)
    elif role == Role.VILLAGE_SECRETARY:
        assign_perm("cadres." + scoping.VIEW_VILLAGE, user, cadre.village)
    audit.record(
        "user.created",
        actor=actor,
        target=user,
        changes={
            "role": [None, role],
            "department": [None, department],
            "is_township_principal": [None, is_township_principal],
            "cadre": [None, cadre.pk if cadre else None],
            "township": [None, township.pk if township else None],
        },
        township_id=township.pk if township else (cadre.village.township_id if cadre else None),
    )
    return user


def cadre_search_keys_rebuild():
    """Recompute every cadre's pinyin search keys in bulk; return how many changed.

    Run after an upgrade of the pinyin dictionary; set-based, one read and one bulk write.
    """
    changed = []
    for cadre in Cadre.objects.only("id", "name", "name_pinyin", "name_initials"):
        keys = names.search_keys(cadre.name)
        if keys != (cadre.name_pinyin, cadre.name_initials):
            cadre.name_pinyin, cadre.name_initials = keys
            changed.append(cadre)
    with transaction.atomic():
        Cadre.objects.bulk_update(changed, ["name_pinyin", "name_initials"], batch_size=500)
        if changed:
            audit.record(
                "cadre.search_keys_rebuilt",
                actor=None,
                changes={"count": [None, len(changed)]},
            )
    return len(changed)


def _actor_name(actor):
    if actor is None:
        return ""
    return (actor.get_full_name() or actor.username)[:150]


# ---------------------------------------------------------------- appointment history (§3.6)


def limits_on(on, *, book=None):
    """Return the §3.1 EligibilityLimits in force on a date (one query without a book)."""
    keys = [
        rulebook.SELECTION_SECRETARY_NEW_MAX_AGE,
        rulebook.SELECTION_SECRETARY_REAPPOINTED_MAX_AGE,
        rulebook.SELECTION_SECRETARY_MIN_PARTY_YEARS,
        rulebook.SELECTION_CLERK_MAX_AGE,
        rulebook.SELECTION_CLERK_EXCEPTIONAL_MAX_AGE,
        rulebook.SELECTION_CLERK_MIN_EDUCATION,
        rulebook.SELECTION_POLICE_MAX_AGE,
        rulebook.SELECTION_POLICE_MIN_EDUCATION,
    ]
    book = book or rulebook.RuleBook.load(keys)
    return rules.EligibilityLimits(*(book.value(key, on) for key in keys))


def _apply_history(cadre):
    """Set the cadre's village, post, status and start date from their confirmed events.

    The only code that writes those four fields of an existing cadre (§3.6).
    """
    steps = [
        rules.Step(event.kind, event.on, event.village_id, event.post)
        for event in cadre.events.filter(status=AppointmentEvent.Status.CONFIRMED).order_by(
            "on", "id"
        )
    ]
    try:
        state = rules.state_after(steps)
    except rules.HistoryError as error:
        raise ValidationError(error.message) from None
    cadre.village_id, cadre.post = state.village_id, state.post
    cadre.status, cadre.start_date = state.status, state.start_date
    try:
        with transaction.atomic():
            _save_cadre(cadre)
    except IntegrityError:
        raise ValidationError(_("This village already has a sitting party secretary.")) from None
    return cadre


def _lock_cadre(cadre_id):
    return Cadre.objects.select_for_update().select_related("village").get(pk=cadre_id)


def relatives_clash(name, relative, relation, village):
    """Return why `name` may not join `village`'s leadership beside the sitting `relative`."""
    return _(
        "%(name)s and %(relative)s (%(post)s) are relatives (%(kind)s): they may not both "
        "serve in the leadership of %(village)s."
    ) % {
        "name": name,
        "relative": relative.name,
        "post": relative.get_post_display(),
        "kind": relation.get_kind_display(),
        "village": village.name,
    }


def _check_relatives(id_number, name, village, *, exclude_cadre_id):
    """Refuse to put relatives in one village's leadership, naming both (POLICY §3.5)."""
    relations = Relation.objects.filter(Q(id_number_a=id_number) | Q(id_number_b=id_number))
    relatives = {}
    for relation in relations:
        other = relation.id_number_b if relation.id_number_a == id_number else relation.id_number_a
        relatives[other] = relation
    if not relatives:
        return
    sitting = Cadre.objects.filter(
        village=village,
        status__in=[Cadre.Status.ACTIVE, Cadre.Status.SUSPENDED],
        id_number__in=list(relatives),
    )
    if exclude_cadre_id:
        sitting = sitting.exclude(pk=exclude_cadre_id)
    clashes = [
        relatives_clash(name, relative, relatives[relative.id_number], village)
        for relative in sitting
    ]
    if clashes:
        raise ValidationError(clashes)


EVENT_FORM_KINDS = [
    AppointmentEvent.Kind.TRANSFER,
    AppointmentEvent.Kind.SUSPENSION,
    AppointmentEvent.Kind.REINSTATEMENT,
    AppointmentEvent.Kind.REMOVAL,
    AppointmentEvent.Kind.DEPARTURE,
]


@transaction.atomic
def event_record(cadre, *, actor, kind, on, reason, village=None, post=""):
    """Record a transfer, suspension, reinstatement, removal or departure (county staff).

    The event takes effect at once; the roster record follows from it.
    """
    if not scoping.may_run_selection(actor):
        raise PermissionDenied(_("Only county staff record appointment events."))
    if kind not in EVENT_FORM_KINDS:
        raise ValidationError(_("Appointments are made through joint vetting."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    cadre = _lock_cadre(cadre.pk)
    if kind == AppointmentEvent.Kind.TRANSFER:
        if village is None or not post:
            raise ValidationError(_("A transfer names the new village and post."))
        _check_relatives(cadre.id_number, cadre.name, village, exclude_cadre_id=cadre.pk)
    else:
        village, post = None, ""
    before = audit.snapshot(cadre, HISTORY_FIELDS)
    event = AppointmentEvent.objects.create(
        cadre=cadre,
        kind=kind,
        on=on,
        village=village,
        post=post,
        reason=reason.strip(),
        decided_by=actor,
        decided_by_name=_actor_name(actor),
        decided_at=timezone.now(),
    )
    _apply_history(cadre)
    audit.record(
        f"appointment.{kind}",
        actor=actor,
        target=cadre,
        changes={
            "event": [None, event.pk],
            "on": [None, on.isoformat()],
            **audit.diff(before, audit.snapshot(cadre, HISTORY_FIELDS)),
        },
        township_id=cadre.village.township_id,
    )
    return event


@transaction.atomic
def open_removal(
    *, cadre_id: int, on: datetime.date, reason: str, source: str, source_ref: str, actor
) -> AppointmentEvent:
    """Open a removal from post (免职) proposed by another part of the portal.

    `source` names the proposer ("attendance.violation", "performance.measure"),
    `source_ref` its id there. Idempotent per (source, source_ref): a second call returns
    the same event. The event is PENDING: the cadre's status changes only when county
    staff confirm it (`confirm_removal`).
    """
    source_ref = str(source_ref)
    live = AppointmentEvent.objects.filter(source=source, source_ref=source_ref).exclude(
        status=AppointmentEvent.Status.CANCELLED
    )
    event = live.first()
    if event is not None:
        return event
    cadre = _lock_cadre(cadre_id)
    event = AppointmentEvent.objects.create(
        cadre=cadre,
        kind=AppointmentEvent.Kind.REMOVAL,
        status=AppointmentEvent.Status.PENDING,
        on=on,
        reason=reason,
        source=source,
        source_ref=source_ref,
    )
    audit.record(
        "appointment.removal_opened",
        actor=actor,
        target=cadre,
        changes={"event": [None, event.pk], "source": [None, f"{source}:{source_ref}"]},
        township_id=cadre.village.township_id,
    )
    return event


@transaction.atomic
def withdraw_removal(*, source: str, source_ref: str, actor) -> None:
    """Cancel the pending removal opened with that source and reference.

    No-op when there is none; a confirmed removal is not undone here.
    """
    for event in AppointmentEvent.objects.select_for_update().filter(
        source=source, source_ref=str(source_ref), status=AppointmentEvent.Status.PENDING
    ):
        event.status = AppointmentEvent.Status.CANCELLED
        event.decided_at = timezone.now()
        event.decided_by = actor if getattr(actor, "pk", None) else None
        event.decided_by_name = _actor_name(actor)
        event.save(update_fields=["status", "decided_at", "decided_by", "decided_by_name"])
        audit.record(
            "appointment.removal_withdrawn",
            actor=actor,
            target=event.cadre,
            changes={"event": [None, event.pk], "status": ["pending", "cancelled"]},
            township_id=event.cadre.village.township_id,
        )


@transaction.atomic
def confirm_removal(event_id, *, actor, on=None) -> AppointmentEvent:
    """County staff confirm a pending removal: it takes effect and the cadre's status
    becomes removed (免职) from `on` (default: the date proposed)."""
    if not scoping.may_run_selection(actor):
        raise PermissionDenied(_("Only county staff confirm a removal."))
    event = AppointmentEvent.objects.select_for_update().get(pk=event_id)
    if (
        event.kind != AppointmentEvent.Kind.REMOVAL
        or event.status != AppointmentEvent.Status.PENDING
    ):
        raise ValidationError(_("Only a pending removal can be confirmed."))
    cadre = _lock_cadre(event.cadre_id)
    before = audit.snapshot(cadre, HISTORY_FIELDS)
    event.status = AppointmentEvent.Status.CONFIRMED
    event.on = on or event.on
    event.decided_by = actor
    event.decided_by_name = _actor_name(actor)
    event.decided_at = timezone.now()
    event.save(update_fields=["status", "on", "decided_by", "decided_by_name", "decided_at"])
    _apply_history(cadre)
    audit.record(
        "appointment.removal",
        actor=actor,
        target=cadre,
        changes={
            "event": [None, event.pk],
            **audit.diff(before, audit.snapshot(cadre, HISTORY_FIELDS)),
        },
        township_id=cadre.village.township_id,
    )
    return event


@transaction.atomic
def reject_removal(event_id, *, actor, reason):
    """County staff decide against a proposed removal: the event is cancelled, with why."""
    if not scoping.may_run_selection(actor):
        raise PermissionDenied(_("Only county staff decide on a removal."))
    event = AppointmentEvent.objects.select_for_update().get(pk=event_id)
    if event.status != AppointmentEvent.Status.PENDING:
        raise ValidationError(_("Only a pending removal can be turned down."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    event.status = AppointmentEvent.Status.CANCELLED
    event.reason = f"{event.reason}\n{reason.strip()}"
    event.decided_by, event.decided_by_name = actor, _actor_name(actor)
    event.decided_at = timezone.now()
    event.save(update_fields=["status", "reason", "decided_by", "decided_by_name", "decided_at"])
    audit.record(
        "appointment.removal_rejected",
        actor=actor,
        target=event.cadre,
        changes={"event": [None, event.pk], "reason": [None, reason.strip()]},
        township_id=event.cadre.village.township_id,
    )
    return event


# ---------------------------------------------------------------- relatives (§3.5)


@transaction.atomic
def relation_record(*, actor, kind, id_number_a, name_a, id_number_b, name_b):
    """Record that two people are relatives (county staff)."""
    if not scoping.may_run_selection(actor):
        raise PermissionDenied(_("Only county staff record relatives."))
    numbers = []
    for field, number in (("id_number_a", id_number_a), ("id_number_b", id_number_b)):
        try:
            numbers.append(rules.parse_resident_id(number).number)
        except rules.ResidentIdError as error:
            raise ValidationError({field: error.message}) from None
    a, b = numbers
    if a == b:
        raise ValidationError(_("A person is not their own relative."))
    if Relation.objects.filter(
        Q(id_number_a=a, id_number_b=b) | Q(id_number_a=b, id_number_b=a)
    ).exists():
        raise ValidationError(_("These two are already recorded as relatives."))
    relation = Relation.objects.create(
        kind=kind, id_number_a=a, name_a=name_a, id_number_b=b, name_b=name_b
    )
    audit.record(
        "relation.recorded",
        actor=actor,
        target=relation,
        changes={"kind": [None, kind], "a": [None, a], "b": [None, b]},
    )
    return relation


# ---------------------------------------------------------------- selection (§3.1-§3.4)

CANDIDATE_FIELDS = [
    "name",
    "id_number",
    "ethnicity",
    "phone",
    "education",
    "political_status",
    "party_join_date",
    "village",
    "post",
    "channel",
    "is_reappointment",
    "planned_on",
    "exception_reason",
]

VETTING_TRANSITIONS = {
    VettingCase.Status.IN_PROGRESS: {VettingCase.Status.PASSED, VettingCase.Status.REJECTED},
    VettingCase.Status.PASSED: {VettingCase.Status.APPOINTED},
    VettingCase.Status.REJECTED: set(),
    VettingCase.Status.APPOINTED: set(),
}


def _check_selection(actor):
    if not scoping.may_run_selection(actor):
        raise PermissionDenied(_("Only county staff run appointments."))


def _move_case(case, status):
    if status not in VETTING_TRANSITIONS[case.status]:
        raise ValidationError(
            _("A vetting case that is “%(now)s” cannot become “%(then)s”.")
            % {"now": case.get_status_display(), "then": VettingCase.Status(status).label}
        )
    case.status = status
    if status != VettingCase.Status.PASSED:
        case.closed_at = timezone.now()
    case.save(update_fields=["status", "closed_at"])


def candidate_problems(candidate, *, on=None):
    """Return every reason the candidate may not be appointed on a date, as messages.

    Eligibility (§3.1, with an approved exception lifting what is waivable), the
    attestation of the disqualifying situations (§3.2) and the relatives rule (§3.5).
    """
    on = on or candidate.planned_on
    problems = [
        problem.message
        for problem in rules.check_eligibility(
            post=candidate.post,
            birth_date=candidate.birth_date,
            on=on,
            education=candidate.education,
            party_join_date=candidate.party_join_date,
            limits=limits_on(on),
            is_reappointment=candidate.is_reappointment,
            exception_approved=candidate.exception_approved,
        )
    ]
    problems += attestation_problems(candidate)
    try:
        _check_relatives(
            candidate.id_number,
            candidate.name,
            candidate.village,
            exclude_cadre_id=candidate.cadre_id,
        )
    except ValidationError as error:
        problems += error.messages
    return problems


def attestation_problems(candidate):
    answers = {a.item_id: a for a in candidate.attestations.all()}
    active = list(DisqualifierItem.objects.filter(is_active=True))
    if candidate.attested_at is None or any(item.pk not in answers for item in active):
        return [_("The disqualifying situations have not all been attested.")]
    return [
        _("Disqualified: %(situation)s") % {"situation": answer.item_text}
        for answer in answers.values()
        if answer.applies
    ]


@transaction.atomic
def candidate_create(*, actor, data):
    """Put a person in the candidate pool for a post in a village."""
    _check_selection(actor)
    candidate = Candidate(**{field: data[field] for field in CANDIDATE_FIELDS if field in data})
    try:
        candidate.derive_fields()
    except rules.ResidentIdError as error:
        raise ValidationError({"id_number": error.message}) from None
    candidate.full_clean()
    candidate.cadre = Cadre.objects.filter(id_number=candidate.id_number).first()
    candidate.save()
    audit.record(
        "candidate.created",
        actor=actor,
        target=candidate,
        changes=audit.diff({}, audit.snapshot(candidate, CANDIDATE_FIELDS)),
        township_id=candidate.village.township_id,
    )
    return candidate


@transaction.atomic
def candidate_attest(candidate, *, actor, ticked_item_ids):
    """Store the candidate's attestation: every situation in use, ticked or not (§3.2)."""
    _check_selection(actor)
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status not in (Candidate.Status.POOL, Candidate.Status.VETTING):
        raise ValidationError(_("This candidacy is closed."))
    ticked = {int(pk) for pk in ticked_item_ids}
    items = list(DisqualifierItem.objects.filter(is_active=True))
    candidate.attestations.all().delete()
    Attestation.objects.bulk_create(
        Attestation(candidate=candidate, item=item, item_text=item.text, applies=item.pk in ticked)
        for item in items
    )
    candidate.attested_at, candidate.attested_by = timezone.now(), actor
    candidate.save(update_fields=["attested_at", "attested_by"])
    audit.record(
        "candidate.attested",
        actor=actor,
        target=candidate,
        changes={"ticked": [None, sorted(item.text for item in items if item.pk in ticked)]},
        township_id=candidate.village.township_id,
    )
    return candidate


@transaction.atomic
def candidate_exception_approve(candidate, *, actor, reason):
    """Approve an exception (特别优秀, "as a rule") with its written reason (§3.1)."""
    _check_selection(actor)
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("An exception needs a written reason.")})
    candidate.exception_reason = reason
    candidate.exception_approved_by, candidate.exception_approved_at = actor, timezone.now()
    candidate.save(
        update_fields=["exception_reason", "exception_approved_by", "exception_approved_at"]
    )
    audit.record(
        "candidate.exception_approved",
        actor=actor,
        target=candidate,
        changes={"exception_reason": [None, reason]},
        township_id=candidate.village.township_id,
    )
    return candidate


@transaction.atomic
def vetting_start(candidate, *, actor):
    """Send the candidate to the nine departments (§3.4), once they could be appointed."""
    _check_selection(actor)
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != Candidate.Status.POOL:
        raise ValidationError(_("Only a candidate in the pool can be sent to joint vetting."))
    problems = candidate_problems(candidate)
    if problems:
        raise ValidationError(problems)
    case = VettingCase.objects.create(candidate=candidate, started_by=actor)
    VettingReview.objects.bulk_create(
        VettingReview(case=case, department=department) for department in User.Department.values
    )
    candidate.status = Candidate.Status.VETTING
    candidate.save(update_fields=["status"])
    audit.record(
        "vetting.started",
        actor=actor,
        target=case,
        changes={"candidate": [None, candidate.pk]},
        township_id=candidate.village.township_id,
    )
    return case


@transaction.atomic
def review_decide(review, *, actor, passed, reason=""):
    """A department passes or fails the candidate; one fail rejects the case (§3.4)."""
    review = VettingReview.objects.select_for_update().select_related("case").get(pk=review.pk)
    if not scoping.vetting_reviews_decidable_by(actor).filter(pk=review.pk).exists():
        raise PermissionDenied(_("This review is not your department's."))
    case = VettingCase.objects.select_for_update().get(pk=review.case_id)
    if case.status != VettingCase.Status.IN_PROGRESS or review.status != "pending":
        raise ValidationError(_("This case no longer waits for your department."))
    reason = (reason or "").strip()
    if not passed and not reason:
        raise ValidationError({"reason": _("A fail needs the reason.")})
    review.status = VettingReview.Status.PASSED if passed else VettingReview.Status.FAILED
    review.reason, review.reviewer, review.decided_at = reason, actor, timezone.now()
    review.save(update_fields=["status", "reason", "reviewer", "decided_at"])
    candidate = case.candidate
    if not passed:
        _move_case(case, VettingCase.Status.REJECTED)
        candidate.status = Candidate.Status.REJECTED
        candidate.save(update_fields=["status"])
    elif not case.reviews.exclude(status=VettingReview.Status.PASSED).exists():
        _move_case(case, VettingCase.Status.PASSED)
    audit.record(
        "vetting.reviewed",
        actor=actor,
        target=case,
        changes={
            "department": [None, review.department],
            "verdict": ["pending", review.status],
            "reason": [None, reason],
            "case_status": [None, case.status],
        },
        township_id=candidate.village.township_id,
    )
    return review


@transaction.atomic
def vetting_appoint(case, *, actor, on=None, reason=""):
    """Appoint the candidate of a case all nine departments passed (§3.4).

    Checks again on the appointment date every rule of §3.1-§3.5 and says each reason
    it refuses; writes the cadre record (or finds it, for a re-appointment) and the
    appointment event, from which the roster record follows.
    """
    _check_selection(actor)
    case = VettingCase.objects.select_for_update().get(pk=case.pk)
    if case.status != VettingCase.Status.PASSED:
        raise ValidationError(_("Appointment needs all nine departments to have passed."))
    candidate = (
        Candidate.objects.select_for_update().select_related("village").get(pk=case.candidate_id)
    )
    on = on or candidate.planned_on
    problems = candidate_problems(candidate, on=on)
    if problems:
        raise ValidationError(problems)
    cadre = Cadre.objects.select_for_update().filter(id_number=candidate.id_number).first()
    if cadre is None:
        cadre = Cadre(
            name=candidate.name,
            id_number=candidate.id_number,
            ethnicity=candidate.ethnicity,
            phone=candidate.phone,
            education=candidate.education,
            political_status=candidate.political_status,
            party_join_date=candidate.party_join_date,
            village=candidate.village,
            post=candidate.post,
            status=Cadre.Status.ACTIVE,
            start_date=on,
        )
        try:
            with transaction.atomic():
                _save_cadre(cadre)
        except IntegrityError:
            raise ValidationError(
                _("This village already has a sitting party secretary.")
            ) from None
    AppointmentEvent.objects.create(
        cadre=cadre,
        kind=AppointmentEvent.Kind.APPOINTMENT,
        on=on,
        village=candidate.village,
        post=candidate.post,
        reason=reason or _("Appointed after joint vetting (case %(case)s)") % {"case": case.pk},
        decided_by=actor,
        decided_by_name=_actor_name(actor),
        decided_at=timezone.now(),
        source="cadres.vetting",
        source_ref=str(case.pk),
    )
    _apply_history(cadre)
    _move_case(case, VettingCase.Status.APPOINTED)
    candidate.status, candidate.cadre = Candidate.Status.APPOINTED, cadre
    candidate.save(update_fields=["status", "cadre"])
    audit.record(
        "appointment.appointment",
        actor=actor,
        target=cadre,
        changes={
            "case": [None, case.pk],
            "village": [None, candidate.village_id],
            "post": [None, candidate.post],
            "on": [None, on.isoformat()],
        },
        township_id=candidate.village.township_id,
    )
    return cadre


@transaction.atomic
def disqualifier_save(item, *, actor, text, position, is_active):
    """Add or change one situation of the county's checklist (§3.2)."""
    _check_selection(actor)
    item = item or DisqualifierItem()
    before = audit.snapshot(item, ["text", "position", "is_active"]) if item.pk else {}
    item.text, item.position, item.is_active = text.strip(), position, is_active
    item.full_clean()
    item.save()
    audit.record(
        "disqualifier.saved",
        actor=actor,
        target=item,
        changes=audit.diff(before, audit.snapshot(item, ["text", "position", "is_active"])),
    )
    return item
