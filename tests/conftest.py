"""A small county with every role, shared by the access and roster tests."""

import datetime
from types import SimpleNamespace

import pytest

from cadres import services
from cadres.models import Cadre, User, Village

from .factories import CadreFactory, TownshipFactory, VillageFactory

PASSWORD = "Longshan2026"


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
