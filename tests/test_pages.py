"""Pages every role shares: login, home, navigation, password change, assets."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from longshan.models import AuditEvent

from .conftest import PASSWORD

BASE_DIR = Path(__file__).resolve().parent.parent

TRAINING = {"/training/events/", "/training/compliance/"}
DUTY = {"/attendance/duty/", "/attendance/leave/"}
TREE = {"/", "/townships/", "/villages/", "/cadres/", "/rules/"}
NAV = {
    "county": TREE | TRAINING | DUTY | {"/attendance/inspections/", "/attendance/calendar/"},
    "official_a": TREE | TRAINING | DUTY | {"/attendance/inspections/"},
    "psb": TREE | {"/training/compliance/"} | DUTY,
    "secretary_a1": {"/", "/villages/", "/cadres/", "/rules/", "/training/compliance/"} | DUTY,
    "clerk_a1": {"/", "/cadres/", "/rules/"} | DUTY,
    "reviewer": {"/", "/rules/"},
}
# Dispatch orders and assessment (performance, POLICY §5)
for _role in ("county", "official_a", "secretary_a1"):
    NAV[_role] = NAV[_role] | {"/performance/orders/", "/performance/settlements/"}
NAV["clerk_a1"] = NAV["clerk_a1"] | {"/performance/settlements/"}
# Selection, vetting, quotas and roster files (cadres, POLICY §3, §2.3)
NAV["county"] = NAV["county"] | {
    "/selection/candidates/",
    "/selection/vetting/",
    "/removals/",
    "/quotas/",
    "/cadres/import/",
}
NAV["official_a"] = NAV["official_a"] | {"/quotas/", "/cadres/import/"}
NAV["reviewer"] = NAV["reviewer"] | {"/selection/reviews/"}
# Ranks (POLICY §7): a village cadre sees their own rank on their cadre page
for _role in ("county", "official_a", "psb"):
    NAV[_role] = NAV[_role] | {"/ranks/"}
# Pay (POLICY §8): the payroll for county and townships, their own payslips for cadres
for _role in ("county", "official_a"):
    NAV[_role] = NAV[_role] | {"/pay/payroll/"}
for _role in ("secretary_a1", "clerk_a1"):
    NAV[_role] = NAV[_role] | {"/pay/payslips/"}
# Statistics (dashboards, POLICY §9): county, townships and village secretaries
for _role in ("county", "official_a", "secretary_a1"):
    NAV[_role] = NAV[_role] | {"/dashboards/"}


@pytest.mark.parametrize(("role", "links"), NAV.items())
def test_navigation_shows_only_what_the_role_may_use(county, client, role, links):
    client.force_login(getattr(county.users, role))
    response = client.get(reverse("home"))
    assert {item["url"] for item in response.context["nav_items"]} == links
    for item in response.context["nav_items"]:
        assert client.get(item["url"]).status_code == 200


def test_home_counts_the_users_own_part_of_the_county(county, client):
    expected = {"county": 12, "official_a": 6, "secretary_a1": 3, "clerk_a1": 1, "psb": 4}
    for role, cadres in expected.items():
        client.force_login(getattr(county.users, role))
        assert client.get(reverse("home")).context["counts"]["cadres"] == cadres, role


def test_login_and_logout(county, client):
    response = client.post(reverse("login"), {"username": "county", "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_a_wrong_password_is_refused_in_chinese(county, client):
    response = client.post(reverse("login"), {"username": "county", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名和密码不匹配" in response.content.decode()


def test_password_change_needs_ten_characters_with_letters_and_digits(county, client):
    client.force_login(county.users.official_a)
    url = reverse("password_change")
    for weak in ("short1", "onlyletterspassword", "12345678901234"):
        response = client.post(
            url, {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak}
        )
        assert response.status_code == 200, weak
    strong = "Xiangxi2027road"
    response = client.post(
        url, {"old_password": PASSWORD, "new_password1": strong, "new_password2": strong}
    )
    assert response.status_code == 302
    county.users.official_a.refresh_from_db()
    assert county.users.official_a.check_password(strong)
    assert AuditEvent.objects.filter(
        action="user.password_changed", actor=county.users.official_a
    ).exists()


def test_no_page_links_an_outside_server():
    # The portal runs on an intranet: scripts and styles come from static/vendor only.
    pattern = re.compile(r"""(src|href)=["']https?://""")
    offenders = [
        str(path.relative_to(BASE_DIR))
        for path in BASE_DIR.glob("**/templates/**/*.html")
        if ".venv" not in path.parts and pattern.search(path.read_text())
    ]
    assert offenders == []


def test_vendor_assets_are_installed_and_served(county, client):
    for asset in ("vendor/bootstrap/css/bootstrap.min.css", "vendor/htmx/htmx.min.js"):
        assert (BASE_DIR / "static" / asset).exists(), f"run make assets: {asset}"


@pytest.mark.parametrize("value", [None, 2, "1", "9"])
def test_the_quick_select_writes_what_django_select_writes(value):
    # Given flat choices with a lazy empty label, markup in a label and a repeated value
    from django import forms
    from django.utils.translation import gettext_lazy

    from longshan.forms import QuickSelect

    choices = [("", gettext_lazy("All")), (1, 'A<&"b'), (2, "里耶镇"), (2, "again")]
    attrs = {"class": "form-select", "id": "id_township"}
    # When both widgets write the same field
    django_select = forms.Select(choices=choices, attrs=attrs).render("township", value)
    quick = QuickSelect(choices=choices, attrs=attrs).render("township", value)
    # Then the HTML is the same but for the whitespace between the tags
    assert quick == re.sub(r">\s+<", "><", django_select)
    assert quick.count(" selected") == (0 if value == "9" else 1)


@pytest.mark.parametrize("chosen", [None, "a", "b"])
def test_a_quick_select_of_townships_reads_their_names_as_values(county, chosen):
    # Given a township filter over the county's townships (their __str__ is their name)
    from django import forms
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cadres.models import Township
    from longshan.forms import QuickSelect

    def field(widget):
        return forms.ModelChoiceField(
            queryset=Township.objects.order_by("code"), empty_label="全部", widget=widget
        )

    value = county.townships[chosen].pk if chosen else None
    django_select = field(forms.Select).widget.render("township", value)
    # When the quick select writes it from (pk, name) values
    with CaptureQueriesContext(connection) as queries:
        quick = field(QuickSelect(label_field="name")).widget.render("township", value)
    # Then in one query, with no model instance, the HTML is Django's but for whitespace
    assert len(queries) == 1 and '"cadres_township"."name"' in queries[0]["sql"]
    assert '"cadres_township"."kind"' not in queries[0]["sql"]
    assert quick == re.sub(r">\s+<", "><", django_select)
    assert "里耶镇" in quick and "民安街道" in quick
