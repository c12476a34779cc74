"""Every write to the organisation tree, the roster and the users: one function per change.

Each one checks scope and rules, writes in one transaction and records the audit event.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from longshan import audit, scoping

from . import names
from .models import Cadre, User

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
def cadre_create(*, actor, data):
    """Add a cadre to the roster from cleaned form data."""
    _check_village_in_scope(data["village"], actor)
    cadre = Cadre(**{field: data.get(field) for field in CADRE_FIELDS if field in data})
    _save_cadre(cadre)
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
    if "village" in data and data["village"].pk != cadre.village_id:
        _check_village_in_scope(data["village"], actor)
    before = audit.snapshot(cadre, CADRE_FIELDS)
    for field in CADRE_FIELDS:
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
