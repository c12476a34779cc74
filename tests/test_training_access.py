"""Who may open which training page (POLICY §1.4, lead's decisions for §6).

Each role against objects in and out of its scope; out of scope answers 404, like an id
that does not exist.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from training.models import TrainingAttendance, TrainingEvent

from .training_factories import (
    EducationEntryFactory,
    EnrolmentFactory,
    SecondmentFactory,
    TrainingEventFactory,
)

ROLES = ["county", "official_a", "official_b", "secretary_a1", "clerk_a1", "psb", "reviewer"]
BELOW = TrainingEvent.Level.BELOW_COUNTY


@pytest.fixture
def training(county):
    """Events of the test county: a county event with township A's cadres enrolled, one with
    B's, and each township's own session; a secondment and an education entry in a1 and b1."""
    events = {
        "county_a": TrainingEventFactory(title="县级轮训A"),
        "county_b": TrainingEventFactory(title="县级轮训B"),
        "below_a": TrainingEventFactory(
            title="里耶镇培训会", level=BELOW, township=county.townships["a"], days=Decimal("1")
        ),
        "below_b": TrainingEventFactory(
            title="民安街道培训会", level=BELOW, township=county.townships["b"], days=Decimal("1")
        ),
    }
    EnrolmentFactory(event=events["county_a"], cadre=county.cadres["a1_clerk"])
    EnrolmentFactory(event=events["county_b"], cadre=county.cadres["b1_clerk"])
    return {
        "event": events,
        "secondment": {
            key: SecondmentFactory(cadre=county.cadres[f"{key}_clerk"]) for key in ("a1", "b1")
        },
        "education": {
            key: EducationEntryFactory(cadre=county.cadres[f"{key}_clerk"]) for key in ("a1", "b1")
        },
    }


def resolve(county, training, target):
    name, key = target
    if key is None:
        return reverse(f"training:{name}")
    kind, _, which = key.partition(":")
    obj = county.cadres[which] if kind == "cadre" else training[kind][which]
    return reverse(f"training:{name}", args=[obj.pk])


EVERY_COMPLIANCE_ROLE = {"county", "official_a", "official_b", "secretary_a1", "psb"}

# page -> the roles that get 200; every other role gets 404.
MATRIX = [
    (("event_list", None), {"county", "official_a", "official_b"}),
    (("event_create", None), {"county"}),
    (("event_detail", "event:county_a"), {"county", "official_a"}),
    (("event_detail", "event:county_b"), {"county", "official_b"}),
    (("event_detail", "event:below_a"), {"county", "official_a"}),
    (("event_detail", "event:below_b"), {"county", "official_b"}),
    (("event_edit", "event:county_a"), {"county"}),
    (("event_edit", "event:below_a"), {"county"}),
    (("event_enrol", "event:county_a"), {"county"}),
    (("event_enrol", "event:below_a"), {"county"}),
    (("attendance_record", "event:county_a"), {"county"}),
    (("attendance_record", "event:below_a"), {"county", "official_a"}),
    (("attendance_record", "event:below_b"), {"county", "official_b"}),
    (("attendance_sheet", "event:county_a"), {"county"}),
    (("attendance_sheet", "event:below_a"), {"county", "official_a"}),
    (("attendance_import", "event:county_a"), {"county"}),
    (("attendance_import", "event:below_a"), {"county", "official_a"}),
    (("attendance_import", "event:below_b"), {"county", "official_b"}),
    (("compliance", None), EVERY_COMPLIANCE_ROLE),
    (("compliance_export", None), EVERY_COMPLIANCE_ROLE),
    (("my_training", None), {"secretary_a1", "clerk_a1"}),
    (("cadre_record", "cadre:a1_clerk"), {"county", "official_a", "secretary_a1", "clerk_a1"}),
    (
        ("cadre_record", "cadre:a1_auxiliary_police"),
        {"county", "official_a", "secretary_a1", "psb"},
    ),
    (("cadre_record", "cadre:a2_clerk"), {"county", "official_a"}),
    (("cadre_record", "cadre:b1_clerk"), {"county", "official_b"}),
    (("cadre_record", "cadre:b1_auxiliary_police"), {"county", "official_b", "psb"}),
    (("secondment_create", "cadre:a1_clerk"), {"county"}),
    (("secondment_edit", "secondment:a1"), {"county"}),
    (("secondment_edit", "secondment:b1"), {"county"}),
    (("education_entry_create", "cadre:b1_clerk"), {"county"}),
    (("education_entry_edit", "education:a1"), {"county"}),
    (("education_entry_edit", "education:b1"), {"county"}),
]
IDS = [f"{target[0]}-{target[1]}" for target, _allowed in MATRIX]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("target", "allowed"), MATRIX, ids=IDS)
def test_each_role_opens_only_its_training_pages(county, training, client, role, target, allowed):
    # Given a user of the role, when they open the page, then 200 in scope and 404 outside
    client.force_login(getattr(county.users, role))
    response = client.get(resolve(county, training, target))
    assert response.status_code == (200 if role in allowed else 404)


@pytest.mark.parametrize(("target", "_allowed"), MATRIX, ids=IDS)
def test_anonymous_is_sent_to_login(county, training, client, target, _allowed):
    response = client.get(resolve(county, training, target))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_missing_event_answers_like_one_out_of_scope(county, training, client):
    client.force_login(county.users.official_a)
    other = client.get(reverse("training:event_detail", args=[training["event"]["below_b"].pk]))
    missing = client.get(reverse("training:event_detail", args=[999999]))
    assert other.status_code == missing.status_code == 404


def test_an_official_lists_only_events_of_their_township(county, training, client):
    client.force_login(county.users.official_a)
    response = client.get(reverse("training:event_list"))
    titles = {event.title for event in response.context["page"]}
    assert titles == {"县级轮训A", "里耶镇培训会"}


def test_an_official_cannot_post_attendance_outside_their_own_sessions(county, training, client):
    # Given township A's official
    client.force_login(county.users.official_a)
    clerk_b = county.cadres["b1_clerk"]
    for key in ("below_b", "county_a"):
        event = training["event"][key]
        # When they post attendance to B's session or to a county event
        response = client.post(
            reverse("training:attendance_record", args=[event.pk]),
            {f"days_{clerk_b.pk}": "1"},
        )
        # Then 404, and nothing is recorded
        assert response.status_code == 404
    assert not TrainingAttendance.objects.exists()


def test_only_county_staff_post_events_secondments_and_education(county, training, client):
    client.force_login(county.users.official_a)
    cadre = county.cadres["a1_clerk"]
    posts = [
        (reverse("training:event_create"), {"title": "x"}),
        (
            reverse("training:event_enrol", args=[training["event"]["below_a"].pk]),
            {"posts": "clerk"},
        ),
        (reverse("training:secondment_create", args=[cadre.pk]), {"office": "x"}),
        (reverse("training:education_entry_create", args=[cadre.pk]), {"institution": "x"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url


def test_the_cadre_page_shows_secondments_and_education_to_whoever_sees_the_cadre(
    county, training, client
):
    # Given the clerk of a1 with a secondment and an education entry
    client.force_login(county.users.clerk_a1)
    response = client.get(county.cadres["a1_clerk"].get_absolute_url())
    # Then their own cadre page shows both, read only
    body = response.content.decode()
    assert 'data-testid="cadre-training"' in body
    assert "党政综合办公室" in body and "湖南开放大学" in body
    assert reverse("training:secondment_create", args=[county.cadres["a1_clerk"].pk]) not in body
    # And county staff get the links to add more
    client.force_login(county.users.county)
    body = client.get(county.cadres["a1_clerk"].get_absolute_url()).content.decode()
    assert reverse("training:secondment_create", args=[county.cadres["a1_clerk"].pk]) in body


def test_training_pages_run_a_fixed_handful_of_queries(county, training, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(county.users.county)
    event = training["event"]["county_a"]
    for url in (
        reverse("training:event_list"),
        reverse("training:event_detail", args=[event.pk]),
        reverse("training:attendance_record", args=[event.pk]),
        reverse("training:cadre_record", args=[county.cadres["a1_clerk"].pk]),
    ):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert len(queries) <= 10, (url, len(queries))


def test_event_dates_show_on_the_event_page(county, training, client):
    client.force_login(county.users.county)
    event = training["event"]["county_a"]
    response = client.get(event.get_absolute_url())
    assert event.start_date == datetime.date(2026, 4, 7)
    assert "2026-04-07" in response.content.decode()
