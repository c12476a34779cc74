"""Who may open which dashboard (POLICY §1.4, §9): each role against the county, each
township and each village, page and xlsx; out of scope answers 404 like a missing id.
And a dashboard runs the same number of queries whatever the county's size."""

import datetime
import io
import itertools

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance.models import DutyCheck, DutyCheckItem
from cadres.models import Cadre, Township, Village

from .factories import CountyFactory, make_id_number
from .test_dashboards_figures import figures  # noqa: F401

ROLES = ["county", "official_a", "official_b", "secretary_a1", "clerk_a1", "psb", "reviewer"]

# Decision: the public security bureau (auxiliary police only) and the vetting reviewers
# have no dashboards; village cadres see their own records elsewhere.
TARGETS = {
    "county": (None, {"county", "official_a", "official_b", "secretary_a1"}),
    "township:a": ("dashboards:township", {"county", "official_a"}),
    "township:b": ("dashboards:township", {"county", "official_b"}),
    "village:a1": ("dashboards:village", {"county", "official_a", "secretary_a1"}),
    "village:b1": ("dashboards:village", {"county", "official_b"}),
}


def url_of(county, target, *, xlsx=False):
    kind, _, key = target.partition(":")
    if kind == "county":
        return reverse("dashboards:county_xlsx" if xlsx else "dashboards:county")
    name = f"dashboards:{kind}_xlsx" if xlsx else f"dashboards:{kind}"
    unit = county.townships[key] if kind == "township" else county.villages[key]
    return reverse(name, args=[unit.pk])


@pytest.mark.parametrize("xlsx", [False, True], ids=["page", "xlsx"])
@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(county, client, role, xlsx):
    client.force_login(getattr(county.users, role))
    answers = {}
    for target in TARGETS:
        response = client.get(url_of(county, target, xlsx=xlsx))
        answers[target] = response.status_code
    expected = {
        target: 200 if role in allowed else 404 for target, (_n, allowed) in TARGETS.items()
    }
    assert answers == expected


def test_anonymous_users_are_sent_to_sign_in(county, client):
    for target in TARGETS:
        response = client.get(url_of(county, target))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.usefixtures("figures")
def test_a_township_never_sees_another_townships_numbers(county, client):
    # Given the official of 民安街道 (B)
    client.force_login(county.users.official_b)
    # When they open their statistics
    page = client.get(reverse("dashboards:county"), {"year": 2026, "month": 10})
    body = page.content.decode()
    # Then they see B by village, and none of A's villages or figures
    assert page.context["unit"].township == county.townships["b"]
    tables = {
        table.key: table for section in page.context["sections"] for table in section["tables"]
    }
    assert [row.label for row in tables["duty"].rows] == ["洗洛村", "民安社区"]
    assert tables["payroll"].total[0] == 1  # b1's police officer only
    assert str(tables["payroll"].total[3]) == "3099.50"
    for other in ("里耶镇", "长春村", "里耶社区", "6500.00", "6,500.00"):
        assert other not in body
    # And neither does their xlsx
    response = client.get(reverse("dashboards:county_xlsx"), {"year": 2026, "month": 10})
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    text = " ".join(
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    assert "洗洛村" in text
    for other in ("里耶镇", "长春村", "里耶社区", "6500"):
        assert other not in text
    # And A's township and village dashboards answer as if they did not exist
    assert client.get(url_of(county, "township:a")).status_code == 404
    assert client.get(url_of(county, "village:a1", xlsx=True)).status_code == 404


@pytest.mark.usefixtures("figures")
def test_a_village_secretary_sees_their_own_village_by_cadre(county, client):
    client.force_login(county.users.secretary_a1)
    page = client.get(reverse("dashboards:county"), {"year": 2026, "month": 10})
    assert page.context["unit"].village == county.villages["a1"]
    tables = {
        table.key: table for section in page.context["sections"] for table in section["tables"]
    }
    assert [row.label for row in tables["structure_by_unit"].rows] == [
        "彭国华 · 党组织书记",
        "张三 · 全职化秘书",
    ]
    assert "payroll" not in tables
    assert client.get(url_of(county, "village:b1")).status_code == 404


def test_the_county_page_is_named_for_the_benchmark(county, client):
    assert reverse("dashboards:county") == "/dashboards/"


def test_the_page_has_no_inline_script_and_vendored_echarts(county, client):
    client.force_login(county.users.county)
    body = client.get(reverse("dashboards:county")).content.decode()
    assert "/static/vendor/echarts/echarts.min.js" in body
    assert "/static/js/dashboards.js" in body
    assert "data-chart=" in body
    assert "cdn" not in body.lower()


# ---------------------------------------------------------------- constant query count


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"year": 2026, "month": 11})
    assert response.status_code == 200
    return len(queries.captured_queries)


_codes = itertools.count(1)


def grow(county, *, villages, township=None):
    """Add villages with three cadres each and a duty finding each, in bulk."""
    county_row = CountyFactory()
    townships = [township] if township else []
    if not townships:
        for _ in range(max(1, villages // 20)):
            n = next(_codes)
            townships.append(
                Township.objects.create(
                    county=county_row, name=f"新{n}镇", code=f"43313{n:04d}", kind="town"
                )
            )
    codes = [next(_codes) for _ in range(villages)]
    new = Village.objects.bulk_create(
        Village(
            township=townships[index % len(townships)],
            name=f"新{code}村",
            code=f"4339{code:08d}",
            kind="village",
            population=2000,
            area_km2="10.00",
        )
        for index, code in enumerate(codes)
    )
    cadres = []
    for village in new:
        for post, education in zip(
            ("secretary", "clerk", "auxiliary_police"),
            ("college", "bachelor", "senior_high"),
            strict=True,
        ):
            born = datetime.date(1980 + len(cadres) % 20, 5, 1)
            cadres.append(
                Cadre(
                    name="新人",
                    id_number=make_id_number(born, area=f"43{next(_codes) % 10000:04d}"),
                    birth_date=born,
                    sex="M",
                    ethnicity="15",
                    education=education,
                    political_status="party_member",
                    party_join_date=datetime.date(2010, 7, 1),
                    village=village,
                    post=post,
                    start_date=datetime.date(2020, 1, 1),
                )
            )
    cadres = Cadre.objects.bulk_create(cadres)
    check, _ = DutyCheck.objects.get_or_create(
        date=datetime.date(2026, 11, 3),
        defaults={"is_working_day": True, "computed_at": "2026-11-04T00:00:00+08:00"},
    )
    DutyCheckItem.objects.bulk_create(
        DutyCheckItem(check_run=check, village=cadre.village, cadre=cadre, kind="missing_log")
        for cadre in cadres[::3]
    )


@pytest.mark.parametrize("role", ["county", "official_a", "secretary_a1"])
def test_a_dashboard_runs_the_same_queries_with_50_villages_as_with_397(county, client, role):
    client.force_login(getattr(county.users, role))
    url = reverse("dashboards:county")
    township = county.townships["a"] if role != "county" else None
    # Given a county of 50 villages
    grow(county, villages=46, township=township)
    with_50 = count_queries(client, url)
    # When it grows to 397
    grow(county, villages=347, township=township)
    assert Village.objects.count() == 397
    # Then its dashboard runs exactly as many queries
    assert count_queries(client, url) == with_50
    assert with_50 <= 25


# ---------------------------------------------------------------- home pages (issue 9, point 3)

WAITING = {
    # role: the counts its home page shows, each inside a link to where the work is done
    "county": [
        "payrolls-waiting",
        "grades-to-confirm",
        "rank-proposals-waiting",
        "pending-removals",
    ],
    "official_a": ["leave-to-decide", "orders-to-score", "payrolls-waiting"],
    "secretary_a1": ["leave-to-decide", "orders-to-report"],
    "reviewer": ["review-queue-count"],
}


@pytest.mark.parametrize("role", WAITING)
def test_home_pages_show_what_waits_with_counts_and_links(county, client, role):
    from html.parser import HTMLParser

    class Finder(HTMLParser):
        def __init__(self):
            super().__init__()
            self.links = []  # href of the <a> being read
            self.found = {}

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "a":
                self.links.append(attrs.get("href"))
            testid = attrs.get("data-testid")
            if testid and self.links:
                self.found[testid] = self.links[-1]

        def handle_endtag(self, tag):
            if tag == "a" and self.links:
                self.links.pop()

    client.force_login(getattr(county.users, role))
    finder = Finder()
    finder.feed(client.get(reverse("home")).content.decode())
    for testid in WAITING[role]:
        assert finder.found.get(testid), (role, testid)
