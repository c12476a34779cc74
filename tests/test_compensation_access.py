"""Who may open and change which pay page (POLICY §1.4, §8): each role against objects in
and out of its scope; out of scope answers 404, like an id that does not exist."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compensation import selectors
from compensation.models import PayrollDocument, PayrollEntry

from .compensation_fixtures import pay_rules, run, settle  # noqa: F401
from .factories import CadreFactory, VillageFactory
from .performance_fixtures import rules_seeded  # noqa: F401

pytestmark = pytest.mark.usefixtures("pay_rules")

ROLES = ["county", "official_a", "official_b", "secretary_a1", "clerk_a1", "psb", "reviewer"]
OCTOBER = datetime.date(2026, 10, 1)
PAYROLL_ROLES = {"county", "official_a", "official_b"}


@pytest.fixture
def objects(county, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settle(OCTOBER)
    payroll = run(OCTOBER)
    document = PayrollDocument(
        payroll=payroll, created_by=county.users.county, status="done", progress=100
    )
    document.file.save("county.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    entry = {
        key: PayrollEntry.objects.get(payroll=payroll, cadre=county.cadres[key])
        for key in ("a1_clerk", "a1_secretary", "b1_clerk")
    }
    return SimpleNamespace(payroll={"oct": payroll}, document={"county": document}, entry=entry)


def resolve(county, objects, name, key, query=""):
    if key is None:
        url = reverse(name)
    else:
        kind, _, which = key.partition(":")
        url = reverse(name, args=[getattr(objects, kind)[which].pk])
    if query:
        url += "?township=" + str(county.townships[query.partition(":")[2]].pk)
    return url


# (page, object, township) -> the roles that get 200; every other role gets 404.
MATRIX = [
    (("compensation:payroll_list", None, ""), PAYROLL_ROLES),
    (("compensation:payroll_detail", "payroll:oct", ""), PAYROLL_ROLES),
    (("compensation:payroll_detail", "payroll:oct", "township:a"), {"county", "official_a"}),
    (("compensation:payroll_pdf", "payroll:oct", "township:a"), {"county", "official_a"}),
    (("compensation:payroll_pdf", "payroll:oct", "township:b"), {"county", "official_b"}),
    (("compensation:payroll_xlsx", "payroll:oct", ""), PAYROLL_ROLES),
    (("compensation:payroll_xlsx", "payroll:oct", "township:b"), {"county", "official_b"}),
    (("compensation:payroll_bank_csv", "payroll:oct", ""), PAYROLL_ROLES),
    (("compensation:payroll_bank_csv", "payroll:oct", "township:a"), {"county", "official_a"}),
    (("compensation:document_detail", "document:county", ""), {"county"}),
    (("compensation:document_download", "document:county", ""), {"county"}),
    (
        ("compensation:payslip_list", None, ""),
        {"county", "official_a", "official_b", "secretary_a1", "clerk_a1"},
    ),
    (("compensation:payslip_detail", "entry:a1_clerk", ""), {"county", "official_a", "clerk_a1"}),
    (
        ("compensation:payslip_detail", "entry:a1_secretary", ""),
        {"county", "official_a", "secretary_a1"},
    ),
    (("compensation:payslip_detail", "entry:b1_clerk", ""), {"county", "official_b"}),
    (("compensation:standard_list", None, ""), PAYROLL_ROLES),
    (("compensation:reward_list", None, ""), PAYROLL_ROLES),
    (("compensation:benefit_list", None, ""), PAYROLL_ROLES),
    (("compensation:adjustment_list", None, ""), PAYROLL_ROLES),
    (("compensation:collective_share_list", None, ""), PAYROLL_ROLES),
]
IDS = [f"{t[0]}-{t[1]}-{t[2]}" for t, _ in MATRIX]


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


def _data(county, name):
    cadre = county.cadres["a1_clerk"].pk
    return {
        "compensation:payroll_run": {"month": "2026-10"},
        "compensation:first_class_rate": {"year": "2026", "pay_month": "2026-12"},
        "compensation:standard_list": {
            "cadre": cadre,
            "annual_amount": "40000",
            "effective_from": "2026-12",
            "reason": "优秀",
        },
        "compensation:reward_list": {
            "village": county.villages["a1"].pk,
            "kind": "ten_nos",
            "level": "",
            "year": "2026",
            "title": "十无",
            "pay_month": "2026-12",
        },
        "compensation:benefit_list": {"cadre": cadre, "kind": "checkup", "on": "2026-05-01"},
        "compensation:collective_share_list": {
            "cadre": cadre,
            "pay_month": "2026-12",
            "amount": "500",
            "reason": "村集体经济提成",
        },
        "compensation:adjustment_list": {
            "cadre": cadre,
            "pay_month": "2026-12",
            "amount": "100",
            "reason": "补发",
        },
    }.get(name, {})


# (url name, object) -> the roles whose POST is accepted (302).
POSTS = [
    (("compensation:payroll_run", None), {"county"}),
    (("compensation:payroll_approve", "payroll:oct"), {"county"}),
    (("compensation:payroll_lock", "payroll:oct"), {"county"}),
    (("compensation:document_start", "payroll:oct"), {"county"}),
    (("compensation:first_class_rate", None), {"county"}),
    (("compensation:standard_list", None), {"county"}),
    (("compensation:reward_list", None), {"county"}),
    (("compensation:benefit_list", None), {"county"}),
    (("compensation:adjustment_list", None), {"county"}),
    (("compensation:collective_share_list", None), {"county"}),
]
POST_IDS = [f"{t[0]}-{t[1]}" for t, _ in POSTS]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("target", "allowed"), POSTS, ids=POST_IDS)
def test_each_role_changes_only_its_scope(county, objects, client, role, target, allowed):
    name, key = target
    client.force_login(getattr(county.users, role))
    response = client.post(resolve(county, objects, name, key), _data(county, name))
    assert response.status_code == (302 if role in allowed else 404)


@pytest.mark.parametrize("role", ROLES)
def test_only_a_townships_own_official_reviews_its_part(county, objects, client, role):
    payroll = objects.payroll["oct"]
    url = reverse("compensation:payroll_review", args=[payroll.pk, county.townships["a"].pk])
    client.force_login(getattr(county.users, role))
    response = client.post(url)
    assert response.status_code == (302 if role == "official_a" else 404)
    assert payroll.reviews.filter(township=county.townships["a"]).exists() == (role == "official_a")


def test_payslips_listed_are_only_those_in_scope(county, objects, client):
    url = reverse("compensation:payslip_list")
    expected = {"county": 12, "official_a": 6, "official_b": 6, "secretary_a1": 1, "clerk_a1": 1}
    for role, rows in expected.items():
        client.force_login(getattr(county.users, role))
        assert len(client.get(url).context["page"].object_list) == rows, role


def test_the_payslip_shows_every_line_with_its_reason(county, objects, client):
    client.force_login(county.users.clerk_a1)
    response = client.get(
        reverse("compensation:payslip_detail", args=[objects.entry["a1_clerk"].pk])
    )
    assert b'data-testid="line-base"' in response.content
    assert b"2076.67" in response.content and b"3031.67" in response.content


def test_pages_run_the_same_queries_whatever_the_data_size(county, objects, client):
    client.force_login(county.users.county)
    payroll = objects.payroll["oct"]
    urls = [
        reverse("compensation:payroll_detail", args=[payroll.pk]),
        reverse("compensation:payslip_list"),
        reverse("compensation:payroll_list"),
    ]

    def count():
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries.captured_queries))
        return result

    small = count()
    for n in range(5):
        village = VillageFactory(township=county.townships["b"], code=f"43313010208{n}")
        for post in ("secretary", "clerk", "auxiliary_police"):
            CadreFactory(village=village, post=post)
    settle(OCTOBER)
    run(OCTOBER)
    assert count() == small


@pytest.mark.parametrize(
    "role, township", [("county", None), ("county", "b"), ("official_a", None)]
)
def test_payslip_pages_list_every_payslip_once_in_sheet_order(
    county, objects, client, settings, role, township
):
    # Given pages of 5 payslips, so that pages begin and end inside townships
    settings.LIST_PAGE_SIZE = 5
    user = getattr(county.users, role)
    client.force_login(user)
    payroll = objects.payroll["oct"]
    params = {"township": county.townships[township].pk} if township else {}
    # When the user pages through the payroll page's payslips
    shown, number = [], 1
    while True:
        response = client.get(
            reverse("compensation:payroll_detail", args=[payroll.pk]), {**params, "page": number}
        )
        shown += [entry.pk for entry in response.context["page"]]
        if not response.context["page"].has_next():
            break
        number += 1
    # Then they are the user's payslips in sheet order, each once
    expected = selectors.payroll_entries(
        user, payroll, township_id=params.get("township")
    ).values_list("pk", flat=True)
    assert shown == list(expected) and shown
    assert response.context["page"].paginator.count == len(shown)
