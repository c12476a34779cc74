"""Who may open and change which rank page (POLICY §1.4, §7): each role against objects in
and out of its scope; out of scope answers 404, like an id that does not exist.

Decisions: county staff see and decide everything; a township official reads its own
township's ranks and proposals; the public security bureau reads the auxiliary police's
ranks (co-management, §1.3) and the distribution of them, never proposals; a village
cadre, the party secretary included, sees only their own rank, on their own cadre page;
joint-vetting reviewers see nothing.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ranks import services
from ranks.models import RankProposal

from .factories import CadreFactory, VillageFactory
from .ranks_fixtures import at, grade, rank_rules  # noqa: F401

pytestmark = pytest.mark.usefixtures("rank_rules")

ROLES = ["county", "official_a", "official_b", "secretary_a1", "clerk_a1", "psb", "reviewer"]
D = datetime.date


@pytest.fixture
def objects(county):
    """Every cadre placed; all but b2's clerk graded excellent in 2025; the 2025 proposal
    waiting."""
    services.ranks_place_unplaced()
    for key, cadre in county.cadres.items():
        if key != "b2_clerk":
            grade(cadre, 2025, "excellent")
    cycle, _ = services.ranks_propose(2025, now=at(2026, 1, 5))
    proposals = {
        key: RankProposal.objects.get(cadre=county.cadres[key])
        for key in ("a1_clerk", "b1_clerk", "a1_auxiliary_police")
    }
    return SimpleNamespace(cycle=cycle, proposal=proposals)


def resolve(county, objects, name, key):
    if key is None:
        return reverse(name)
    kind, _, which = key.partition(":")
    if kind == "year":
        return reverse(name, args=[int(which)])
    obj = {"cadre": county.cadres, "proposal": objects.proposal}[kind][which]
    return reverse(name, args=[obj.pk])


# page -> the roles that get 200; every other role gets 404.
MATRIX = [
    (("ranks:distribution", None), {"county", "official_a", "official_b", "psb"}),
    (("ranks:cycle_list", None), {"county", "official_a", "official_b"}),
    (("ranks:cycle_detail", "year:2025"), {"county", "official_a", "official_b"}),
    (("ranks:cycle_detail", "year:2024"), set()),
    (("ranks:proposal_detail", "proposal:a1_clerk"), {"county", "official_a"}),
    (("ranks:proposal_detail", "proposal:b1_clerk"), {"county", "official_b"}),
    (("ranks:proposal_detail", "proposal:a1_auxiliary_police"), {"county", "official_a"}),
    (("ranks:placement", "cadre:a1_clerk"), {"county"}),
    (("ranks:placement", "cadre:b1_clerk"), {"county"}),
]
IDS = [f"{t[0]}-{t[1]}" for t, _ in MATRIX]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("target", "allowed"), MATRIX, ids=IDS)
def test_each_role_sees_only_its_scope(county, objects, client, role, target, allowed):
    client.force_login(getattr(county.users, role))
    response = client.get(resolve(county, objects, *target))
    assert response.status_code == (200 if role in allowed else 404)


@pytest.mark.parametrize(("target", "_allowed"), MATRIX, ids=IDS)
def test_anonymous_is_sent_to_login(county, objects, client, target, _allowed):
    response = client.get(resolve(county, objects, *target))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# (url name, object key, form data) -> the roles whose POST is accepted (302).
POSTS = [
    (("ranks:cycle_propose", None, {"year": "2025"}), {"county"}),
    (("ranks:cycle_approve", "year:2025", {"effective_from": "2026-01-01"}), {"county"}),
    (("ranks:proposal_detail", "proposal:a1_clerk", {"level": "9", "reason": "x"}), {"county"}),
    (("ranks:proposal_detail", "proposal:b1_clerk", {"level": "9", "reason": "x"}), {"county"}),
    (("ranks:placement", "cadre:b2_clerk", {"on": "2019-03-01", "level": ""}), {"county"}),
]
POST_IDS = [f"{t[0]}-{t[1]}" for t, _ in POSTS]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("target", "allowed"), POSTS, ids=POST_IDS)
def test_only_county_staff_decide(county, objects, client, role, target, allowed):
    name, key, data = target
    client.force_login(getattr(county.users, role))
    response = client.post(resolve(county, objects, name, key), data)
    assert response.status_code == (302 if role in allowed else 404)


# role -> the cadres whose rank panel shows on their cadre page
PANEL = {
    "county": {"a1_clerk", "b1_clerk", "a1_auxiliary_police", "a1_secretary"},
    "official_a": {"a1_clerk", "a1_auxiliary_police", "a1_secretary"},
    "official_b": {"b1_clerk"},
    "secretary_a1": {"a1_secretary"},
    "clerk_a1": {"a1_clerk"},
    "psb": {"a1_auxiliary_police"},
}


@pytest.mark.parametrize("role", sorted(PANEL))
def test_the_cadre_page_shows_a_rank_only_to_those_who_may_see_it(county, objects, client, role):
    client.force_login(getattr(county.users, role))
    for key in ("a1_clerk", "b1_clerk", "a1_auxiliary_police", "a1_secretary"):
        response = client.get(reverse("cadres:cadre_detail", args=[county.cadres[key].pk]))
        if response.status_code == 404:
            assert key not in PANEL[role]
            continue
        shown = b'data-testid="rank-panel"' in response.content
        assert shown == (key in PANEL[role]), (role, key)


def test_the_cadre_page_shows_every_level_with_dates_and_reasons(county, objects, client):
    # Given the 2025 moves approved from 2026-01-01 (a1's clerk: 10 → 9)
    services.proposals_approve(
        objects.cycle, actor=county.users.county, effective_from=D(2026, 1, 1), now=at(2026, 1, 9)
    )
    client.force_login(county.users.clerk_a1)
    response = client.get(reverse("cadres:cadre_detail", args=[county.cadres["a1_clerk"].pk]))
    steps = [(step.effective_from, step.level, step.kind) for step in response.context["steps"]]
    assert steps == [(D(2026, 1, 1), 9, "adjustment"), (D(2019, 3, 1), 10, "placement")]
    assert response.context["current"].level == 9
    assert str(response.context["rank_pay"]) == "100.00"
    assert b'data-testid="rank-step"' in response.content


def test_the_distribution_counts_levels_by_township_and_post_in_scope(county, objects, client):
    services.proposals_approve(
        objects.cycle, actor=county.users.county, effective_from=D(2026, 1, 1), now=at(2026, 1, 9)
    )
    client.force_login(county.users.county)
    context = client.get(reverse("ranks:distribution")).context
    # Today 11 of the 12 cadres are at level 9 (10, then up one for 优秀), b2's clerk at 10
    assert (context["totals"][8], context["totals"][9], context["total"]) == (11, 1, 12)
    assert [row["total"] for row in context["by_township"]] == [6, 6]
    assert [row["levels"][9] for row in context["by_township"]] == [0, 1]
    assert [row["key"] for row in context["by_post"]] == [
        "secretary",
        "clerk",
        "auxiliary_police",
    ]
    client.force_login(county.users.psb)
    context = client.get(reverse("ranks:distribution")).context
    assert context["total"] == 4
    assert [row["key"] for row in context["by_post"]] == ["auxiliary_police"]
    client.force_login(county.users.official_b)
    assert client.get(reverse("ranks:distribution")).context["total"] == 6


def test_a_township_reads_only_its_own_proposals(county, objects, client):
    client.force_login(county.users.official_a)
    url = reverse("ranks:cycle_detail", args=[2025])
    response = client.get(url)
    assert len(response.context["page"].object_list) == 6
    assert [row["id"] for row in response.context["summary"]] == [county.townships["a"].pk]
    assert client.get(url, {"township": county.townships["b"].pk}).status_code == 404


def test_home_shows_the_moves_waiting_for_the_county(county, objects, client):
    client.force_login(county.users.county)
    assert client.get(reverse("home")).context["ranks_waiting"] == 11
    client.force_login(county.users.official_a)
    assert client.get(reverse("home")).context["ranks_waiting"] is None


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["county", "official_a"])
def test_lists_run_the_same_queries_whatever_the_data_size(county, objects, client, role):
    client.force_login(getattr(county.users, role))
    urls = [
        reverse("ranks:distribution"),
        reverse("ranks:cycle_list"),
        reverse("ranks:cycle_detail", args=[2025]),
    ]
    small = [count_queries(client, url) for url in urls]
    for n in range(10):
        village = VillageFactory(township=county.townships["a"], code=f"4331301019{n:02d}")
        for post in ("secretary", "clerk", "auxiliary_police"):
            cadre = CadreFactory(village=village, post=post, name=f"新{n}")
            grade(cadre, 2025, "competent")
    services.ranks_place_unplaced()
    services.ranks_propose(2025, now=at(2026, 1, 6))
    assert [count_queries(client, url) for url in urls] == small
