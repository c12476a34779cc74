"""Personal data (issue 11): ID and phone numbers masked unless permitted, and each full view
recorded. Every page, file and trail that shows them is checked both ways.
"""

import csv
import io
import json

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cadres import services as cadre_services
from cadres.models import Relation, User
from longshan import audit, privacy
from longshan.models import AuditEvent

from .conftest import PASSWORD
from .training_factories import EnrolmentFactory, TrainingEventFactory

GROUP = "personal data"
PHONE = "13800000000"
MASKED_PHONE = "138****0000"


def grant_personal_data(user):
    """Put the user in the "personal data" group; return the user, permissions reloaded."""
    # A transactional test before this one may have flushed the group the migration made.
    group, _created = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(Permission.objects.get(codename="view_personal_data"))
    user.groups.add(group)
    return User.objects.get(pk=user.pk)  # a fresh object: no cached permissions


def make_auditor(username="auditor"):
    group, _created = Group.objects.get_or_create(name="county auditor")
    group.permissions.add(Permission.objects.get(codename="view_audit_trail"))
    user = cadre_services.user_create(
        actor=None, username=username, password=PASSWORD, role=User.Role.COUNTY_STAFF
    )
    user.groups.add(group)
    return user


def viewed_events():
    return list(AuditEvent.objects.filter(action=privacy.ACTION).order_by("id"))


# ---------------------------------------------------------------- the masks and the group


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("43313019850615123X", "433130********123X"),
        ("433130198506151234", "433130********1234"),
        ("", ""),
        ("12345", "*****"),
    ],
)
def test_an_id_number_keeps_its_first_six_and_last_four_characters(value, masked):
    assert privacy.mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [("13812345678", "138****5678"), ("0743-1234567", "074*****4567"), ("12345", "*****")],
)
def test_a_phone_number_keeps_its_first_three_and_last_four_digits(value, masked):
    assert privacy.mask_phone(value) == masked


def test_audit_changes_are_masked_at_any_depth_and_other_values_kept():
    changes = {
        "phone": ["13812345678", "13912345678"],
        "name": ["张三", "张四"],
        "rows": [{"id_number": "43313019850615123X", "days": "2"}],
    }
    assert privacy.masked_changes(changes) == {
        "phone": ["138****5678", "139****5678"],
        "name": ["张三", "张四"],
        "rows": [{"id_number": "433130********123X", "days": "2"}],
    }


@pytest.mark.django_db
def test_the_migration_creates_the_personal_data_group_with_the_permission():
    group = Group.objects.get(name=GROUP)
    assert list(group.permissions.values_list("content_type__app_label", "codename")) == [
        ("longshan", "view_personal_data")
    ]


def test_the_demo_county_login_is_in_the_personal_data_group_and_nobody_else():
    from cadres.demo import PERSONAL_DATA_GROUP, demo_logins

    holders = [login.username for login in demo_logins() if PERSONAL_DATA_GROUP in login.groups]
    assert PERSONAL_DATA_GROUP == GROUP
    assert holders == ["county"]


# ---------------------------------------------------------------- pages


def test_the_cadre_page_masks_without_the_permission_and_records_nothing(county, client):
    cadre = county.cadres["a1_clerk"]
    for user in (county.users.county, county.users.official_a, county.users.clerk_a1):
        client.force_login(user)
        page = client.get(reverse("cadres:cadre_detail", args=[cadre.pk])).content.decode()
        assert privacy.mask_id_number(cadre.id_number) in page
        assert cadre.id_number not in page
        assert MASKED_PHONE in page and PHONE not in page
    assert viewed_events() == []


def test_the_cadre_page_shows_the_numbers_to_a_holder_and_records_the_view(county, client):
    cadre = county.cadres["a1_clerk"]
    client.force_login(grant_personal_data(county.users.county))
    url = reverse("cadres:cadre_detail", args=[cadre.pk])
    page = client.get(url).content.decode()
    assert cadre.id_number in page and PHONE in page
    [event] = viewed_events()
    assert event.actor_username == "county"
    assert event.changes == {"page": url, "count": 1, "cadre_ids": [cadre.pk]}


def test_the_village_page_masks_phones_unless_permitted(county, client):
    village = county.villages["a1"]
    client.force_login(county.users.official_a)
    page = client.get(reverse("cadres:village_detail", args=[village.pk])).content.decode()
    assert page.count(MASKED_PHONE) == 3 and PHONE not in page
    client.force_login(grant_personal_data(county.users.official_a))
    page = client.get(reverse("cadres:village_detail", args=[village.pk])).content.decode()
    assert page.count(PHONE) == 3
    [event] = viewed_events()
    ids = {county.cadres[f"a1_{post}"].pk for post in ("secretary", "clerk", "auxiliary_police")}
    assert set(event.changes["cadre_ids"]) == ids and event.changes["count"] == 3


def test_the_relatives_list_masks_both_id_numbers_unless_permitted(county, client):
    a, b = county.cadres["a1_clerk"], county.cadres["b1_clerk"]
    Relation.objects.create(
        kind="spouse", id_number_a=a.id_number, name_a=a.name, id_number_b=b.id_number, name_b="李"
    )
    client.force_login(county.users.county)
    page = client.get(reverse("cadres:relation_list")).content.decode()
    assert a.id_number not in page and b.id_number not in page
    assert privacy.mask_id_number(b.id_number) in page
    client.force_login(grant_personal_data(county.users.county))
    page = client.get(reverse("cadres:relation_list")).content.decode()
    assert a.id_number in page and b.id_number in page
    [event] = viewed_events()
    assert event.changes["cadres.relation_ids"] == [Relation.objects.get().pk]


def test_the_history_on_the_cadre_page_masks_a_changed_phone(county, client):
    cadre = county.cadres["a1_clerk"]
    audit.record(
        "cadre.updated",
        actor=county.users.county,
        target=cadre,
        changes={"phone": [PHONE, "13912345678"]},
    )
    client.force_login(county.users.county)
    page = client.get(reverse("cadres:cadre_detail", args=[cadre.pk])).content.decode()
    assert "139****5678" in page and "13912345678" not in page


# ---------------------------------------------------------------- search


def test_part_of_an_id_number_finds_a_cadre_only_for_a_holder(county, client):
    cadre = county.cadres["a1_clerk"]
    client.force_login(county.users.county)
    found = client.get(reverse("cadres:cadre_list"), {"q": cadre.id_number[-8:]})
    assert list(found.context["page"]) == []
    client.force_login(grant_personal_data(county.users.county))
    found = client.get(reverse("cadres:cadre_list"), {"q": cadre.id_number[-8:]})
    assert list(found.context["page"]) == [cadre]


def test_the_whole_id_number_finds_the_cadre_for_everyone_in_scope(county, client):
    cadre = county.cadres["a1_clerk"]
    client.force_login(county.users.official_a)
    found = client.get(reverse("cadres:cadre_list"), {"q": cadre.id_number.lower()})
    assert list(found.context["page"]) == [cadre]
    # The page repeats only what was typed: the list itself shows no ID numbers.
    assert viewed_events() == []


# ---------------------------------------------------------------- files


def roster_rows(content, file_format):
    if file_format == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))[1:]
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_the_roster_export_masks_unless_permitted_and_records_a_full_one(
    county, client, file_format
):
    expected = {cadre.id_number for cadre in county.cadres.values()}
    client.force_login(county.users.county)
    response = client.get(reverse("cadres:roster_export"), {"format": file_format})
    rows = roster_rows(response.content, file_format)
    assert {row[0] for row in rows} == {privacy.mask_id_number(i) for i in expected}
    assert {row[3] for row in rows} == {MASKED_PHONE}
    assert viewed_events() == []
    client.force_login(grant_personal_data(county.users.county))
    response = client.get(reverse("cadres:roster_export"), {"format": file_format})
    rows = roster_rows(response.content, file_format)
    assert {row[0] for row in rows} == expected and {row[3] for row in rows} == {PHONE}
    [event] = viewed_events()
    assert event.changes["count"] == 12
    assert set(event.changes["cadre_ids"]) == {c.pk for c in county.cadres.values()}


def test_the_training_attendance_sheet_masks_unless_permitted(county, client):
    event = TrainingEventFactory(township=county.townships["a"], level="below_county")
    EnrolmentFactory(event=event, cadre=county.cadres["a1_clerk"])
    url = reverse("training:attendance_sheet", args=[event.pk])
    cadre = county.cadres["a1_clerk"]
    client.force_login(county.users.official_a)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url).content)).active
    assert sheet["A2"].value == privacy.mask_id_number(cadre.id_number)
    assert viewed_events() == []
    client.force_login(grant_personal_data(county.users.official_a))
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url).content)).active
    assert sheet["A2"].value == cadre.id_number
    [viewed] = viewed_events()
    assert viewed.changes["cadre_ids"] == [cadre.pk]


def test_the_training_import_preview_masks_the_uploaded_numbers_unless_permitted(county, client):
    event = TrainingEventFactory(township=county.townships["a"], level="below_county")
    cadre = county.cadres["a1_clerk"]
    EnrolmentFactory(event=event, cadre=cadre)
    url = reverse("training:attendance_import", args=[event.pk])

    def preview():
        text = f"身份证号,姓名,天数\n{cadre.id_number},{cadre.name},1\n".encode()
        upload = SimpleUploadedFile("sheet.csv", text, content_type="text/csv")
        return client.post(url, {"file": upload}).content.decode()

    client.force_login(county.users.official_a)
    assert cadre.id_number not in preview()
    client.force_login(grant_personal_data(county.users.official_a))
    assert cadre.id_number in preview()
    assert len(viewed_events()) == 1


# ---------------------------------------------------------------- the audit trail


@pytest.fixture
def phone_change(county):
    return audit.record(
        "cadre.updated",
        actor=county.users.county,
        target=county.cadres["a1_clerk"],
        changes={"phone": [PHONE, "13912345678"], "id_number": ["43313019850615123X", None]},
    )


def test_the_audit_trail_masks_personal_changes_for_an_auditor_without_the_permission(
    county, client, phone_change
):
    client.force_login(make_auditor())
    page = client.get(reverse("audit_trail")).content.decode()
    assert "139****5678" in page and "13912345678" not in page
    assert "433130********123X" in page and "43313019850615123X" not in page
    for file_format in ("csv", "xlsx"):
        content = b"".join(client.get(reverse("audit_trail_export", args=[file_format])))
        if file_format == "xlsx":
            sheet = openpyxl.load_workbook(io.BytesIO(content)).active
            cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row]
            content = "\n".join(cells).encode()
        text = content.decode("utf-8-sig")
        assert "13912345678" not in text and "43313019850615123X" not in text
        assert "139****5678" in text
    assert viewed_events() == []


def test_the_audit_trail_shows_personal_changes_to_a_holder_and_records_it(
    county, client, phone_change
):
    client.force_login(grant_personal_data(make_auditor()))
    page = client.get(reverse("audit_trail")).content.decode()
    assert "13912345678" in page
    [event] = viewed_events()
    assert event.changes["longshan.auditevent_ids"] == [phone_change.pk]
    response = client.get(reverse("audit_trail_export", args=["csv"]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "13912345678" in text
    exported = viewed_events()[-1]
    assert exported.changes["count"] == 1
    assert exported.changes["page"].startswith(reverse("audit_trail_export", args=["csv"]))
    [row] = [row for row in csv.reader(io.StringIO(text)) if row[1] == "cadre.updated"]
    assert json.loads(row[-1])["phone"] == [PHONE, "13912345678"]
