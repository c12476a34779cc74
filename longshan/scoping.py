"""Who sees and changes what (POLICY §1.4): a user's role and unit grants as queryset filters.

Every list, detail, form and export reads through these functions, so scope is applied
in SQL. Grants are django-guardian object permissions on townships and villages, kept in
direct foreign-key tables; a grant on a township covers every village and cadre below it.
Detail views fetch with `get_in_scope_or_404`, so an object outside the user's scope
answers exactly as an id that does not exist.
"""

from django.http import Http404
from django.utils.translation import gettext as _

from cadres.models import (
    Cadre,
    Township,
    TownshipUserObjectPermission,
    User,
    Village,
    VillageUserObjectPermission,
)

Role = User.Role

VIEW_TOWNSHIP = "view_township"
MANAGE_TOWNSHIP = "manage_township"
VIEW_VILLAGE = "view_village"


def _is_signed_in(user):
    return bool(user and user.is_authenticated and user.is_active)


def _granted_townships(user, codename):
    return TownshipUserObjectPermission.objects.filter(
        user=user, permission__codename=codename
    ).values("content_object_id")


def _granted_villages(user, codename):
    return VillageUserObjectPermission.objects.filter(
        user=user, permission__codename=codename
    ).values("content_object_id")


def townships_visible_to(user):
    """Return the townships whose pages the user may open."""
    townships = Township.objects.all()
    if not _is_signed_in(user):
        return townships.none()
    if user.role in (Role.COUNTY_STAFF, Role.PUBLIC_SECURITY):
        return townships
    if user.role == Role.TOWNSHIP_OFFICIAL:
        return townships.filter(pk__in=_granted_townships(user, VIEW_TOWNSHIP))
    return townships.none()


def villages_visible_to(user):
    """Return the villages and communities whose pages the user may open."""
    villages = Village.objects.all()
    if not _is_signed_in(user):
        return villages.none()
    if user.role in (Role.COUNTY_STAFF, Role.PUBLIC_SECURITY):
        return villages
    if user.role == Role.TOWNSHIP_OFFICIAL:
        return villages.filter(township_id__in=_granted_townships(user, VIEW_TOWNSHIP))
    if user.role == Role.VILLAGE_SECRETARY:
        return villages.filter(pk__in=_granted_villages(user, VIEW_VILLAGE))
    return villages.none()


def cadres_visible_to(user):
    """Return the cadre records the user may read."""
    cadres = Cadre.objects.all()
    if not _is_signed_in(user):
        return cadres.none()
    if user.role == Role.COUNTY_STAFF:
        return cadres
    if user.role == Role.PUBLIC_SECURITY:
        # Auxiliary police are co-managed county-wide with the public security bureau (§1.3).
        return cadres.filter(post=Cadre.Post.AUXILIARY_POLICE)
    if user.role == Role.TOWNSHIP_OFFICIAL:
        return cadres.filter(village__township_id__in=_granted_townships(user, VIEW_TOWNSHIP))
    if user.role == Role.VILLAGE_SECRETARY:
        return cadres.filter(village_id__in=_granted_villages(user, VIEW_VILLAGE))
    if user.role == Role.VILLAGE_CADRE and user.cadre_id:
        return cadres.filter(pk=user.cadre_id)
    return cadres.none()


ROSTER_ROLES = {
    Role.COUNTY_STAFF,
    Role.PUBLIC_SECURITY,
    Role.TOWNSHIP_OFFICIAL,
    Role.VILLAGE_SECRETARY,
    Role.VILLAGE_CADRE,
}


def may_read_roster(user):
    """Return whether the user's role has a roster page at all (reviewers do not)."""
    return _is_signed_in(user) and user.role in ROSTER_ROLES


def cadres_editable_by(user):
    """Return the cadre records the user may edit: county staff all, a township its own."""
    cadres = Cadre.objects.all()
    if not _is_signed_in(user):
        return cadres.none()
    if user.role == Role.COUNTY_STAFF:
        return cadres
    if user.role == Role.TOWNSHIP_OFFICIAL:
        return cadres.filter(village__township_id__in=_granted_townships(user, MANAGE_TOWNSHIP))
    return cadres.none()


def villages_open_for_new_cadres(user):
    """Return the villages in which the user may add a cadre to the roster."""
    villages = Village.objects.all()
    if not _is_signed_in(user):
        return villages.none()
    if user.role == Role.COUNTY_STAFF:
        return villages
    if user.role == Role.TOWNSHIP_OFFICIAL:
        return villages.filter(township_id__in=_granted_townships(user, MANAGE_TOWNSHIP))
    return villages.none()


def villages_editable_by(user):
    """Return the villages whose population and area the user may edit: county staff only."""
    if _is_signed_in(user) and user.role == Role.COUNTY_STAFF:
        return Village.objects.all()
    return Village.objects.none()


def may_edit_rules(user):
    """Return whether the user may set the county's rule values (county staff only)."""
    return _is_signed_in(user) and user.role == Role.COUNTY_STAFF


def get_in_scope_or_404(queryset, **lookup):
    """Return the one object of a scoped queryset matching lookup, else answer 404.

    Out of scope and missing look the same to the user (POLICY §1.4).
    """
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such page.")) from None


# ---------------------------------------------------------------- training (POLICY §6)
# Events are not units of the tree: a township official sees an event through their
# township (it organises the event, or its cadres are enrolled in or attended it).

TRAINING_COMPLIANCE_ROLES = {
    Role.COUNTY_STAFF,
    Role.TOWNSHIP_OFFICIAL,
    Role.VILLAGE_SECRETARY,
    Role.PUBLIC_SECURITY,
}


def may_manage_training(user):
    """Return whether the user plans training: events, enrolment, secondments (county staff)."""
    return _is_signed_in(user) and user.role == Role.COUNTY_STAFF


def may_list_training_events(user):
    """Return whether the user's role has the training events pages (county and townships)."""
    return _is_signed_in(user) and user.role in (Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL)


def training_events_visible_to(user):
    """Return the training events whose pages the user may open."""
    from django.db.models import Q

    from training.models import TrainingAttendance, TrainingEnrolment, TrainingEvent

    events = TrainingEvent.objects.all()
    if not _is_signed_in(user):
        return events.none()
    if user.role == Role.COUNTY_STAFF:
        return events
    if user.role == Role.TOWNSHIP_OFFICIAL:
        townships = _granted_townships(user, VIEW_TOWNSHIP)
        in_township = {"cadre__village__township_id__in": townships}
        return events.filter(
            Q(township_id__in=townships)
            | Q(pk__in=TrainingEnrolment.objects.filter(**in_township).values("event_id"))
            | Q(pk__in=TrainingAttendance.objects.filter(**in_township).values("event_id"))
        )
    return events.none()


def training_events_recordable_by(user):
    """Return the events whose attendance the user may record.

    County staff record every event; a township official only the sessions below county
    level that their own township organises.
    """
    from training.models import TrainingEvent

    events = TrainingEvent.objects.all()
    if not _is_signed_in(user):
        return events.none()
    if user.role == Role.COUNTY_STAFF:
        return events
    if user.role == Role.TOWNSHIP_OFFICIAL:
        return events.filter(
            level=TrainingEvent.Level.BELOW_COUNTY,
            township_id__in=_granted_townships(user, MANAGE_TOWNSHIP),
        )
    return events.none()


def cadres_trainable_by(user):
    """Return the cadres whose training attendance the user may record or import."""
    if not _is_signed_in(user) or user.role not in (Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL):
        return Cadre.objects.none()
    return cadres_editable_by(user)


def may_see_training_compliance(user):
    """Return whether the user's role has the yearly training compliance page."""
    return _is_signed_in(user) and user.role in TRAINING_COMPLIANCE_ROLES


def cadres_for_training_compliance(user):
    """Return the cadres whose yearly training days the user may see on the compliance page."""
    if not may_see_training_compliance(user):
        return Cadre.objects.none()
    return cadres_visible_to(user)


# ---------------------------------------------------------------- attendance (POLICY §4)
# Duty, roster, leave and inspections hang on cadres and villages, so their scopes build
# on the roster's: whoever may read a cadre may read their duty and leave (public
# security: auxiliary police only); writes are narrower, by role.

SITTING_STATUSES = ("active", "suspended")


def duty_logs_visible_to(user):
    """Return the duty log entries the user may read: those of the cadres they may read."""
    from attendance.models import DutyLog

    if not may_read_roster(user):
        return DutyLog.objects.none()
    return DutyLog.objects.filter(cadre_id__in=cadres_visible_to(user).values("pk"))


def cadres_on_duty_sheet_of(user):
    """Return the cadres whose daily duty the user records: a village secretary's village."""
    if not _is_signed_in(user) or user.role != Role.VILLAGE_SECRETARY:
        return Cadre.objects.none()
    return Cadre.objects.filter(village_id__in=_granted_villages(user, VIEW_VILLAGE))


def duty_logs_correctable_by(user):
    """Return the duty log entries the user may correct: county, own township, own village."""
    from attendance.models import DutyLog

    logs = DutyLog.objects.all()
    if not _is_signed_in(user):
        return logs.none()
    if user.role == Role.COUNTY_STAFF:
        return logs
    if user.role == Role.TOWNSHIP_OFFICIAL:
        return logs.filter(
            cadre__village__township_id__in=_granted_townships(user, MANAGE_TOWNSHIP)
        )
    if user.role == Role.VILLAGE_SECRETARY:
        return logs.filter(cadre__village_id__in=_granted_villages(user, VIEW_VILLAGE))
    return logs.none()


def villages_with_duty_visible_to(user):
    """Return the villages whose duty sheet, roster and checks the user may open."""
    return villages_visible_to(user)


def villages_roster_plannable_by(user):
    """Return the villages whose weekend roster the user plans: a secretary's own (§4.2)."""
    if not _is_signed_in(user) or user.role != Role.VILLAGE_SECRETARY:
        return Village.objects.none()
    return Village.objects.filter(pk__in=_granted_villages(user, VIEW_VILLAGE))


def leave_requests_visible_to(user):
    """Return the leave requests the user may read (those of the cadres they may read)."""
    from attendance.models import LeaveRequest

    if not may_read_roster(user):
        return LeaveRequest.objects.none()
    return LeaveRequest.objects.filter(cadre_id__in=cadres_visible_to(user).values("pk"))


def _villages_with_a_secretary_account():
    return User.objects.filter(
        role=Role.VILLAGE_SECRETARY,
        is_active=True,
        cadre__post=Cadre.Post.SECRETARY,
        cadre__status__in=SITTING_STATUSES,
    ).values("cadre__village_id")


def leave_requests_decidable_by(user):
    """Return the leave requests the user may approve or reject (§4.3).

    A secretary's leave goes to the principal of the township, anyone else's to the
    village secretary; a village with no secretary account sends it to the principal.
    Nobody decides their own.
    """
    from django.db.models import Q

    from attendance.models import LeaveRequest

    requests = LeaveRequest.objects.all()
    if not _is_signed_in(user):
        return requests.none()
    if user.role == Role.TOWNSHIP_OFFICIAL and user.is_township_principal:
        requests = requests.filter(
            cadre__village__township_id__in=_granted_townships(user, VIEW_TOWNSHIP)
        ).filter(
            Q(cadre__post=Cadre.Post.SECRETARY)
            | ~Q(cadre__village_id__in=_villages_with_a_secretary_account())
        )
    elif user.role == Role.VILLAGE_SECRETARY:
        requests = requests.filter(
            cadre__village_id__in=_granted_villages(user, VIEW_VILLAGE)
        ).exclude(cadre__post=Cadre.Post.SECRETARY)
    else:
        return requests.none()
    return requests.exclude(cadre_id=user.cadre_id) if user.cadre_id else requests


def may_ask_for_leave(user):
    """Return whether the user is a cadre who may ask for their own leave."""
    return (
        _is_signed_in(user)
        and user.role in (Role.VILLAGE_SECRETARY, Role.VILLAGE_CADRE)
        and user.cadre_id is not None
    )


def villages_inspectable_by(user):
    """Return the villages the user may inspect: county staff all, an official their township."""
    villages = Village.objects.all()
    if not _is_signed_in(user):
        return villages.none()
    if user.role == Role.COUNTY_STAFF:
        return villages
    if user.role == Role.TOWNSHIP_OFFICIAL:
        return villages.filter(township_id__in=_granted_townships(user, MANAGE_TOWNSHIP))
    return villages.none()


def inspections_visible_to(user):
    """Return the inspections the user may read: county staff all, an official their township."""
    from attendance.models import Inspection

    inspections = Inspection.objects.all()
    if not _is_signed_in(user):
        return inspections.none()
    if user.role == Role.COUNTY_STAFF:
        return inspections
    if user.role == Role.TOWNSHIP_OFFICIAL:
        return inspections.filter(village__township_id__in=_granted_townships(user, VIEW_TOWNSHIP))
    return inspections.none()


def inspections_withdrawable_by(user):
    """Return the inspections the user may withdraw: county all, an official their township's."""
    from attendance.models import Inspection

    return Inspection.objects.filter(
        village_id__in=villages_inspectable_by(user).values("pk"), withdrawn_at__isnull=True
    )


def violations_visible_to(user):
    """Return the violations the user may read: county, own township, own village, own."""
    from attendance.models import Violation

    if not _is_signed_in(user) or user.role == Role.PUBLIC_SECURITY or not may_read_roster(user):
        return Violation.objects.none()
    return Violation.objects.filter(cadre_id__in=cadres_visible_to(user).values("pk"))


def removal_orders_visible_to(user):
    """Return the pending and past removal orders the user may read."""
    from attendance.models import RemovalOrder

    if not _is_signed_in(user) or user.role not in (Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL):
        return RemovalOrder.objects.none()
    return RemovalOrder.objects.filter(cadre_id__in=cadres_visible_to(user).values("pk"))


def townships_with_ledger_for(user):
    """Return the townships whose leave ledger the user may open and print (§4.3)."""
    if not _is_signed_in(user) or user.role not in (Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL):
        return Township.objects.none()
    return townships_visible_to(user)


def may_edit_calendar(user):
    """Return whether the user keeps the working-day calendar (county staff only)."""
    return _is_signed_in(user) and user.role == Role.COUNTY_STAFF


def may_see_duty_overview(user):
    """Return whether the user has the duty overview of townships and villages."""
    return _is_signed_in(user) and user.role in (
        Role.COUNTY_STAFF,
        Role.TOWNSHIP_OFFICIAL,
        Role.PUBLIC_SECURITY,
    )


def villages_with_roster_visible_to(user):
    """Return the villages whose weekend roster the user may read: county, township, village."""
    if not _is_signed_in(user) or user.role == Role.PUBLIC_SECURITY:
        return Village.objects.none()
    return villages_visible_to(user)
