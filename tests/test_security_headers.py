"""Pages and forms (issue 11): CSRF on every POST, framing refused, CSP without inline script,
and Django's deployment checklist under production settings."""

import logging
import os
import re
import secrets
import subprocess
import sys
import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls import converters as url_converters

BASE_DIR = Path(__file__).resolve().parent.parent

# A sample value per path converter, so that every pattern can be resolved generically.
SAMPLES = {
    url_converters.IntConverter: 1,
    url_converters.StringConverter: "x",
    url_converters.SlugConverter: "x",
    url_converters.PathConverter: "x",
    url_converters.UUIDConverter: uuid.UUID(int=1),
}
CANDIDATES = ["1", "x", "2026", "2026-11", "2026-11-26"]


def sample_for(converter):
    for kind, value in SAMPLES.items():
        if type(converter) is kind:
            return converter.to_url(value)
    for candidate in CANDIDATES:
        if re.fullmatch(converter.regex, candidate):
            return candidate
    pytest.fail(f"no sample value for the path converter {type(converter).__name__}: add one")


def every_url(resolver=None, prefix=""):
    """Yield (route, example path) for every URL pattern of the project, includes followed."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        route = prefix + str(pattern)
        if isinstance(entry, URLResolver):
            yield from every_url(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, route
    return


def example_path(route):
    """Return a path for a route, its converters filled with sample values."""
    converters = url_converters.get_converters()

    def fill(match):
        name = match.group("converter") or "str"
        return sample_for(converters[name])

    if route.startswith("^"):  # a regex route (none today): resolve it as it stands
        pytest.fail(f"a regex URL pattern needs a sample path: {route}")
    return "/" + re.sub(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>", fill, route)


def all_paths():
    paths = sorted({example_path(route) for route, _ in every_url()})
    assert len(paths) > 30  # the walk really went through the included apps
    return paths


# ---------------------------------------------------------------- CSRF


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "county"])
def test_every_url_refuses_a_post_without_a_csrf_token(county, caplog, signed_in):
    # Given a client that enforces CSRF like a browser, signed in or not
    client = Client(enforce_csrf_checks=True)
    if signed_in:
        client.force_login(county.users.county)
    # When it posts without a token to every URL pattern of every app
    failures = []
    for path in all_paths():
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
            response = client.post(path, {"x": "1"})
        refused = [r for r in caplog.records if r.name == "django.security.csrf"]
        if response.status_code != 403 or not refused:
            failures.append((path, response.status_code))
    # Then each answers 403 from the CSRF check, before any view runs
    assert failures == []


# ---------------------------------------------------------------- framing and CSP


class ScriptAndHandlerFinder(HTMLParser):
    """Collect inline scripts, event-handler attributes and javascript: URLs of a page."""

    def __init__(self):
        super().__init__()
        self.problems = []
        self.scripts = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on") or name.startswith(("hx-on", "data-hx-on")):
                self.problems.append(f"<{tag} {name}=...>")
            is_url = name in ("href", "src", "action", "formaction")
            if is_url and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value}>")
        if tag == "script":
            src = dict(attrs).get("src")
            self.scripts.append(src)
            if not src:
                self.problems.append("<script> without src")
            self._in_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script text: {data.strip()[:60]}")


def page_problems(content):
    finder = ScriptAndHandlerFinder()
    finder.feed(content)
    return finder.problems, finder.scripts


def directives(header):
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_safe_headers(response):
    assert response["X-Frame-Options"] == "DENY"
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert "'unsafe-eval'" not in str(policy)


MAIN_PAGES = [
    "home",
    "rule_list",
    "cadres:township_list",
    "cadres:village_list",
    "cadres:cadre_list",
    "training:event_list",
    "training:compliance",
    "attendance:duty",
    "attendance:leave_list",
    "attendance:inspection_list",
    "attendance:calendar",
    "password_change",
]


def test_the_sign_in_page_sends_the_headers_and_no_inline_script(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_safe_headers(response)
    problems, scripts = page_problems(response.content.decode())
    assert problems == []
    assert scripts and all(src.startswith(settings.STATIC_URL) for src in scripts)


def test_the_main_pages_send_the_headers_and_no_inline_script(county, client):
    client.force_login(county.users.county)
    pages = [reverse(name) for name in MAIN_PAGES]
    pages += [
        county.cadres["a1_clerk"].get_absolute_url(),
        county.villages["a1"].get_absolute_url(),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_safe_headers(response)
        problems, scripts = page_problems(response.content.decode())
        assert problems == [], url
        assert all(src.startswith(settings.STATIC_URL) for src in scripts), url


def test_every_page_without_parameters_sends_the_headers(county):
    # Pages of apps added later are covered without naming them here (a page that fails
    # for another reason is that page's tests' business, not this one's)
    client = Client(raise_request_exception=False)
    client.force_login(county.users.county)
    checked = 0
    for route, _ in every_url():
        if "<" in route or route.startswith(("accounts/logout", "i18n/")):
            continue
        response = client.get("/" + route)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        assert_safe_headers(response)
        assert page_problems(response.content.decode())[0] == [], route
        checked += 1
    assert checked >= 10


def template_files():
    """Yield every project template file: the templates/ folder and each local app's."""
    from django.apps import apps

    folders = [Path(folder) for folder in engines["django"].engine.dirs]
    for app in apps.get_app_configs():
        path = Path(app.path)
        if BASE_DIR in path.parents and ".venv" not in path.parts:
            folders.append(path / "templates")
    for folder in folders:
        yield from folder.rglob("*.html")


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"\s(on[a-z]+|hx-on[:-][^=\s]*|data-hx-on[^=\s]*)\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""=\s*["']?\s*javascript:""", re.IGNORECASE)


def test_no_template_holds_an_inline_script_or_an_event_handler():
    files = list(template_files())
    assert len(files) > 20
    problems = []
    for path in files:
        if "pdf" in path.stem:
            continue  # printed by WeasyPrint, which runs no script
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, HANDLER, JAVASCRIPT_URL):
            for match in pattern.finditer(text):
                problems.append(f"{path.relative_to(BASE_DIR)}: {match.group(0).strip()}")
    assert problems == []


# ---------------------------------------------------------------- deployment checklist


def test_the_deployment_checklist_passes_under_production_settings():
    env = {
        **os.environ,
        "DEBUG": "0",
        "LONGSHAN_HTTPS": "1",
        "ALLOWED_HOSTS": "cadres.longshan.example",
        "SECRET_KEY": secrets.token_urlsafe(50),
    }
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    result = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_https_the_checklist_names_what_is_missing():
    # The switch is what makes the difference: the same run without it warns
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50)}
    env.pop("LONGSHAN_HTTPS", None)
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    result = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # HSTS
