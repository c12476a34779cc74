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
