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


def villages_managed_by(user):
    """Return the villages the user manages: county staff all, a township official those
    of the townships they manage; nobody else any."""
    villages = Village.objects.all()
    if not _is_signed_in(user):
        return villages.none()
    if user.role == Role.COUNTY_STAFF:
        return villages
    if user.role == Role.TOWNSHIP_OFFICIAL:
        return villages.filter(township_id__in=_granted_townships(user, MANAGE_TOWNSHIP))
    return villages.none()


def villages_open_for_new_cadres(user):
    """Return the villages in which the user may add a cadre to the roster."""
    return villages_managed_by(user)


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
    except queryset.model.DoesNotExist:
        # An object that exists outside the scope is a denial the auditors see (issue 11).
        from longshan import audit

        audit.record_scope_denial(queryset.model, lookup)
        raise Http404(_("No such page.")) from None
    except (ValueError, TypeError):
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
    return villages_managed_by(user)


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


# ---------------------------------------------------------------- selection (cadres, POLICY §3)
# County staff run appointments: candidates, vetting cases, relatives, history events.
# A joint-vetting reviewer sees only the reviews sent to their department; roster import
# and export follow the roster: county staff the county, a township official their own.


def may_run_selection(user):
    """Return whether the user runs selection and appointments (county staff only)."""
    return _is_signed_in(user) and user.role == Role.COUNTY_STAFF


def candidates_visible_to(user):
    """Return the candidates whose pages the user may open."""
    from cadres.models import Candidate

    if not may_run_selection(user):
        return Candidate.objects.none()
    return Candidate.objects.all()


def vetting_cases_visible_to(user):
    """Return the vetting cases whose pages the user may open (county staff)."""
    from cadres.models import VettingCase

    if not may_run_selection(user):
        return VettingCase.objects.none()
    return VettingCase.objects.all()


def vetting_reviews_visible_to(user):
    """Return the reviews the user may open: county staff all, a reviewer their department's."""
    from cadres.models import VettingReview

    reviews = VettingReview.objects.all()
    if not _is_signed_in(user):
        return reviews.none()
    if user.role == Role.COUNTY_STAFF:
        return reviews
    if user.role == Role.VETTING_REVIEWER and user.department:
        return reviews.filter(department=user.department)
    return reviews.none()


def vetting_reviews_decidable_by(user):
    """Return the reviews the user may pass or fail: their department's, cases still open."""
    from cadres.models import VettingReview

    if not _is_signed_in(user) or user.role != Role.VETTING_REVIEWER or not user.department:
        return VettingReview.objects.none()
    return VettingReview.objects.filter(
        department=user.department, status="pending", case__status="in_progress"
    )


def may_move_roster_files(user):
    """Return whether the user imports and exports roster files (county staff, townships)."""
    return _is_signed_in(user) and user.role in (Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL)


def may_see_quotas(user):
    """Return whether the user has the headcount quota page (county staff, townships)."""
    return _is_signed_in(user) and user.role in (Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL)


# ---------------------------------------------------------------- performance (POLICY §5)
# Dispatch orders go from a township to its villages; settlements and grades are read by
# the county, the township, the village secretary and the cadre themself. Pay data is not
# the public security bureau's business, so its staff see none of it.


def townships_dispatching_for(user):
    """Return the townships for which the user dispatches and scores orders (§5.1)."""
    if not _is_signed_in(user) or user.role != Role.TOWNSHIP_OFFICIAL:
        return Township.objects.none()
    return Township.objects.filter(pk__in=_granted_townships(user, MANAGE_TOWNSHIP))


def dispatch_assignments_visible_to(user):
    """Return the villages' dispatch orders the user may read."""
    from performance.models import DispatchAssignment

    assignments = DispatchAssignment.objects.all()
    if not _is_signed_in(user):
        return assignments.none()
    if user.role == Role.COUNTY_STAFF:
        return assignments
    if user.role == Role.TOWNSHIP_OFFICIAL:
        return assignments.filter(order__township_id__in=_granted_townships(user, VIEW_TOWNSHIP))
    if user.role == Role.VILLAGE_SECRETARY:
        return assignments.filter(village_id__in=_granted_villages(user, VIEW_VILLAGE))
    return assignments.none()


def dispatch_orders_visible_to(user):
    """Return the dispatch orders the user may open: the county all, a township its own,
    a village secretary those sent to their village."""
    from performance.models import DispatchOrder

    orders = DispatchOrder.objects.all()
    if not _is_signed_in(user):
        return orders.none()
    if user.role == Role.COUNTY_STAFF:
        return orders
    if user.role == Role.TOWNSHIP_OFFICIAL:
        return orders.filter(township_id__in=_granted_townships(user, VIEW_TOWNSHIP))
    if user.role == Role.VILLAGE_SECRETARY:
        return orders.filter(pk__in=dispatch_assignments_visible_to(user).values("order_id"))
    return orders.none()


def dispatch_assignments_reportable_by(user):
    """Return the dispatch orders the user reports on: a village secretary's village's."""
    from performance.models import DispatchAssignment

    if not _is_signed_in(user) or user.role != Role.VILLAGE_SECRETARY:
        return DispatchAssignment.objects.none()
    return DispatchAssignment.objects.filter(village_id__in=_granted_villages(user, VIEW_VILLAGE))


def dispatch_assignments_scorable_by(user):
    """Return the dispatch orders the user scores: those of their own township (§5.1)."""
    from performance.models import DispatchAssignment

    return DispatchAssignment.objects.filter(
        order__township_id__in=townships_dispatching_for(user).values("pk")
    )


def villages_evaluable_by(user):
    """Return the villages whose democratic evaluation the user records (county, township)."""
    return villages_managed_by(user)


def _performance_cadres(user):
    if not _is_signed_in(user) or user.role == Role.PUBLIC_SECURITY:
        return Cadre.objects.none()
    return cadres_visible_to(user)


def evaluations_visible_to(user):
    """Return the democratic evaluations the user may read."""
    from performance.models import DemocraticEvaluation

    return DemocraticEvaluation.objects.filter(cadre_id__in=_performance_cadres(user).values("pk"))


def measures_visible_to(user):
    """Return the measures (§5.3) the user may read: of the cadres they may read."""
    from performance.models import Measure

    return Measure.objects.filter(cadre_id__in=_performance_cadres(user).values("pk"))


# Suspension and dismissal change pay and post: the county decides them; a township
# records its own reminders and admonishment talks.
TOWNSHIP_MEASURES = ("reminder", "admonishment")


def cadres_measurable_by(user, kind=None):
    """Return the cadres on whom the user may record a measure (of `kind`, if given)."""
    if not _is_signed_in(user):
        return Cadre.objects.none()
    if user.role == Role.COUNTY_STAFF:
        return Cadre.objects.all()
    if user.role == Role.TOWNSHIP_OFFICIAL and (kind is None or kind in TOWNSHIP_MEASURES):
        return Cadre.objects.filter(
            village__township_id__in=_granted_townships(user, MANAGE_TOWNSHIP)
        )
    return Cadre.objects.none()


def measures_withdrawable_by(user):
    """Return the measures the user may withdraw: those of a kind they may record."""
    from performance.models import Measure

    measures = Measure.objects.filter(withdrawn_at__isnull=True)
    if not _is_signed_in(user):
        return measures.none()
    if user.role == Role.COUNTY_STAFF:
        return measures
    if user.role == Role.TOWNSHIP_OFFICIAL:
        return measures.filter(
            kind__in=TOWNSHIP_MEASURES,
            cadre_id__in=cadres_measurable_by(user).values("pk"),
        )
    return measures.none()


def _by_unit(user, queryset):
    """Filter rows that carry township, village and cadre by the user's scope."""
    if not _is_signed_in(user):
        return queryset.none()
    if user.role == Role.COUNTY_STAFF:
        return queryset
    if user.role == Role.TOWNSHIP_OFFICIAL:
        return queryset.filter(township_id__in=_granted_townships(user, VIEW_TOWNSHIP))
    if user.role == Role.VILLAGE_SECRETARY:
        return queryset.filter(cadre__village_id__in=_granted_villages(user, VIEW_VILLAGE))
    if user.role == Role.VILLAGE_CADRE and user.cadre_id:
        return queryset.filter(cadre_id=user.cadre_id)
    return queryset.none()


def settlement_rows_visible_to(user):
    """Return the cadres' settled months the user may read."""
    from performance.models import CadreMonth

    return _by_unit(user, CadreMonth.objects.all())


def may_see_settlements(user):
    return _is_signed_in(user) and user.role in (
        Role.COUNTY_STAFF,
        Role.TOWNSHIP_OFFICIAL,
        Role.VILLAGE_SECRETARY,
        Role.VILLAGE_CADRE,
    )


def may_run_settlement(user):
    """Return whether the user may run and lock monthly settlements (county staff)."""
    return _is_signed_in(user) and user.role == Role.COUNTY_STAFF


def annual_grades_visible_to(user):
    """Return the annual grades the user may read."""
    from performance.models import AnnualGrade

    return _by_unit(user, AnnualGrade.objects.all())


def may_confirm_grades(user):
    """Return whether the user proposes and confirms annual grades (county staff)."""
    return _is_signed_in(user) and user.role == Role.COUNTY_STAFF


# ---------------------------------------------------------------- ranks (POLICY §7)
# A rank is pay (§7.3): county staff see every cadre's, a township official their
# township's, the public security bureau the auxiliary police it co-manages (§1.3, read
# only), and a village cadre, the party secretary included, only their own.


def cadres_with_rank_visible_to(user):
    """Return the cadres whose rank and rank history the user may read."""
    cadres = Cadre.objects.all()
    if not _is_signed_in(user):
        return cadres.none()
    if user.role == Role.COUNTY_STAFF:
        return cadres
    if user.role == Role.PUBLIC_SECURITY:
        return cadres.filter(post=Cadre.Post.AUXILIARY_POLICE)
    if user.role == Role.TOWNSHIP_OFFICIAL:
        return cadres.filter(village__township_id__in=_granted_townships(user, VIEW_TOWNSHIP))
    if user.role in (Role.VILLAGE_SECRETARY, Role.VILLAGE_CADRE) and user.cadre_id:
        return cadres.filter(pk=user.cadre_id)
    return cadres.none()


def may_see_rank_distribution(user):
    """Return whether the user has the rank distribution page (county, township, bureau)."""
    return _is_signed_in(user) and user.role in (
        Role.COUNTY_STAFF,
        Role.TOWNSHIP_OFFICIAL,
        Role.PUBLIC_SECURITY,
    )


def rank_proposals_visible_to(user):
    """Return the yearly rank proposals the user may read: county all, a township its own."""
    from ranks.models import RankProposal

    proposals = RankProposal.objects.all()
    if not _is_signed_in(user):
        return proposals.none()
    if user.role == Role.COUNTY_STAFF:
        return proposals
    if user.role == Role.TOWNSHIP_OFFICIAL:
        return proposals.filter(township_id__in=_granted_townships(user, VIEW_TOWNSHIP))
    return proposals.none()


def may_decide_ranks(user):
    """Return whether the user places cadres, proposes, changes and approves rank moves."""
    return _is_signed_in(user) and user.role == Role.COUNTY_STAFF


# ---------------------------------------------------------------- compensation (POLICY §8)
# The county computes, approves and locks the payroll; a township reviews its own part and
# reads its cadres' payslips; every cadre (a village secretary too) reads only their own.
# Pay is not the public security bureau's business.


def payslips_visible_to(user):
    """Return the payslips (payroll entries) the user may read."""
    from compensation.models import PayrollEntry

    entries = PayrollEntry.objects.all()
    if not _is_signed_in(user):
        return entries.none()
    if user.role == Role.COUNTY_STAFF:
        return entries
    if user.role == Role.TOWNSHIP_OFFICIAL:
        return entries.filter(township_id__in=_granted_townships(user, VIEW_TOWNSHIP))
    if user.role in (Role.VILLAGE_SECRETARY, Role.VILLAGE_CADRE) and user.cadre_id:
        return entries.filter(cadre_id=user.cadre_id)
    return entries.none()


def may_see_payroll(user):
    """Return whether the user has the payroll pages (county staff, township officials)."""
    return _is_signed_in(user) and user.role in (Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL)


def may_run_payroll(user):
    """Return whether the user computes, approves and locks payrolls (county staff)."""
    return _is_signed_in(user) and user.role == Role.COUNTY_STAFF


def may_manage_pay(user):
    """Return whether the user sets standards, rewards, benefits and adjustments (county)."""
    return _is_signed_in(user) and user.role == Role.COUNTY_STAFF


def townships_reviewing_payroll_for(user):
    """Return the townships whose part of the payroll the user reviews (§8.2)."""
    if not _is_signed_in(user) or user.role != Role.TOWNSHIP_OFFICIAL:
        return Township.objects.none()
    return Township.objects.filter(pk__in=_granted_townships(user, MANAGE_TOWNSHIP))
