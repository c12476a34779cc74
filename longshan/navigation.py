"""The navigation bar: only what the signed-in user's role may use."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cadres.models import Role

# Duty and leave (POLICY §4): every role but the joint-vetting reviewers.
ATTENDANCE_DUTY_ROLES = {
    Role.COUNTY_STAFF,
    Role.PUBLIC_SECURITY,
    Role.TOWNSHIP_OFFICIAL,
    Role.VILLAGE_SECRETARY,
    Role.VILLAGE_CADRE,
}

# (url name, label, roles that see it)
ITEMS = [
    ("home", _("Home"), None),
    (
        "cadres:township_list",
        _("Townships"),
        {Role.COUNTY_STAFF, Role.PUBLIC_SECURITY, Role.TOWNSHIP_OFFICIAL},
    ),
    (
        "cadres:village_list",
        _("Villages and communities"),
        {
            Role.COUNTY_STAFF,
            Role.PUBLIC_SECURITY,
            Role.TOWNSHIP_OFFICIAL,
            Role.VILLAGE_SECRETARY,
        },
    ),
    (
        "cadres:cadre_list",
        _("Roster"),
        {
            Role.COUNTY_STAFF,
            Role.PUBLIC_SECURITY,
            Role.TOWNSHIP_OFFICIAL,
            Role.VILLAGE_SECRETARY,
            Role.VILLAGE_CADRE,
        },
    ),
    (
        "training:event_list",
        _("Training"),
        {Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL},
    ),
    (
        "training:compliance",
        _("Training compliance"),
        {
            Role.COUNTY_STAFF,
            Role.TOWNSHIP_OFFICIAL,
            Role.VILLAGE_SECRETARY,
            Role.PUBLIC_SECURITY,
        },
    ),
    ("attendance:duty", _("Duty"), ATTENDANCE_DUTY_ROLES),
    ("attendance:leave_list", _("Leave"), ATTENDANCE_DUTY_ROLES),
    (
        "attendance:inspection_list",
        _("Inspections"),
        {Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL},
    ),
    ("attendance:calendar", _("Calendar"), {Role.COUNTY_STAFF}),
    # Dispatch orders, settlement and assessment (performance, POLICY §5)
    (
        "performance:orders",
        _("Dispatch orders"),
        {Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL, Role.VILLAGE_SECRETARY},
    ),
    (
        "performance:settlement_list",
        _("Assessment"),
        {Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL, Role.VILLAGE_SECRETARY, Role.VILLAGE_CADRE},
    ),
    # Ranks (POLICY §7); a village cadre sees their own rank on their cadre page.
    (
        "ranks:distribution",
        _("Ranks"),
        {Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL, Role.PUBLIC_SECURITY},
    ),
    # Pay (compensation, POLICY §8): the payroll for county and townships, payslips for all
    ("compensation:payroll_list", _("Payroll"), {Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL}),
    ("compensation:payslip_list", _("My payslips"), {Role.VILLAGE_SECRETARY, Role.VILLAGE_CADRE}),
    # Selection and appointments (cadres, POLICY §3, §2.3)
    ("cadres:candidate_list", _("Candidates"), {Role.COUNTY_STAFF}),
    ("cadres:vetting_list", _("Joint vetting"), {Role.COUNTY_STAFF}),
    ("cadres:removal_list", _("Removals"), {Role.COUNTY_STAFF}),
    ("cadres:review_queue", _("My vetting queue"), {Role.VETTING_REVIEWER}),
    ("cadres:quota_overview", _("Quotas"), {Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL}),
    ("cadres:roster_import", _("Roster import"), {Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL}),
    # Statistics (dashboards, POLICY §9): the county, a township or a village seen from above
    (
        "dashboards:county",
        _("Statistics"),
        {Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL, Role.VILLAGE_SECRETARY},
    ),
    ("rule_list", _("County rules"), None),
]

# (url name, label, permission): entries granted through a group rather than a role.
PERMISSION_ITEMS = [
    ("audit_trail", _("Audit trail"), "longshan.view_audit_trail"),
]
PERMISSION_ITEMS_SESSION_KEY = "longshan_permission_items"


def permission_items_held_by(user):
    """Return the url names of the PERMISSION_ITEMS the user may use (kept at sign-in)."""
    return [name for name, _label, permission in PERMISSION_ITEMS if user.has_perm(permission)]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    current = request.path
    items = []
    for name, label, roles in ITEMS:
        if roles is not None and user.role not in roles:
            continue
        url = reverse(name)
        active = current == url if name == "home" else current.startswith(url)
        items.append({"url": url, "label": label, "active": active})
    # Read from the session, where sign-in put them: asking on every page costs queries.
    # The pages themselves check the permission on every request.
    session = getattr(request, "session", None) or {}
    held = session.get(PERMISSION_ITEMS_SESSION_KEY, [])
    for name, label, _permission in PERMISSION_ITEMS:
        if name in held:
            url = reverse(name)
            items.append({"url": url, "label": label, "active": current.startswith(url)})
    return {"nav_items": items}
