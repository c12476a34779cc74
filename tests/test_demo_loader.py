"""The Longshan demo county (POLICY §1, §9.1): exact totals, a loader that runs twice, logins."""

import hashlib
import io
from collections import Counter

import pytest
from django.apps import apps
from django.core.management import call_command

from cadres import demo, rules
from cadres.management.commands import load_longshan_demo as loader_command
from cadres.models import Cadre, County, Township, User, Village
from longshan import scoping
from longshan.models import AuditEvent

Post = Cadre.Post


@pytest.fixture(autouse=True)
def roster_only(request, monkeypatch):
    """Load only the roster part, unless a test asks for the whole living county."""
    if "whole_county" not in request.keywords:
        monkeypatch.setattr(loader_command, "DEMO_EXTENSIONS", [])


def load(*args):
    """Run the loader and return what it printed."""
    out = io.StringIO()
    call_command("load_longshan_demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def row_counts():
    return {
        model.__name__: model.objects.count()
        for model in (County, Township, Village, Cadre, User, AuditEvent)
    }


def roster_checksum():
    """Return a digest of every cadre's ID number, name, village code and post."""
    rows = Cadre.objects.order_by("id_number").values_list(
        "id_number", "name", "village__code", "post"
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


# ---------------------------------------------------------------- the plan, without a database


def test_plan_is_the_same_on_every_build():
    # Given two builds of the plan, bypassing the cache
    first = demo.build_county.__wrapped__()
    second = demo.build_county.__wrapped__()

    # Then they are equal, field by field
    assert first == second


def test_plan_people_are_eligible_on_their_start_date():
    # Given the plan
    plan = demo.build_county()

    # Then every cadre met the age rules of POLICY §3.1 on their start date
    limits = {Post.SECRETARY: 57, Post.CLERK: 35, Post.AUXILIARY_POLICE: 45}
    for cadre in plan.cadres:
        assert 18 <= rules.age_on(cadre.birth_date, cadre.start_date) <= limits[cadre.post]
        assert cadre.start_date <= demo.LAST_START
        if cadre.post == Post.SECRETARY:
            assert cadre.start_date >= demo.PILOT_START
            # a party member for at least a year, having joined as an adult
            assert cadre.political_status == "party_member"
            assert cadre.party_join_date <= demo.add_years(cadre.start_date, -1)
        else:
            assert cadre.start_date >= demo.TRANSITION_START
        if cadre.party_join_date:
            assert cadre.party_join_date > demo.add_years(cadre.birth_date, 18)
        assert (cadre.party_join_date is not None) == (
            cadre.political_status in ("party_member", "probationary")
        )

    # And about 70% of clerks are under 35 on the reference date (§9.1)
    clerks = [cadre for cadre in plan.cadres if cadre.post == Post.CLERK]
    under_35 = sum(rules.age_on(cadre.birth_date, demo.AGES_ON) < 35 for cadre in clerks)
    assert 0.6 < under_35 / len(clerks) < 0.8


def test_plan_uses_the_models_values():
    # Given the values the plan keeps so as not to import models
    logins = demo.demo_logins()

    # Then they are the models' values
    assert [value for value, *_ in demo.VETTING_DEPARTMENTS] == list(User.Department.values)
    assert {login.role for login in logins} == set(User.Role.values)
    assert {demo.TOWN, demo.SUBDISTRICT} == set(Township.Kind.values)
    assert {demo.VILLAGE, demo.COMMUNITY} == set(Village.Kind.values)
    assert set(demo.EXPECTED_POSTS) == set(Post.values)


# ---------------------------------------------------------------- the loader


@pytest.mark.django_db
def test_loader_creates_the_county_with_its_published_totals():
    # Given an empty database
    assert not Cadre.objects.exists()

    # When the demo is loaded
    load()

    # Then the county has 21 townships, 4 of them subdistricts, and 397 villages
    county = County.objects.get(code="433130")
    assert county.name == "龙山县"
    assert Township.objects.filter(county=county).count() == 21
    assert set(
        Township.objects.filter(kind=Township.Kind.SUBDISTRICT).values_list("name", flat=True)
    ) == {"民安街道", "华塘街道", "新城街道", "石羔街道"}
    assert Village.objects.filter(township__county=county).count() == 397
    assert Village.objects.filter(population__gte=5000).count() == 7

    # And 1,198 cadres: 397 secretaries, 397 clerks and 404 auxiliary police
    assert Cadre.objects.count() == 1198
    by_post = Counter(Cadre.objects.values_list("post", flat=True))
    assert by_post == {Post.SECRETARY: 397, Post.CLERK: 397, Post.AUXILIARY_POLICE: 404}

    # And every village has the posts its quota gives it (§2.3)
    for village in Village.objects.prefetch_related("cadres"):
        quota = rules.headcount_quota(
            population=village.population, extra_police_from_population=5000
        )
        posts = Counter(c.post for c in village.cadres.all())
        assert posts == {
            Post.SECRETARY: quota.secretary,
            Post.CLERK: quota.clerk,
            Post.AUXILIARY_POLICE: quota.auxiliary_police,
        }

    # And the clerks' education is the county's (§9.1): 92 bachelor or above, 295 college,
    # 10 senior high school
    education = Counter(Cadre.objects.filter(post=Post.CLERK).values_list("education", flat=True))
    assert education["postgraduate"] + education["bachelor"] == 92
    assert education["college"] == 295
    assert education["senior_high"] == 10

    # And the roster is the sitting one: 6 suspended, none removed or departed
    assert Counter(Cadre.objects.values_list("status", flat=True)) == {
        Cadre.Status.ACTIVE: 1192,
        Cadre.Status.SUSPENDED: 6,
    }


@pytest.mark.django_db
def test_loaded_cadres_agree_with_their_id_numbers():
    # Given the loaded demo
    load()

    # Then every ID number is valid, and the birth date and sex stored agree with it
    cadres = list(Cadre.objects.values_list("id_number", "birth_date", "sex", "name_pinyin"))
    assert len(cadres) == 1198
    for id_number, birth_date, sex, name_pinyin in cadres:
        resident_id = rules.parse_resident_id(id_number, today=demo.AGES_ON)
        assert id_number.startswith("433130")
        assert (resident_id.birth_date, resident_id.sex) == (birth_date, sex)
        assert name_pinyin

    # And phone numbers are unique 11-digit mobiles
    phones = list(Cadre.objects.values_list("phone", flat=True))
    assert len(set(phones)) == 1198
    assert all(len(phone) == 11 and phone.startswith("1") for phone in phones)


@pytest.mark.django_db
def test_loader_records_one_audit_event():
    # Given an empty database
    # When the demo is loaded
    load()

    # Then one demo.loaded event records what was created
    event = AuditEvent.objects.get(action="demo.loaded")
    assert event.actor is None
    assert event.changes == {
        "counties": [None, 1],
        "townships": [None, 21],
        "villages": [None, 397],
        "cadres": [None, 1198],
        "users": [None, 18],
    }


@pytest.mark.django_db
def test_second_run_changes_nothing():
    # Given the loaded demo
    load()
    counts, checksum = row_counts(), roster_checksum()
    events = AuditEvent.objects.count()

    # When it is loaded again
    output = load()

    # Then no row is added or changed, and no audit event is recorded
    assert row_counts() == counts
    assert roster_checksum() == checksum
    assert AuditEvent.objects.count() == events
    assert "未作任何更改" in output


@pytest.mark.django_db
def test_loader_completes_a_partly_loaded_county():
    # Given the loaded demo from which a cadre and a login were deleted
    load()
    checksum = roster_checksum()
    User.objects.get(username="clerk").delete()
    demo_cadre("clerk").delete()

    # When it is loaded again
    load()

    # Then the cadre and the login are back, the same as before
    assert roster_checksum() == checksum
    assert User.objects.get(username="clerk").cadre == demo_cadre("clerk")
    assert AuditEvent.objects.filter(action="demo.loaded").latest("id").changes["cadres"] == [
        None,
        1,
    ]


def demo_cadre(username):
    login = next(login for login in demo.demo_logins() if login.username == username)
    return Cadre.objects.get(id_number=login.cadre_id_number)


@pytest.mark.django_db
def test_demo_logins_have_their_roles_and_can_log_in(client):
    # Given the loaded demo
    load()
    Role = User.Role
    liye = Township.objects.get(name="里耶镇")
    minan = Township.objects.get(name="民安街道")

    # Then each login has its role and unit
    expected = {
        "county": (Role.COUNTY_STAFF, None, False),
        "liye": (Role.TOWNSHIP_OFFICIAL, liye, True),
        "liye2": (Role.TOWNSHIP_OFFICIAL, liye, False),
        "minan": (Role.TOWNSHIP_OFFICIAL, minan, True),
        "secretary": (Role.VILLAGE_SECRETARY, None, False),
        "clerk": (Role.VILLAGE_CADRE, None, False),
        "police": (Role.VILLAGE_CADRE, None, False),
        "psb": (Role.PUBLIC_SECURITY, None, False),
        "auditor": (Role.COUNTY_STAFF, None, False),
    }
    expected.update(
        {f"vet_{value}": (Role.VETTING_REVIEWER, None, False) for value in User.Department.values}
    )
    users = {user.username: user for user in User.objects.select_related("cadre__village")}
    assert set(users) == set(expected)
    for username, (role, township, is_principal) in expected.items():
        user = users[username]
        assert user.role == role, username
        assert user.is_township_principal == is_principal, username
        if township is not None:
            assert list(scoping.townships_visible_to(user)) == [township]
    for value in User.Department.values:
        assert users[f"vet_{value}"].department == value
    # and only the auditor reads the audit trail
    readers = {name for name, user in users.items() if user.has_perm("longshan.view_audit_trail")}
    assert readers == {"auditor"}

    # And the village logins are the cadres of the first village (村) of 里耶镇
    village = Village.objects.filter(township=liye, kind=Village.Kind.VILLAGE).first()
    assert users["secretary"].cadre.village == village
    assert users["secretary"].cadre.post == Post.SECRETARY
    assert users["clerk"].cadre.village == village
    assert users["clerk"].cadre.post == Post.CLERK
    assert users["police"].cadre.village == village
    assert users["police"].cadre.post == Post.AUXILIARY_POLICE
    assert list(scoping.villages_visible_to(users["secretary"])) == [village]

    # And every login signs in with the demo password
    for username in expected:
        assert client.login(username=username, password="Longshan2026"), username
        client.logout()


@pytest.mark.django_db
def test_logins_option_prints_the_table_without_loading():
    # Given an empty database
    # When only the logins are asked for
    output = load("--logins")

    # Then the table lists every login with the password, and nothing is loaded
    for login in demo.demo_logins():
        assert login.username in output
    assert "Longshan2026" in output
    assert row_counts() == dict.fromkeys(row_counts(), 0)


@pytest.mark.django_db
@pytest.mark.whole_county
def test_the_whole_living_county_loads_the_same_twice():
    # Given the demo with every app's months of data
    load()
    counts = {
        label: [model.objects.count() for model in apps.get_app_config(label).get_models()]
        for label in loader_command.DEMO_EXTENSIONS
    }
    events = AuditEvent.objects.count()
    # When it is loaded again, then no app adds a row and no audit event is written
    output = load()
    assert counts == {
        label: [model.objects.count() for model in apps.get_app_config(label).get_models()]
        for label in loader_command.DEMO_EXTENSIONS
    }
    assert AuditEvent.objects.count() == events
    assert "未作任何更改" in output
    # And each app's data is there: several months of a living county
    assert all(sum(per_model) > 0 for per_model in counts.values())
