"""The roster: adding and editing cadres, search, filters, sorting and paging."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cadres import services
from cadres.models import Cadre
from longshan.models import AuditEvent

from .factories import CadreFactory, VillageFactory, make_id_number
from .test_security_privacy import grant_personal_data


def cadre_form_data(village, **overrides):
    data = {
        "name": "田小梅",
        "id_number": make_id_number(datetime.date(1995, 4, 2), male=False),
        "ethnicity": "15",
        "phone": "13912345678",
        "education": "bachelor",
        "political_status": "youth_league",
        "party_join_date": "",
        "village": village.pk,
        "post": "clerk",
        "is_full_time": "on",
        "status": "active",
        "start_date": "2021-03-01",
    }
    data.update(overrides)
    return data


def test_township_official_adds_a_cadre_with_birth_date_and_sex_from_the_id(county, client):
    # Given township A's official
    client.force_login(county.users.official_a)
    village = county.villages["a2"]
    data = cadre_form_data(village)
    # When they add a clerk to a village of their township
    response = client.post(reverse("cadres:cadre_create"), data)
    # Then the record exists with birth date and sex read from the ID number
    cadre = Cadre.objects.get(id_number=data["id_number"])
    assert response.status_code == 302 and response.url == cadre.get_absolute_url()
    assert cadre.birth_date == datetime.date(1995, 4, 2)
    assert cadre.sex == "F"
    assert (cadre.name_pinyin, cadre.name_initials) == ("tianxiaomei", "txm")
    # And the audit trail says who did it, with the values
    event = AuditEvent.objects.get(action="cadre.created", object_id=str(cadre.pk))
    assert event.actor == county.users.official_a
    assert event.township_id == county.townships["a"].pk
    assert event.changes["name"] == [None, "田小梅"]
    assert event.ip_address == "127.0.0.1"


def test_an_official_cannot_add_a_cadre_to_another_township(county, client):
    client.force_login(county.users.official_a)
    data = cadre_form_data(county.villages["b1"])
    response = client.post(reverse("cadres:cadre_create"), data)
    assert response.status_code == 200
    assert "village" in response.context["form"].errors
    assert not Cadre.objects.filter(id_number=data["id_number"]).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": "433130199504020021"}, "id_number", "校验位"),
        ({"id_number": "433130199502300021"}, "id_number", "出生日期"),
        ({"id_number": "12345"}, "id_number", "18"),
        ({"phone": "12345"}, "phone", "手机号"),
        ({"political_status": "party_member"}, "party_join_date", "入党"),
        (
            {"political_status": "party_member", "party_join_date": "2005-07-01"},
            "party_join_date",
            "18",
        ),
        ({"name": ""}, "name", "这个字段是必填项"),
        ({"start_date": "不是日期"}, "start_date", "有效的日期"),
    ],
)
def test_bad_input_shows_a_field_error_in_chinese_and_saves_nothing(
    county, client, overrides, field, message
):
    client.force_login(county.users.county)
    before = Cadre.objects.count()
    response = client.post(
        reverse("cadres:cadre_create"), cadre_form_data(county.villages["a1"], **overrides)
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors, response.context["form"].errors
    assert Cadre.objects.count() == before


def test_a_second_sitting_secretary_is_refused_with_a_message(county, client):
    client.force_login(county.users.county)
    data = cadre_form_data(
        county.villages["a1"],
        post="secretary",
        political_status="party_member",
        party_join_date="2015-07-01",
    )
    response = client.post(reverse("cadres:cadre_create"), data)
    assert response.status_code == 200
    assert "已有在任党组织书记" in response.content.decode()
    assert not Cadre.objects.filter(id_number=data["id_number"]).exists()


def test_the_database_itself_refuses_a_sex_that_contradicts_the_id(county):
    cadre = county.cadres["a1_clerk"]
    wrong = "F" if cadre.sex == "M" else "M"
    with pytest.raises(IntegrityError), transaction.atomic():
        Cadre.objects.filter(pk=cadre.pk).update(sex=wrong)


def test_editing_a_cadre_keeps_before_and_after_in_the_audit(county, client):
    cadre = county.cadres["a1_clerk"]
    # (who sees phone numbers in full: issue 11, tests/test_security_privacy.py)
    client.force_login(grant_personal_data(county.users.county))
    data = cadre_form_data(
        cadre.village,
        name=cadre.name,
        id_number=cadre.id_number,
        political_status=cadre.political_status,
        party_join_date=cadre.party_join_date.isoformat(),
        phone="13700001111",
        education="college",
    )
    response = client.post(reverse("cadres:cadre_edit", args=[cadre.pk]), data)
    assert response.status_code == 302
    cadre.refresh_from_db()
    assert cadre.phone == "13700001111"
    event = AuditEvent.objects.get(action="cadre.changed", object_id=str(cadre.pk))
    assert event.changes["phone"] == ["13800000000", "13700001111"]
    # The record's page shows the change to whoever may edit it
    page = client.get(cadre.get_absolute_url()).content.decode()
    assert "13700001111" in page and "cadre.changed" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zs", {"张三"}),
        ("ZS", {"张三"}),
        ("zhang", {"张三"}),
        ("张", {"张三"}),
        ("pgh", {"彭国华"}),
    ],
)
def test_search_by_name_pinyin_initials(county, client, query, expected):
    client.force_login(county.users.secretary_a1)
    response = client.get(reverse("cadres:cadre_list"), {"q": query})
    assert {cadre.name for cadre in response.context["page"]} == expected


def test_search_by_part_of_the_id_number(county, client):
    cadre = county.cadres["b2_clerk"]
    # Part of a number finds only for those who see numbers in full (issue 11)
    client.force_login(grant_personal_data(county.users.county))
    response = client.get(reverse("cadres:cadre_list"), {"q": cadre.id_number[-8:]})
    assert [found.pk for found in response.context["page"]] == [cadre.pk]


def test_filters_by_township_village_post_status_and_education(county, client):
    client.force_login(county.users.county)
    county.cadres["b1_clerk"].__class__.objects.filter(pk=county.cadres["b1_clerk"].pk).update(
        status="suspended", education="bachelor"
    )
    url = reverse("cadres:cadre_list")

    def names(**params):
        return {cadre.pk for cadre in client.get(url, params).context["page"]}

    b = county.townships["b"]
    assert len(names(township=b.pk)) == 6
    assert len(names(village=county.villages["b1"].pk)) == 3
    assert len(names(post="auxiliary_police")) == 4
    assert names(status="suspended") == {county.cadres["b1_clerk"].pk}
    assert names(education="bachelor", township=b.pk) == {county.cadres["b1_clerk"].pk}


def _village_choices(response):
    """Return the pks the roster's village filter offers (the empty choice left out)."""
    field = response.context["filter"].form.fields["village"]
    return {value for value, _label in field.widget.choices if value != ""}


def test_village_choices_follow_the_chosen_township(county, client):
    client.force_login(county.users.county)
    url = reverse("cadres:cadre_list")
    a1, a2, b1, b2 = (county.villages[key].pk for key in ("a1", "a2", "b1", "b2"))
    # Given a county small enough to offer every village, no township chosen: all four
    assert _village_choices(client.get(url)) == {a1, a2, b1, b2}
    # When township B is chosen, then only its villages are offered
    assert _village_choices(client.get(url, {"township": county.townships["b"].pk})) == {b1, b2}
    # and a village chosen alone (a link) offers its own township's villages
    response = client.get(url, {"village": b1})
    assert _village_choices(response) == {b1, b2}
    assert {cadre.village_id for cadre in response.context["page"]} == {b1}
    # A township official is offered the villages of their own township
    client.force_login(county.users.official_a)
    assert _village_choices(client.get(url)) == {a1, a2}


def test_too_many_villages_wait_for_a_township(county, client, monkeypatch):
    # Given more villages in scope than one select should offer (a province)
    monkeypatch.setattr("cadres.filters.VILLAGE_CHOICES_LIMIT", 3)
    client.force_login(county.users.county)
    url = reverse("cadres:cadre_list")
    # When no township is chosen, then no village is offered: the select asks for one
    response = client.get(url)
    assert _village_choices(response) == set()
    assert 'data-testid="village-filter"' in response.content.decode()
    # and the list still shows every cadre
    assert response.context["page"].paginator.count == 12
    # When a township is chosen, then its villages are offered and filter the list
    b1 = county.villages["b1"]
    response = client.get(url, {"township": b1.township_id, "village": b1.pk})
    assert _village_choices(response) == {b1.pk, county.villages["b2"].pk}
    assert {cadre.village_id for cadre in response.context["page"]} == {b1.pk}


def test_the_roster_filters_run_the_same_queries_above_the_village_limit(
    county, client, monkeypatch
):
    client.force_login(county.users.county)
    url = reverse("cadres:cadre_list")
    offered_all = count_queries(client, url)
    monkeypatch.setattr("cadres.filters.VILLAGE_CHOICES_LIMIT", 3)
    assert count_queries(client, url) == offered_all


def test_sorting_by_birth_date_both_ways(county, client):
    client.force_login(county.users.county)
    url = reverse("cadres:cadre_list")
    ascending = [c.birth_date for c in client.get(url, {"sort": "birth_date"}).context["page"]]
    descending = [c.birth_date for c in client.get(url, {"sort": "-birth_date"}).context["page"]]
    assert ascending == sorted(ascending) and descending == sorted(descending, reverse=True)
    assert ascending[0] == descending[-1]


def test_paging_by_fifty(county, client):
    village = county.villages["a1"]
    for n in range(60):
        CadreFactory(
            village=village, name=f"测试{n}", political_status="masses", party_join_date=None
        )
    client.force_login(county.users.county)
    first = client.get(reverse("cadres:cadre_list"))
    assert len(first.context["page"]) == 50
    assert first.context["page"].paginator.count == 72
    second = client.get(reverse("cadres:cadre_list"), {"page": 2})
    assert len(second.context["page"]) == 22
    assert "共 72 人" in first.content.decode() or "72" in first.content.decode()


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "page",
    ["cadres:cadre_list", "cadres:village_list", "cadres:township_list", "home"],
)
@pytest.mark.parametrize("role", ["county", "official_a", "psb"])
def test_lists_run_the_same_queries_whatever_the_data_size(county, client, page, role):
    # Given a list page's query count on the small county
    client.force_login(getattr(county.users, role))
    url = reverse(page)
    small = count_queries(client, url)
    # When the county grows by twenty villages with three cadres each
    for n in range(20):
        village = VillageFactory(township=county.townships["a"], code=f"4331301019{n:02d}")
        for post in ("secretary", "clerk", "auxiliary_police"):
            CadreFactory(village=village, post=post, name=f"新{n}")
    # Then the page runs exactly as many queries
    assert count_queries(client, url) == small
    # the home page counts performance items waiting (one query) and, for a township
    # official, the payroll months their township has still to review (one query, §8.2)
    assert small <= 12


def test_detail_pages_run_a_fixed_handful_of_queries(county, client):
    client.force_login(county.users.county)
    village = county.villages["a1"]
    assert count_queries(client, village.get_absolute_url()) <= 8
    # 14: the appointment history and the recorded relatives are one query each (§3.5, §3.6)
    # + 3: the performance panel (settled months, annual grades, measures)
    # + 2: the user's permissions, whether ID and phone numbers show in full (issue 11)
    # + 3: the rank panel (rank history, the rank-pay rule, proposals waiting; POLICY §7)
    assert count_queries(client, county.cadres["a1_clerk"].get_absolute_url()) <= 22
    assert count_queries(client, county.townships["a"].get_absolute_url()) <= 8


def test_htmx_filter_request_returns_the_page_with_the_results(county, client):
    client.force_login(county.users.county)
    response = client.get(
        reverse("cadres:cadre_list"), {"post": "clerk"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'id="results"' in response.content.decode()


def test_village_edit_by_county_staff(county, client):
    village = county.villages["b1"]
    client.force_login(county.users.county)
    url = reverse("cadres:village_edit", args=[village.pk])
    bad = client.post(
        url, {"name": village.name, "kind": "village", "population": "0", "area_km2": "3"}
    )
    assert bad.status_code == 200 and "人口必须大于零" in bad.content.decode()
    good = client.post(
        url, {"name": village.name, "kind": "village", "population": "5200", "area_km2": "18.25"}
    )
    assert good.status_code == 302
    village.refresh_from_db()
    assert village.population == 5200
    # A village of 5,200 people has a second auxiliary police post (POLICY §2.3)
    page = client.get(village.get_absolute_url())
    assert page.context["quota"].auxiliary_police == 2
    event = AuditEvent.objects.get(action="village.changed")
    assert event.changes["population"] == [2000, 5200]


def test_service_refuses_an_edit_outside_scope(county):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.cadre_update(
            county.cadres["b1_clerk"], actor=county.users.official_a, data={"phone": "13700000000"}
        )
