"""Load the Longshan demo county (`cadres.demo`) and its demo logins.

The same data on every run; a second run finds every row by its natural key (division
code, ID number, username) and changes nothing.
"""

import importlib
import unicodedata

from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from cadres import demo, services
from cadres.models import AppointmentEvent, Cadre, County, Township, User, Village
from longshan import audit

SITTING = (Cadre.Status.ACTIVE, Cadre.Status.SUSPENDED)

# Each later app adds its part of the living county (months of duty, leave, training…)
# with a `demo_load(*, warn)` in its own `demo.py`, run after the roster, in this order.
# Each must be repeatable: a second run finds its rows and creates nothing.
DEMO_EXTENSIONS = ["cadres", "training", "attendance", "performance", "ranks", "compensation"]


class Command(BaseCommand):
    help = "Load the Longshan demo county, its 1,198 cadres and a demo login for every role."

    def add_arguments(self, parser):
        parser.add_argument(
            "--logins",
            action="store_true",
            help="Only print the table of demo logins; load nothing.",
        )

    def handle(self, *args, logins=False, **options):
        if not logins:
            created = demo_load(warn=lambda message: self.stderr.write(self.style.WARNING(message)))
            self.stdout.write(summary(created))
        self.stdout.write(logins_table(demo.demo_logins()))


@transaction.atomic
def demo_load(*, warn=None):
    """Create what is missing of the demo county; return the counts created by kind.

    Records one `demo.loaded` audit event when anything was created (user accounts also
    get their own `user.created` events from `user_create`).
    """
    warn = warn or (lambda message: None)
    plan = demo.build_county()
    created = {}
    county, county_created = County.objects.get_or_create(
        code=plan.code, defaults={"name": plan.name}
    )
    created["counties"] = int(county_created)
    townships, created["townships"] = _load_townships(county, plan.townships)
    villages, created["villages"] = _load_villages(townships, plan.villages)
    created["cadres"] = _load_cadres(villages, plan.cadres, warn)
    created["users"] = _load_logins(demo.demo_logins(), warn)
    for app_label in DEMO_EXTENSIONS:
        if apps.is_installed(app_label):
            module = importlib.import_module(f"{app_label}.demo")
            created.update(module.demo_load(warn=warn))
    if any(created.values()):
        audit.record(
            "demo.loaded",
            actor=None,
            changes={kind: [None, count] for kind, count in created.items()},
        )
    return created


def _load_townships(county, plans):
    """Bulk-create the missing townships; return ({code: pk}, how many were created)."""
    codes = [plan.code for plan in plans]
    existing = set(Township.objects.filter(code__in=codes).values_list("code", flat=True))
    missing = [
        Township(county=county, code=plan.code, name=plan.name, kind=plan.kind)
        for plan in plans
        if plan.code not in existing
    ]
    Township.objects.bulk_create(missing)
    return dict(Township.objects.filter(code__in=codes).values_list("code", "pk")), len(missing)


def _load_villages(townships, plans):
    """Bulk-create the missing villages; return ({code: pk}, how many were created)."""
    codes = [plan.code for plan in plans]
    existing = set(Village.objects.filter(code__in=codes).values_list("code", flat=True))
    missing = [
        Village(
            township_id=townships[plan.township_code],
            code=plan.code,
            name=plan.name,
            kind=plan.kind,
            population=plan.population,
            area_km2=plan.area_km2,
        )
        for plan in plans
        if plan.code not in existing
    ]
    Village.objects.bulk_create(missing, batch_size=500)
    return dict(Village.objects.filter(code__in=codes).values_list("code", "pk")), len(missing)


def _load_cadres(villages, plans, warn):
    """Bulk-create the missing cadres; return how many were created."""
    existing = set(Cadre.objects.values_list("id_number", flat=True))
    # A secretary added by hand since the last run holds the village's one sitting
    # secretary post (a database constraint): leave that village's demo secretary out.
    with_secretary = set(
        Cadre.objects.filter(
            post=Cadre.Post.SECRETARY, status__in=SITTING, village_id__in=villages.values()
        ).values_list("village_id", flat=True)
    )
    missing = []
    for plan in plans:
        if plan.id_number in existing:
            continue
        village_id = villages[plan.village_code]
        if plan.post == Cadre.Post.SECRETARY and village_id in with_secretary:
            warn(
                _("Village %(code)s already has a sitting secretary; %(name)s is left out.")
                % {"code": plan.village_code, "name": plan.name}
            )
            continue
        cadre = Cadre(
            name=plan.name,
            ethnicity=plan.ethnicity,
            id_number=plan.id_number,
            phone=plan.phone,
            education=plan.education,
            political_status=plan.political_status,
            party_join_date=plan.party_join_date,
            village_id=village_id,
            post=plan.post,
            is_full_time=plan.is_full_time,
            status=plan.status,
            start_date=plan.start_date,
        )
        cadre.derive_fields()  # what save() would do: birth date, sex, pinyin keys
        missing.append(cadre)
    Cadre.objects.bulk_create(missing, batch_size=500)
    _load_history([cadre.id_number for cadre in missing], villages)
    return len(missing)


def _load_history(id_numbers, villages):
    """Bulk-create the appointment history of newly created cadres (POLICY §3.6).

    The plan's history leads to the plan's village, post and status, so the records
    created above already agree with their events.
    """
    plan = demo.history_plan()
    cadre_ids = dict(Cadre.objects.filter(id_number__in=id_numbers).values_list("id_number", "pk"))
    AppointmentEvent.objects.bulk_create(
        [
            AppointmentEvent(
                cadre_id=cadre_ids[id_number],
                kind=step.kind,
                on=step.on,
                village_id=villages[step.village_code] if step.village_code else None,
                post=step.post,
                reason=step.reason,
                decided_by_name=demo.DEMO_DECIDER,
            )
            for id_number in id_numbers
            for step in plan.get(id_number, ())
        ],
        batch_size=1000,
    )


def _load_logins(logins, warn):
    """Create the missing demo accounts through `user_create`; return how many."""
    existing = set(
        User.objects.filter(username__in=[login.username for login in logins]).values_list(
            "username", flat=True
        )
    )
    missing = [login for login in logins if login.username not in existing]
    townships = Township.objects.in_bulk(
        [login.township_code for login in missing if login.township_code], field_name="code"
    )
    cadres = Cadre.objects.select_related("user").in_bulk(
        [login.cadre_id_number for login in missing if login.cadre_id_number],
        field_name="id_number",
    )
    count = 0
    for login in missing:
        cadre = cadres.get(login.cadre_id_number) if login.cadre_id_number else None
        if login.cadre_id_number and (cadre is None or hasattr(cadre, "user")):
            warn(
                _("The cadre of login %(username)s is missing or has an account; skipped.")
                % {"username": login.username}
            )
            continue
        user = services.user_create(
            actor=None,
            username=login.username,
            password=login.password,
            role=login.role,
            full_name=login.full_name,
            department=login.department,
            is_township_principal=login.is_township_principal,
            cadre=cadre,
            township=townships.get(login.township_code) if login.township_code else None,
        )
        if login.groups:
            user.groups.set(Group.objects.filter(name__in=login.groups))
        count += 1
    return count


def summary(created):
    """Return the line that says what a run created."""
    if not any(created.values()):
        return _("The Longshan demo county is already loaded; nothing changed.")
    line = (
        _(
            "Created: counties %(counties)s, townships %(townships)s, villages and "
            "communities %(villages)s, cadres %(cadres)s, demo logins %(users)s."
        )
        % created
    )
    roster_keys = {"counties", "townships", "villages", "cadres", "users"}
    extra = [f"{key}={count}" for key, count in created.items() if key not in roster_keys]
    if not extra:
        return line
    return "\n".join([line, _("Also created (rows by table):") + " " + ", ".join(extra)])


def _width(text):
    """Return the width of text on a terminal, where a Chinese character takes two columns."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text, width):
    return text + " " * (width - _width(text))


def role_label(login):
    label = str(User.Role(login.role).label)
    if login.is_township_principal:
        label = _("%(role)s, principal") % {"role": label}
    return label


def logins_table(logins):
    """Return the demo logins as a text table: username, role, scope, password."""
    header = [_("Username"), _("Role"), _("Scope"), _("Password")]
    rows = [
        [login.username, role_label(login), str(login.scope), login.password] for login in logins
    ]
    widths = [max(_width(row[column]) for row in [header, *rows]) for column in range(4)]
    lines = [
        "  ".join(_pad(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, ["-" * width for width in widths], *rows]
    ]
    return "\n".join([_("Demo logins:"), *lines])
