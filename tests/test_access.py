"""Who may open which page (POLICY §1.4): each role against objects in and out of its scope.

Out of scope answers 404, exactly like an id that does not exist.
"""

import re

import pytest
from django.urls import reverse

from longshan.models import Job


def without_csrf_token(content):
    """Return a page's HTML without its per-request CSRF token."""
    return re.sub(rb'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', rb"\1", content)


ROLES = ["county", "official_a", "official_b", "secretary_a1", "clerk_a1", "psb", "reviewer"]


def url_for(county, target):
    """Resolve a (url name, object key) pair against the test county."""
    name, key = target
    if key is None:
        return reverse(name)
    kind, _, which = key.partition(":")
    obj = {
        "township": county.townships,
        "village": county.villages,
        "cadre": county.cadres,
    }[kind][which]
    return reverse(name, args=[obj.pk])


# page -> the roles that get 200; every other role gets 404.
MATRIX = [
    (("home", None), set(ROLES)),
    (("rule_list", None), set(ROLES)),
    (("rule_value_create", "rule:duty.min_hours.village"), {"county"}),
    (("cadres:township_list", None), {"county", "psb", "official_a", "official_b"}),
    (("cadres:township_detail", "township:a"), {"county", "psb", "official_a"}),
    (("cadres:township_detail", "township:b"), {"county", "psb", "official_b"}),
    (
        ("cadres:village_list", None),
        {"county", "psb", "official_a", "official_b", "secretary_a1"},
    ),
    (("cadres:village_detail", "village:a1"), {"county", "psb", "official_a", "secretary_a1"}),
    (("cadres:village_detail", "village:a2"), {"county", "psb", "official_a"}),
    (("cadres:village_detail", "village:b1"), {"county", "psb", "official_b"}),
    (("cadres:village_edit", "village:a1"), {"county"}),
    (
        ("cadres:cadre_list", None),
        {"county", "psb", "official_a", "official_b", "secretary_a1", "clerk_a1"},
    ),
    (("cadres:cadre_create", None), {"county", "official_a", "official_b"}),
    (
        ("cadres:cadre_detail", "cadre:a1_clerk"),
        {"county", "official_a", "secretary_a1", "clerk_a1"},
    ),
    (
        ("cadres:cadre_detail", "cadre:a1_auxiliary_police"),
        {"county", "official_a", "secretary_a1", "psb"},
    ),
    (("cadres:cadre_detail", "cadre:a2_clerk"), {"county", "official_a"}),
    (("cadres:cadre_detail", "cadre:b1_clerk"), {"county", "official_b"}),
    (("cadres:cadre_detail", "cadre:b1_auxiliary_police"), {"county", "official_b", "psb"}),
    (("cadres:cadre_edit", "cadre:a1_clerk"), {"county", "official_a"}),
    (("cadres:cadre_edit", "cadre:b1_clerk"), {"county", "official_b"}),
]


def resolve(county, target):
    name, key = target
    if key and key.startswith("rule:"):
        return reverse(name, args=[key.removeprefix("rule:")])
    return url_for(county, target)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("target", "allowed"), MATRIX, ids=[f"{t[0]}-{t[1]}" for t, _ in MATRIX])
def test_each_role_sees_only_its_scope(county, client, role, target, allowed):
    # Given a user of the role, when they open the page, then 200 in scope and 404 outside
    client.force_login(getattr(county.users, role))
    response = client.get(resolve(county, target))
    assert response.status_code == (200 if role in allowed else 404)


@pytest.mark.parametrize(("target", "_allowed"), MATRIX, ids=[f"{t[0]}-{t[1]}" for t, _ in MATRIX])
def test_anonymous_is_sent_to_login(county, client, target, _allowed):
    response = client.get(resolve(county, target))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_out_of_scope_answers_like_a_missing_id(county, client):
    # Given township A's official, when they open B's village and an id that does not exist
    client.force_login(county.users.official_a)
    other_url = reverse("cadres:village_detail", args=[county.villages["b1"].pk])
    missing_url = reverse("cadres:village_detail", args=[999999])
    other, missing = client.get(other_url), client.get(missing_url)
    # Then both answers are the same 404 page (but for the address the language form returns to)
    assert other.status_code == missing.status_code == 404
    assert without_csrf_token(other.content).replace(other_url.encode(), b"URL") == (
        without_csrf_token(missing.content).replace(missing_url.encode(), b"URL")
    )


def test_township_official_lists_only_their_township(county, client):
    client.force_login(county.users.official_a)
    response = client.get(reverse("cadres:township_list"))
    assert "里耶镇" in response.content.decode()
    assert "民安街道" not in response.content.decode()


def test_roster_lists_only_the_scope(county, client):
    # Given the secretary of village a1, when they open the roster
    client.force_login(county.users.secretary_a1)
    response = client.get(reverse("cadres:cadre_list"))
    shown = {cadre.pk for cadre in response.context["page"]}
    # Then exactly the three cadres of a1 are listed
    assert shown == {
        county.cadres[f"a1_{post}"].pk for post in ("secretary", "clerk", "auxiliary_police")
    }


def test_public_security_sees_only_auxiliary_police(county, client):
    client.force_login(county.users.psb)
    response = client.get(reverse("cadres:cadre_list"))
    posts = {cadre.post for cadre in response.context["page"]}
    assert posts == {"auxiliary_police"}
    assert response.context["page"].paginator.count == 4


def test_village_cadre_sees_only_their_own_record(county, client):
    client.force_login(county.users.clerk_a1)
    response = client.get(reverse("cadres:cadre_list"))
    assert [cadre.pk for cadre in response.context["page"]] == [county.cadres["a1_clerk"].pk]


def test_official_cannot_post_an_edit_outside_their_township(county, client):
    # Given township A's official and a cadre of township B
    cadre = county.cadres["b1_clerk"]
    client.force_login(county.users.official_a)
    # When they post an edit to it
    response = client.post(reverse("cadres:cadre_edit", args=[cadre.pk]), {"name": "改名"})
    # Then 404 and nothing changed
    assert response.status_code == 404
    cadre.refresh_from_db()
    assert cadre.name != "改名"


def test_only_county_staff_start_a_job_and_see_it(county, client):
    client.force_login(county.users.official_a)
    assert client.post(reverse("search_keys_rebuild")).status_code == 404
    client.force_login(county.users.county)
    response = client.post(reverse("search_keys_rebuild"))
    job = Job.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("job_detail", args=[job.pk])
    assert client.get(response.url).status_code == 200
    client.force_login(county.users.official_a)
    assert client.get(reverse("job_detail", args=[job.pk])).status_code == 404
