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
    ("rule_list", _("County rules"), None),
]


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
    return {"nav_items": items}
