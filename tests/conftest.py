"""A small county with every role, shared by the access and roster tests."""

import datetime
import os
import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

from cadres import services
from cadres.models import Cadre, User, Village
from longshan.celery import app as celery_app

from .factories import CadreFactory, TownshipFactory, VillageFactory

PASSWORD = "Longshan2026"

# The data migrations that seed the county's rules (and the selection checklist); each
# seed function is idempotent.
SEED_MIGRATIONS = [
    "longshan.migrations.0002_seed_rule_values",
    "attendance.migrations.0002_seed_rule_values",
    "training.migrations.0003_seed_training_rule",
    "cadres.migrations.0003_seed_selection_rules",
    "performance.migrations.0002_seed_rule_values",
    "ranks.migrations.0002_seed_rule_values",
    "compensation.migrations.0002_seed_rule_values",
    "dashboards.migrations.0001_seed_public_ranking",
]


def seed_rules_again():
    """Put back what the seed migrations wrote, which a transactional test's flush removed
    (live-server and real-worker tests run after such flushes)."""
    import importlib

    from django.apps import apps

    for name in SEED_MIGRATIONS:
        importlib.import_module(name).seed(apps, None)


@pytest.fixture
def county(db):
    """Two townships (A, B), each with a village and a community, three cadres in each unit,
    and a user for every role."""
    township_a = TownshipFactory(name="里耶镇", code="433130101")
    township_b = TownshipFactory(name="民安街道", code="433130102", kind="subdistrict")
    villages = {
        "a1": VillageFactory(township=township_a, name="长春村", code="433130101001"),
        "a2": VillageFactory(
            township=township_a, name="里耶社区", code="433130101002", kind=Village.Kind.COMMUNITY
        ),
        "b1": VillageFactory(township=township_b, name="洗洛村", code="433130102001"),
        "b2": VillageFactory(
            township=township_b, name="民安社区", code="433130102002", kind=Village.Kind.COMMUNITY
        ),
    }
    cadres = {}
    names = {"secretary": "彭国华", "clerk": "张三", "auxiliary_police": "向明"}
    for key, village in villages.items():
        for post, name in names.items():
            cadres[f"{key}_{post}"] = CadreFactory(
                village=village,
                post=post,
                name=f"{name}{key.upper()}" if key != "a1" else name,
                birth_date=datetime.date(1980 + len(cadres), 3, 9),
            )

    def make(username, role, **kwargs):
        return services.user_create(
            actor=None, username=username, password=PASSWORD, role=role, **kwargs
        )

    Role = User.Role
    users = SimpleNamespace(
        county=make("county", Role.COUNTY_STAFF),
        official_a=make(
            "official_a", Role.TOWNSHIP_OFFICIAL, township=township_a, is_township_principal=True
        ),
        official_b=make("official_b", Role.TOWNSHIP_OFFICIAL, township=township_b),
        secretary_a1=make("secretary_a1", Role.VILLAGE_SECRETARY, cadre=cadres["a1_secretary"]),
        clerk_a1=make("clerk_a1", Role.VILLAGE_CADRE, cadre=cadres["a1_clerk"]),
        psb=make("psb", Role.PUBLIC_SECURITY),
        reviewer=make("reviewer", Role.VETTING_REVIEWER, department="discipline"),
    )
    return SimpleNamespace(
        townships={"a": township_a, "b": township_b},
        villages=villages,
        cadres=cadres,
        users=users,
    )


@pytest.fixture
def login(client):
    """Return a function that logs the test client in as a user."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


Post = Cadre.Post

BASE_DIR = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def phone_page(chromium_path, live_server):
    """A fresh browser page the size of a phone (390×844), speaking Chinese."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test
    # itself are still synchronous, so Django's async guard would refuse them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def log_in(page, base_url, username):
    page.goto(base_url + "/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=cadre-count]")


def database_url_of_test_database():
    """Return a DATABASE_URL naming the database this test run uses."""
    from django.db import connection

    from longshan.backup import database_url

    return database_url(connection)


@pytest.fixture
def celery_worker_process(redis_url, transactional_db):
    """Start a real Celery worker on Redis, on a queue of its own, against the test database.

    Tasks sent by the test while the fixture is active go to that worker, not in-process.
    """
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_test_database(),
        "CELERY_BROKER_URL": redis_url,
        # No persistent connection, so the test database can be dropped right after.
        "DATABASE_CONN_MAX_AGE": "0",
    }
    command = [sys.executable, "-m", "celery", "-A", "longshan", "worker", "-Q", queue]
    command += ["--concurrency=1", "--without-gossip", "--without-mingle", "--loglevel=INFO"]
    process = subprocess.Popen(
        command, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    keys = ("broker_url", "task_always_eager", "task_default_queue")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(broker_url=redis_url, task_always_eager=False, task_default_queue=queue)
    try:
        yield process
    finally:
        celery_app.conf.update(saved)
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
