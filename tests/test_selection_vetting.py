"""Selection and appointment (POLICY §3): candidates, checklist, vetting, relatives, history."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cadres import services
from cadres.models import (
    AppointmentEvent,
    Cadre,
    Candidate,
    DisqualifierItem,
    User,
    VettingCase,
    VettingReview,
)
from longshan.models import AuditEvent

from .conftest import PASSWORD
from .factories import CadreFactory, VillageFactory, make_id_number

PLANNED = datetime.date(2026, 12, 1)
DEPARTMENTS = list(User.Department.values)


def candidate_data(village, *, birth=datetime.date(1996, 5, 4), **overrides):
    data = {
        "name": "龚小燕",
        "id_number": make_id_number(birth, male=False),
        "ethnicity": "15",
        "phone": "13912340000",
        "education": "bachelor",
        "political_status": "youth_league",
        "party_join_date": None,
        "village": village,
        "post": "clerk",
        "channel": "poverty_volunteer",
        "is_reappointment": False,
        "planned_on": PLANNED,
    }
    data.update(overrides)
    return data


def make_candidate(county, *, village="a2", attest=True, **overrides):
    candidate = services.candidate_create(
        actor=county.users.county, data=candidate_data(county.villages[village], **overrides)
    )
    if attest:
        services.candidate_attest(candidate, actor=county.users.county, ticked_item_ids=[])
    return candidate


@pytest.fixture
def reviewers(county):
    """One reviewer per department (the fixture's `reviewer` is discipline)."""
    users = {"discipline": county.users.reviewer}
    for department in DEPARTMENTS[1:]:
        users[department] = services.user_create(
            actor=None,
            username=f"vet_{department}",
            password=PASSWORD,
            role=User.Role.VETTING_REVIEWER,
            department=department,
        )
    return users


def pass_departments(case, reviewers, departments):
    for department in departments:
        review = case.reviews.get(department=department)
        services.review_decide(review, actor=reviewers[department], passed=True)


# ---------------------------------------------------------------- the whole journey


def test_a_candidate_goes_through_vetting_to_appointment(county, reviewers, client):
    # Given a clerk candidate in the pool, attested with nothing ticked
    candidate = make_candidate(county)
    # When county staff send them to joint vetting
    case = services.vetting_start(candidate, actor=county.users.county)
    # Then the nine departments each have one review waiting
    assert sorted(case.reviews.values_list("department", flat=True)) == sorted(DEPARTMENTS)
    assert set(case.reviews.values_list("status", flat=True)) == {"pending"}
    # And each reviewer's queue holds only their department's review
    for department, reviewer in reviewers.items():
        client.force_login(reviewer)
        queue = list(client.get(reverse("cadres:review_queue")).context["waiting"])
        assert [review.department for review in queue] == [department]
    # When eight departments pass, appointment is still refused
    pass_departments(case, reviewers, DEPARTMENTS[:8])
    case.refresh_from_db()
    assert case.status == "in_progress"
    with pytest.raises(ValidationError):
        services.vetting_appoint(case, actor=county.users.county)
    # When the ninth passes, the case waits for appointment
    pass_departments(case, reviewers, DEPARTMENTS[8:])
    case.refresh_from_db()
    assert case.status == "passed"
    # When county staff appoint
    cadre = services.vetting_appoint(case, actor=county.users.county, on=PLANNED)
    # Then the cadre is on the roster, in post, with the appointment event as their history
    assert (cadre.village, cadre.post, cadre.status, cadre.start_date) == (
        county.villages["a2"],
        "clerk",
        "active",
        PLANNED,
    )
    event = AppointmentEvent.objects.get(cadre=cadre)
    assert (event.kind, event.status, event.on, event.decided_by) == (
        "appointment",
        "confirmed",
        PLANNED,
        county.users.county,
    )
    case.refresh_from_db()
    candidate.refresh_from_db()
    assert (case.status, candidate.status, candidate.cadre) == ("appointed", "appointed", cadre)
    assert AuditEvent.objects.filter(action="appointment.appointment").count() == 1
    # And the cadre page shows the timeline
    client.force_login(county.users.county)
    page = client.get(cadre.get_absolute_url())
    assert [e.kind for e in page.context["timeline"]] == ["appointment"]


def test_one_fail_rejects_the_case_with_the_reason_shown_to_county_staff(county, reviewers, client):
    case = services.vetting_start(make_candidate(county), actor=county.users.county)
    pass_departments(case, reviewers, DEPARTMENTS[:3])
    review = case.reviews.get(department="petitions")
    # A fail without a reason is refused
    with pytest.raises(ValidationError):
        services.review_decide(review, actor=reviewers["petitions"], passed=False, reason=" ")
    services.review_decide(
        review, actor=reviewers["petitions"], passed=False, reason="多次组织越级上访"
    )
    case.refresh_from_db()
    assert case.status == "rejected"
    assert case.candidate.status == "rejected"
    # The other departments' reviews no longer wait in their queues
    client.force_login(reviewers["court"])
    assert list(client.get(reverse("cadres:review_queue")).context["waiting"]) == []
    # And county staff see the reason on the case
    client.force_login(county.users.county)
    response = client.get(case.get_absolute_url())
    assert [r.reason for r in response.context["failed"]] == ["多次组织越级上访"]
    assert 'data-testid="fail-reasons"' in response.content.decode()
    with pytest.raises(ValidationError):
        services.vetting_appoint(case, actor=county.users.county)


def test_a_reviewer_decides_only_their_own_department(county, reviewers, client):
    case = services.vetting_start(make_candidate(county), actor=county.users.county)
    court_review = case.reviews.get(department="court")
    # The health reviewer cannot pass the court's review, through the service or the page
    with pytest.raises(PermissionDenied):
        services.review_decide(court_review, actor=reviewers["health"], passed=True)
    client.force_login(reviewers["health"])
    url = reverse("cadres:review_detail", args=[court_review.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"verdict": "pass"}).status_code == 404
    # The court reviewer can, through the page
    client.force_login(reviewers["court"])
    response = client.post(url, {"verdict": "pass", "reason": ""})
    assert response.status_code == 302
    court_review.refresh_from_db()
    assert (court_review.status, court_review.reviewer) == ("passed", reviewers["court"])
    # And county staff cannot pass a department's review
    with pytest.raises(PermissionDenied):
        services.review_decide(
            case.reviews.get(department="health"), actor=county.users.county, passed=True
        )


def test_the_reviewer_home_page_counts_their_queue(county, reviewers, client):
    for n in range(2):
        make = make_candidate(county, name=f"候选{n}", birth=datetime.date(1995, 1, 1 + n))
        services.vetting_start(make, actor=county.users.county)
    client.force_login(reviewers["agriculture"])
    response = client.get(reverse("home"))
    assert response.context["selection_waiting"] == {"reviews": 2}
    assert 'data-testid="review-queue-count">2<' in response.content.decode()


# ---------------------------------------------------------------- the rules that refuse


def test_a_ticked_situation_blocks_and_an_unattested_candidate_cannot_start(county):
    candidate = make_candidate(county, attest=False)
    with pytest.raises(ValidationError):
        services.vetting_start(candidate, actor=county.users.county)
    assert candidate.attestations.count() == 0
    item = DisqualifierItem.objects.get(text="被列为失信被执行人的")
    services.candidate_attest(candidate, actor=county.users.county, ticked_item_ids=[item.pk])
    with pytest.raises(ValidationError) as ticked:
        services.vetting_start(candidate, actor=county.users.county)
    assert any("被列为失信被执行人的" in message for message in ticked.value.messages)
    # The attestation is stored, every situation answered
    assert candidate.attestations.count() == DisqualifierItem.objects.filter(is_active=True).count()
    assert list(candidate.attestations.filter(applies=True).values_list("item", flat=True)) == [
        item.pk
    ]


def test_the_county_checklist_is_seeded_and_editable(county, client):
    assert DisqualifierItem.objects.filter(is_active=True).count() == 10
    client.force_login(county.users.county)
    response = client.post(
        reverse("cadres:disqualifier_list"),
        {"text": "违规参与土地流转牟利的", "position": 11, "is_active": "on"},
    )
    assert response.status_code == 302
    candidate = make_candidate(county)
    assert candidate.attestations.count() == 11


def test_the_exceptional_clerk_needs_a_reason_and_county_approval(county):
    # Given a clerk candidate who is 37 on the planned date
    candidate = make_candidate(county, birth=datetime.date(1989, 6, 1))
    with pytest.raises(ValidationError) as refused:
        services.vetting_start(candidate, actor=county.users.county)
    assert any("37" in message for message in refused.value.messages)
    # An exception without a written reason is refused
    with pytest.raises(ValidationError):
        services.candidate_exception_approve(candidate, actor=county.users.county, reason=" ")
    # When county staff approve with the reason, the case can start; both are kept
    services.candidate_exception_approve(
        candidate, actor=county.users.county, reason="脱贫攻坚表现突出"
    )
    case = services.vetting_start(candidate, actor=county.users.county)
    candidate.refresh_from_db()
    assert candidate.exception_reason == "脱贫攻坚表现突出"
    assert candidate.exception_approved_by == county.users.county
    assert candidate.exception_approved_at is not None
    assert case.status == "in_progress"


def test_an_exception_never_lifts_the_hard_clerk_limit(county):
    candidate = make_candidate(county, birth=datetime.date(1985, 6, 1))  # 41
    services.candidate_exception_approve(candidate, actor=county.users.county, reason="优秀")
    with pytest.raises(ValidationError):
        services.vetting_start(candidate, actor=county.users.county)


def test_relatives_may_not_serve_in_one_village(county, reviewers):
    # Given a candidate whose brother is the auxiliary police of village a2
    brother = county.cadres["a2_auxiliary_police"]
    candidate = make_candidate(county, village="a2")
    services.relation_record(
        actor=county.users.county,
        kind="sibling",
        id_number_a=candidate.id_number,
        name_a=candidate.name,
        id_number_b=brother.id_number,
        name_b=brother.name,
    )
    # Then joint vetting is refused, naming both
    with pytest.raises(ValidationError) as refused:
        services.vetting_start(candidate, actor=county.users.county)
    message = " ".join(refused.value.messages)
    assert candidate.name in message and brother.name in message
    # And when the relative is appointed after the case started, the appointment is refused
    other = make_candidate(county, village="b1", name="舒畅", birth=datetime.date(1994, 2, 2))
    case = services.vetting_start(other, actor=county.users.county)
    pass_departments(case, reviewers, DEPARTMENTS)
    services.relation_record(
        actor=county.users.county,
        kind="spouse",
        id_number_a=other.id_number,
        name_a=other.name,
        id_number_b=county.cadres["b1_secretary"].id_number,
        name_b=county.cadres["b1_secretary"].name,
    )
    with pytest.raises(ValidationError) as refused:
        services.vetting_appoint(case, actor=county.users.county)
    assert county.cadres["b1_secretary"].name in " ".join(refused.value.messages)
    assert not Cadre.objects.filter(id_number=other.id_number).exists()


def test_a_transfer_to_a_relatives_village_is_refused(county):
    clerk, secretary = county.cadres["a1_clerk"], county.cadres["b1_secretary"]
    services.relation_record(
        actor=county.users.county,
        kind="parent_child",
        id_number_a=secretary.id_number,
        name_a=secretary.name,
        id_number_b=clerk.id_number,
        name_b=clerk.name,
    )
    with pytest.raises(ValidationError) as refused:
        services.event_record(
            clerk,
            actor=county.users.county,
            kind="transfer",
            on=datetime.date(2026, 3, 1),
            reason="调整",
            village=county.villages["b1"],
            post="clerk",
        )
    assert clerk.name in refused.value.messages[0] and secretary.name in refused.value.messages[0]


def test_clerk_candidates_are_listed_in_channel_priority(county, client):
    channels = ["other_villager", "reserve_cadre", "village_director", "poverty_volunteer"]
    for n, channel in enumerate(channels):
        make_candidate(
            county, name=f"候选{n}", channel=channel, birth=datetime.date(1995, 2, 1 + n)
        )
    client.force_login(county.users.county)
    listed = client.get(reverse("cadres:candidate_list"), {"post": "clerk"}).context["page"]
    assert [c.channel for c in listed] == [
        "village_director",
        "poverty_volunteer",
        "reserve_cadre",
        "other_villager",
    ]


def test_a_secretary_reappointment_uses_the_reappointment_age(county, reviewers):
    # The sitting secretary of a1, 59 on the planned date, is re-appointed
    secretary = county.cadres["a1_secretary"]
    Cadre.objects.filter(pk=secretary.pk).update(party_join_date=datetime.date(2000, 7, 1))
    secretary.refresh_from_db()
    data = candidate_data(
        county.villages["a1"],
        name=secretary.name,
        id_number=secretary.id_number,
        post="secretary",
        political_status="party_member",
        party_join_date=datetime.date(2000, 7, 1),
        is_reappointment=True,
        channel="principal_cadre",
    )
    planned = datetime.date(secretary.birth_date.year + 59, 12, 1)
    data["planned_on"] = planned
    candidate = services.candidate_create(actor=county.users.county, data=data)
    services.candidate_attest(candidate, actor=county.users.county, ticked_item_ids=[])
    case = services.vetting_start(candidate, actor=county.users.county)
    pass_departments(case, reviewers, DEPARTMENTS)
    cadre = services.vetting_appoint(case, actor=county.users.county)
    assert cadre.pk == secretary.pk
    assert cadre.start_date == secretary.start_date  # a new term keeps the start date
    assert list(cadre.events.values_list("kind", flat=True)) == ["appointment", "appointment"]


# ---------------------------------------------------------------- the history (§3.6)


def test_events_change_the_record_and_the_edit_form_cannot(county, client):
    clerk = county.cadres["a1_clerk"]
    client.force_login(county.users.county)
    # The edit form no longer has post, status, village or start date
    form = client.get(reverse("cadres:cadre_edit", args=[clerk.pk])).context["form"]
    assert not {"post", "status", "village", "start_date"} & set(form.fields)
    # Posting them anyway changes nothing
    services.cadre_update(
        clerk,
        actor=county.users.county,
        data={"status": "departed", "post": "secretary", "village": county.villages["b1"]},
    )
    clerk.refresh_from_db()
    assert (clerk.status, clerk.post, clerk.village_id) == (
        "active",
        "clerk",
        county.villages["a1"].pk,
    )
    # A suspension through the events page does
    response = client.post(
        reverse("cadres:cadre_event_create", args=[clerk.pk]),
        {"kind": "suspension", "on": "2026-05-04", "reason": "配合调查"},
    )
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.status == "suspended"
    # Then a transfer, a reinstatement and a departure
    for kind, on, extra in [
        (
            "transfer",
            datetime.date(2026, 6, 1),
            {"village": county.villages["a2"], "post": "clerk"},
        ),
        ("reinstatement", datetime.date(2026, 7, 1), {}),
        ("departure", datetime.date(2026, 8, 1), {}),
    ]:
        services.event_record(
            clerk, actor=county.users.county, kind=kind, on=on, reason="决定", **extra
        )
    clerk.refresh_from_db()
    assert (clerk.status, clerk.village_id, clerk.start_date) == (
        "departed",
        county.villages["a2"].pk,
        datetime.date(2019, 3, 1),
    )
    timeline = client.get(clerk.get_absolute_url()).context["timeline"]
    assert [event.kind for event in timeline] == [
        "appointment",
        "suspension",
        "transfer",
        "reinstatement",
        "departure",
    ]
    assert all(event.reason and event.decided_by_name for event in timeline[1:])
    # An event that cannot follow is refused, and nothing changes
    with pytest.raises(ValidationError):
        services.event_record(
            clerk,
            actor=county.users.county,
            kind="suspension",
            on=datetime.date(2026, 9, 1),
            reason="x",
        )
    assert clerk.events.count() == 5


def test_only_county_staff_record_events(county):
    with pytest.raises(PermissionDenied):
        services.event_record(
            county.cadres["a1_clerk"],
            actor=county.users.official_a,
            kind="suspension",
            on=datetime.date(2026, 1, 1),
            reason="x",
        )


def test_a_new_cadre_on_the_roster_gets_the_appointment_event(county):
    data = {
        "name": "田小梅",
        "id_number": make_id_number(datetime.date(1995, 4, 2), male=False),
        "ethnicity": "15",
        "phone": "13912345678",
        "education": "bachelor",
        "political_status": "masses",
        "village": county.villages["a2"],
        "post": "clerk",
        "is_full_time": True,
        "start_date": datetime.date(2021, 3, 1),
    }
    cadre = services.cadre_create(actor=county.users.official_a, data=data)
    event = cadre.events.get()
    assert (event.kind, event.on, event.village_id, event.decided_by) == (
        "appointment",
        datetime.date(2021, 3, 1),
        county.villages["a2"].pk,
        county.users.official_a,
    )


# ---------------------------------------------------------------- quotas (§2.3)


def test_quota_page_lists_villages_over_and_under_by_township(county, client):
    # a1 gets a second clerk (over); b2 becomes 45 km² (a second police post: under)
    CadreFactory(village=county.villages["a1"], post="clerk", name="多余")
    county.villages["b2"].area_km2 = 45
    county.villages["b2"].save()
    client.force_login(county.users.county)
    response = client.get(reverse("cadres:quota_overview"))
    groups = {
        township.name: {v.code: {c["post"]: c["diff"] for c in v.quota_cells} for v in villages}
        for township, villages in response.context["groups"]
    }
    assert groups == {
        "里耶镇": {"433130101001": {"secretary": 0, "clerk": 1, "auxiliary_police": 0}},
        "民安街道": {"433130102002": {"secretary": 0, "clerk": 0, "auxiliary_police": -1}},
    }
    # A township official sees only their township
    client.force_login(county.users.official_b)
    response = client.get(reverse("cadres:quota_overview"))
    assert [t.name for t, _v in response.context["groups"]] == ["民安街道"]


def test_quota_page_runs_the_same_queries_whatever_the_size(county, client):
    client.force_login(county.users.county)
    url = reverse("cadres:quota_overview") + "?all=1"
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for n in range(15):
        village = VillageFactory(township=county.townships["b"], code=f"4331301029{n:02d}")
        CadreFactory(village=village, post="clerk", name=f"新{n}")
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(small) == len(large) <= 10


def test_lists_of_selection_run_a_fixed_number_of_queries(county, reviewers, client):
    def queries(user, url):
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    services.vetting_start(make_candidate(county), actor=county.users.county)
    urls = [reverse("cadres:candidate_list"), reverse("cadres:vetting_list")]
    small = [queries(county.users.county, url) for url in urls]
    small_queue = queries(reviewers["court"], reverse("cadres:review_queue"))
    for n in range(6):
        candidate = make_candidate(county, name=f"批{n}", birth=datetime.date(1994, 3, 1 + n))
        services.vetting_start(candidate, actor=county.users.county)
    assert [queries(county.users.county, url) for url in urls] == small
    assert queries(reviewers["court"], reverse("cadres:review_queue")) == small_queue


# ---------------------------------------------------------------- the access matrix

ROLES = ["county", "official_a", "official_b", "secretary_a1", "clerk_a1", "psb", "reviewer"]


@pytest.fixture
def objects(county):
    candidate = make_candidate(county)
    case = services.vetting_start(candidate, actor=county.users.county)
    return {
        "candidate": candidate,
        "case": case,
        "review:discipline": case.reviews.get(department="discipline"),
        "review:court": case.reviews.get(department="court"),
        "cadre:a1_clerk": county.cadres["a1_clerk"],
        "cadre:b1_clerk": county.cadres["b1_clerk"],
    }


MATRIX = [
    (("cadres:candidate_list", None), {"county"}),
    (("cadres:candidate_create", None), {"county"}),
    (("cadres:candidate_detail", "candidate"), {"county"}),
    (("cadres:vetting_list", None), {"county"}),
    (("cadres:vetting_detail", "case"), {"county"}),
    (("cadres:review_queue", None), {"reviewer"}),
    (("cadres:review_detail", "review:discipline"), {"county", "reviewer"}),
    (("cadres:review_detail", "review:court"), {"county"}),
    (("cadres:relation_list", None), {"county"}),
    (("cadres:disqualifier_list", None), {"county"}),
    (("cadres:removal_list", None), {"county"}),
    (("cadres:cadre_event_create", "cadre:a1_clerk"), {"county"}),
    (("cadres:cadre_event_create", "cadre:b1_clerk"), {"county"}),
    (("cadres:quota_overview", None), {"county", "official_a", "official_b"}),
    (("cadres:roster_import", None), {"county", "official_a", "official_b"}),
    (("cadres:roster_export", None), {"county", "official_a", "official_b"}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("target", "allowed"), MATRIX, ids=[f"{t[0]}-{t[1]}" for t, _ in MATRIX])
def test_each_role_sees_only_its_scope(county, objects, client, role, target, allowed):
    name, key = target
    url = reverse(name, args=[objects[key].pk]) if key else reverse(name)
    client.force_login(getattr(county.users, role))
    response = client.get(url)
    assert response.status_code == (200 if role in allowed else 404), (role, url)


@pytest.mark.parametrize(("target", "_allowed"), MATRIX, ids=[f"{t[0]}-{t[1]}" for t, _ in MATRIX])
def test_anonymous_is_sent_to_login(county, objects, client, target, _allowed):
    name, key = target
    url = reverse(name, args=[objects[key].pk]) if key else reverse(name)
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    "action",
    ["cadres:candidate_attest", "cadres:candidate_exception", "cadres:vetting_start"],
)
@pytest.mark.parametrize("role", [r for r in ROLES if r != "county"])
def test_only_county_staff_post_selection_actions(county, objects, client, role, action):
    client.force_login(getattr(county.users, role))
    response = client.post(reverse(action, args=[objects["candidate"].pk]), {"reason": "x"})
    assert response.status_code == 404


def test_a_township_official_cannot_post_an_appointment_or_an_event(county, objects, client):
    client.force_login(county.users.official_a)
    assert client.post(objects["case"].get_absolute_url(), {"on": "2026-12-01"}).status_code == 404
    url = reverse("cadres:cadre_event_create", args=[county.cadres["a1_clerk"].pk])
    assert (
        client.post(url, {"kind": "departure", "on": "2026-01-01", "reason": "x"}).status_code
        == 404
    )
    assert Candidate.objects.filter(status="appointed").count() == 0
    assert VettingCase.objects.get().status == "in_progress"
    assert VettingReview.objects.filter(status="pending").count() == 9
