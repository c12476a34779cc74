"""Simplified Chinese by default and complete; English one switch away."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parent.parent
APPS = sorted(path.name for path in BASE_DIR.iterdir() if (path / "apps.py").exists())
SOURCE = [*APPS, "templates", "locale", "manage.py", "pyproject.toml"]


def statistics(po_file):
    """Return msgfmt's statistics line for a .po file (gettext must be installed)."""
    if not shutil.which("msgfmt"):
        pytest.fail("msgfmt (gettext) is missing: apt-get install gettext", pytrace=False)
    result = subprocess.run(
        ["msgfmt", "--check-format", "--statistics", "-o", "/dev/null", str(po_file)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr.strip()


def test_every_string_in_the_source_has_a_chinese_translation(tmp_path):
    # Given a copy of the source, when its messages are extracted afresh
    for name in SOURCE:
        source = BASE_DIR / name
        target = tmp_path / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    (tmp_path / "var").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "-v0"],
        cwd=tmp_path,
        check=True,
        env={"PATH": "/usr/bin:/bin", "LONGSHAN_VAR_DIR": str(tmp_path / "var")},
    )
    # Then every message is translated and none is fuzzy
    line = statistics(tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po")
    assert "untranslated" not in line and "fuzzy" not in line, line


@pytest.mark.django_db
def test_pages_speak_chinese_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "登录" in response.content.decode()


@pytest.mark.django_db
def test_the_language_switch_turns_the_portal_to_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    response = client.get(reverse("login"))
    assert "Log in" in response.content.decode()
    assert "登录" not in response.content.decode()


@pytest.mark.django_db
def test_a_wrong_address_gives_the_portal_404_page_in_chinese(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.django_db
def test_a_browser_set_to_english_still_gets_chinese_until_the_switch(client):
    response = client.get(reverse("login"), headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "登录" in response.content.decode()
