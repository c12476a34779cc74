"""The Longshan demo county: 21 townships, 397 villages, 1,198 cadres (POLICY §1, §9.1).

The plan is pure and deterministic: the same on every call, from fixed seeds; no ORM, no
clock. `manage.py load_longshan_demo` writes the plan (with each cadre's appointment
history, `history_plan`) to the database and creates the demo logins; `demo_load` at the
end of this module is the cadres app's demo extension, which writes the selection part
(former cadres, relatives, candidates, vetting cases).
"""

import dataclasses
import datetime
import functools
import random
from dataclasses import dataclass
from decimal import Decimal

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from . import rules
from .choices import Education, Ethnicity, PoliticalStatus

SEED = "longshan-demo-2026"
# Ages are plausible on this date; every cadre is eligible on their own start date (§3.1).
AGES_ON = datetime.date(2026, 11, 26)
PILOT_START = datetime.date(2018, 8, 1)  # secretaries full-time (§2.2)
TRANSITION_START = datetime.date(2019, 3, 1)  # clerks and auxiliary police join (§2.2)
LAST_START = datetime.date(2025, 12, 31)
# The rulebook's default (migration longshan 0002): a second police post from 5,000 people.
EXTRA_POLICE_FROM_POPULATION = 5000
DEMO_PASSWORD = "Longshan2026"

# Values of the model choices, kept here so that this module needs no models.
TOWN, SUBDISTRICT = "town", "subdistrict"
VILLAGE, COMMUNITY = "village", "community"
SECRETARY, CLERK, AUXILIARY_POLICE = "secretary", "clerk", "auxiliary_police"
ACTIVE, SUSPENDED = "active", "suspended"
COUNTY_STAFF = "county_staff"
VETTING_REVIEWER = "vetting_reviewer"
PUBLIC_SECURITY = "public_security"
TOWNSHIP_OFFICIAL = "township_official"
VILLAGE_SECRETARY = "village_secretary"
VILLAGE_CADRE = "village_cadre"

# The county's published totals (POLICY §1, §9.1); the generator refuses to differ.
EXPECTED_TOWNSHIPS = 21
EXPECTED_SUBDISTRICTS = 4
EXPECTED_VILLAGES = 397
EXPECTED_BIG_VILLAGES = 7
EXPECTED_POSTS = {SECRETARY: 397, CLERK: 397, AUXILIARY_POLICE: 404}
CLERK_EDUCATION = {
    Education.POSTGRADUATE: 6,
    Education.BACHELOR: 86,  # with the postgraduates: 92 bachelor or above
    Education.COLLEGE: 295,
    Education.SENIOR_HIGH: 10,
}
SUSPENDED_CADRES = 6

# (name, kind, communities, villages), in division-code order 001..021.
TOWNSHIPS = (
    ("民安街道", SUBDISTRICT, 11, 4),
    ("华塘街道", SUBDISTRICT, 8, 7),
    ("新城街道", SUBDISTRICT, 10, 5),
    ("石羔街道", SUBDISTRICT, 8, 6),
    ("洗车河镇", TOWN, 1, 25),
    ("苗儿滩镇", TOWN, 1, 25),
    ("里耶镇", TOWN, 1, 29),
    ("桂塘镇", TOWN, 1, 23),
    ("石牌镇", TOWN, 1, 24),
    ("召市镇", TOWN, 1, 23),
    ("红岩溪镇", TOWN, 1, 21),
    ("靛房镇", TOWN, 1, 20),
    ("茨岩塘镇", TOWN, 1, 20),
    ("洛塔乡", TOWN, 1, 12),
    ("茅坪乡", TOWN, 1, 16),
    ("农车乡", TOWN, 1, 17),
    ("咱果乡", TOWN, 1, 13),
    ("水田坝乡", TOWN, 1, 15),
    ("湾塘乡", TOWN, 1, 14),
    ("大安乡", TOWN, 1, 13),
    ("内溪乡", TOWN, 1, 11),
)
LOGIN_TOWNSHIP = "里耶镇"  # its first village (村) gives the secretary, clerk and police logins

VILLAGE_PREFIXES = "长新大小高石杉桐茶竹枫黄白青红马龙凤金桃兴和光明双三五八上中老水牛鹿梓柏樟麻桂"
VILLAGE_MIDDLES = "家木水子叶花板鱼鸭洞树岩"
VILLAGE_ROOTS = "坪溪坡寨湾岩塘桥坝口河山冲洞田界坨垭湖堡沟岗坳井园林"
COMMUNITY_NAMES = (
    "新建", "兴隆", "和平", "团结", "幸福", "民主", "长征", "胜利", "向阳", "建设", "文化",
    "解放", "城东", "城西", "城南", "城北", "东门", "西门", "南门", "北门", "太平", "新街",
    "老街", "河西", "河东", "桥头", "茶园", "迎宾", "白岩", "凤凰", "八面山", "华塘坪",
)  # fmt: skip

# Longshan's common surnames, weighted: the Tujia 彭, 向 and 田 lead.
SURNAMES = (
    ("彭", 14), ("向", 12), ("田", 10), ("王", 7), ("张", 6), ("李", 6), ("刘", 5), ("杨", 5),
    ("黄", 4), ("周", 3), ("吴", 3), ("覃", 3), ("肖", 3), ("陈", 2), ("龚", 2), ("贾", 2),
    ("符", 2), ("舒", 2), ("瞿", 1), ("鲁", 1), ("姚", 1), ("汪", 1), ("胡", 1), ("梁", 1),
)  # fmt: skip
MALE_GIVEN = (
    "建国华明军伟强勇志宏文武林平东海波兵德成刚光荣辉俊杰斌"
    "峰涛鹏飞龙云春正生清和福贵祥顺学忠胜金松长永茂昌先家万世远新发"
)
FEMALE_GIVEN = "丽芳英红梅兰霞燕琴玲娟静敏艳萍秀凤珍芬莉婷慧雪琳玉春月桂花娜倩洁蓉丹佳欣雯晓美"
ETHNICITIES = (
    (Ethnicity.TUJIA, 60),
    (Ethnicity.HAN, 28),
    (Ethnicity.MIAO, 11),
    (Ethnicity.DONG, 0.4),
    (Ethnicity.BAI, 0.3),
    (Ethnicity.HUI, 0.2),
    (Ethnicity.YAO, 0.1),
)
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "173", "175", "176", "177", "180", "181",
    "182", "183", "185", "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip


@dataclass(frozen=True)
class PostProfile:
    """How the people holding one post are drawn (ages on AGES_ON, eligibility from §3.1)."""

    male_share: float
    ages: tuple  # (youngest, oldest) on AGES_ON
    young_share: float  # share drawn from (youngest, young_until); 0 draws evenly
    young_until: int
    max_age_at_start: int  # §3.1: secretary 57 (new), clerk 35, police 45
    first_start: datetime.date
    education: tuple  # ((value, weight), ...); clerks use CLERK_EDUCATION instead
    political: tuple  # ((value, weight), ...)


PROFILES = {
    SECRETARY: PostProfile(
        male_share=0.75,
        ages=(38, 59),
        young_share=0,
        young_until=0,
        max_age_at_start=57,
        first_start=PILOT_START,
        education=(
            (Education.COLLEGE, 40),
            (Education.SENIOR_HIGH, 28),
            (Education.VOCATIONAL, 17),
            (Education.BACHELOR, 10),
            (Education.JUNIOR_HIGH_OR_BELOW, 5),
        ),
        political=((PoliticalStatus.PARTY_MEMBER, 1),),
    ),
    CLERK: PostProfile(
        male_share=0.5,
        ages=(23, 40),
        young_share=0.7,  # about 70% under 35 (§9.1 reports the share)
        young_until=34,
        max_age_at_start=35,
        first_start=TRANSITION_START,
        education=(),
        political=(
            (PoliticalStatus.PARTY_MEMBER, 40),
            (PoliticalStatus.PROBATIONARY_MEMBER, 8),
            (PoliticalStatus.YOUTH_LEAGUE, 30),
            (PoliticalStatus.MASSES, 22),
        ),
    ),
    AUXILIARY_POLICE: PostProfile(
        male_share=0.75,
        ages=(24, 47),
        young_share=0,
        young_until=0,
        max_age_at_start=45,
        first_start=TRANSITION_START,
        education=(
            (Education.SENIOR_HIGH, 50),
            (Education.COLLEGE, 33),
            (Education.VOCATIONAL, 12),
            (Education.BACHELOR, 5),
        ),
        political=(
            (PoliticalStatus.PARTY_MEMBER, 30),
            (PoliticalStatus.PROBATIONARY_MEMBER, 5),
            (PoliticalStatus.YOUTH_LEAGUE, 15),
            (PoliticalStatus.MASSES, 50),
        ),
    ),
}
# Youngest plausible age on the start date, by education (years of schooling).
MIN_AGE_AT_START = {
    Education.POSTGRADUATE: 24,
    Education.BACHELOR: 22,
    Education.COLLEGE: 21,
}
DEFAULT_MIN_AGE_AT_START = 19
YOUTH_LEAGUE_MAX_AGE = 28  # League members leave at 28


class DemoPlanError(Exception):
    """The generated county does not match the county's published totals."""


@dataclass(frozen=True)
class TownshipPlan:
    code: str
    name: str
    kind: str


@dataclass(frozen=True)
class VillagePlan:
    code: str
    township_code: str
    name: str
    kind: str
    population: int
    area_km2: Decimal


@dataclass(frozen=True)
class CadrePlan:
    """One cadre of the sitting roster; birth date and sex repeat what the ID number says."""

    id_number: str
    name: str
    sex: str
    birth_date: datetime.date
    ethnicity: str
    phone: str
    education: str
    political_status: str
    party_join_date: datetime.date | None
    village_code: str
    post: str
    status: str
    start_date: datetime.date
    is_full_time: bool = True


@dataclass(frozen=True)
class CountyPlan:
    name: str
    code: str
    townships: tuple
    villages: tuple
    cadres: tuple


@dataclass(frozen=True)
class DemoLogin:
    """One demo account: who it is, what it may see (a label to print) and what it links to."""

    username: str
    role: str
    full_name: str
    scope: str
    password: str = DEMO_PASSWORD
    township_code: str = ""
    is_township_principal: bool = False
    department: str = ""
    cadre_id_number: str = ""
    groups: tuple = ()


# The group whose members read and export the audit trail (longshan migration 0005).
AUDITOR_GROUP = "county auditor"
# The group whose members see ID and phone numbers in full (longshan migration 0007).
PERSONAL_DATA_GROUP = "personal data"

# The nine joint-vetting departments (POLICY §1.4, §3.4): User.Department values, short name.
VETTING_DEPARTMENTS = (
    ("discipline", "纪检", "贾文斌"),
    ("organization", "组织", "舒红梅"),
    ("political_legal", "政法", "龚卫东"),
    ("public_security", "公安", "符海军"),
    ("procuratorate", "检察", "肖静"),
    ("court", "法院", "吴志刚"),
    ("petitions", "信访", "杨秀英"),
    ("health", "卫健", "覃晓燕"),
    ("agriculture", "农业", "黄宏伟"),
)


def add_years(day, years):
    """Return the same calendar day `years` later (or earlier); 29 February becomes 1 March."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return datetime.date(day.year + years, 3, 1)


def _random_day(rng, first, last):
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))


def _weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _check(condition, message):
    if not condition:
        raise DemoPlanError(message)


# ---------------------------------------------------------------- places


def _village_name(rng):
    if rng.random() < 0.3:
        return (
            rng.choice(VILLAGE_PREFIXES) + rng.choice(VILLAGE_MIDDLES) + rng.choice(VILLAGE_ROOTS)
        )
    prefix, root = rng.choice(VILLAGE_PREFIXES), rng.choice(VILLAGE_ROOTS)
    return prefix + root if prefix != root else prefix + "家" + root


def _unit_names(rng, township_name, communities, villages):
    """Return (community names, village names), unique within the township."""
    stem = township_name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
    # The seat of a town, and the heart of a subdistrict, is a community named after it.
    community_names = [stem + "社区"]
    for name in rng.sample(COMMUNITY_NAMES, len(COMMUNITY_NAMES)):
        if len(community_names) == communities:
            break
        if name != stem:
            community_names.append(name + "社区")
    used = {name.removesuffix("社区") for name in community_names} | {stem}
    village_names = []
    while len(village_names) < villages:
        name = _village_name(rng)
        if name not in used:
            used.add(name)
            village_names.append(name + "村")
    return community_names[:communities], village_names


def _area(rng, low_hundredths, high_hundredths):
    return Decimal(rng.randint(low_hundredths, high_hundredths)).scaleb(-2)


def _build_places(county_code, rng):
    townships, villages = [], []
    for number, (name, kind, communities, village_count) in enumerate(TOWNSHIPS, start=1):
        township = TownshipPlan(code=f"{county_code}{number:03d}", name=name, kind=kind)
        townships.append(township)
        community_names, village_names = _unit_names(rng, name, communities, village_count)
        # National statistical codes: communities 001-199, villages from 201.
        for serial, unit_name in enumerate(community_names, start=1):
            villages.append(
                VillagePlan(
                    code=f"{township.code}{serial:03d}",
                    township_code=township.code,
                    name=unit_name,
                    kind=COMMUNITY,
                    population=rng.randint(1800, 4800),
                    area_km2=_area(rng, 300, 1200),
                )
            )
        for serial, unit_name in enumerate(village_names, start=201):
            villages.append(
                VillagePlan(
                    code=f"{township.code}{serial:03d}",
                    township_code=township.code,
                    name=unit_name,
                    kind=VILLAGE,
                    population=int(rng.triangular(600, 4800, 1600)),
                    area_km2=_area(rng, 500, 4500),
                )
            )
    # The few big units, with a second auxiliary police post (§2.3), are communities.
    community_indexes = [i for i, village in enumerate(villages) if village.kind == COMMUNITY]
    for index in sorted(rng.sample(community_indexes, EXPECTED_BIG_VILLAGES)):
        villages[index] = dataclasses.replace(villages[index], population=rng.randint(5000, 8000))
    return tuple(townships), tuple(villages)


# ---------------------------------------------------------------- people


class _People:
    """Draws people one at a time, keeping names, ID numbers and phones unique."""

    def __init__(self, rng):
        self.rng = rng
        self.names = set()
        self.id_prefixes = set()
        self.phones = set()

    def name(self, male):
        rng = self.rng
        pool = MALE_GIVEN if male else FEMALE_GIVEN
        while True:
            surname = _weighted(rng, SURNAMES)
            given = rng.choice(pool)
            if rng.random() < 0.75:
                second = rng.choice(pool)
                given += second if second != given else ""
            if surname + given not in self.names:
                self.names.add(surname + given)
                return surname + given

    def id_number(self, county_code, birth_date, male):
        rng = self.rng
        while True:
            # Digits 15-16 are the registering station; the 17th is odd for men (GB 11643).
            sex_digit = rng.choice("13579" if male else "02468")
            first_17 = f"{county_code}{birth_date:%Y%m%d}{rng.randint(1, 99):02d}{sex_digit}"
            if first_17 not in self.id_prefixes:
                self.id_prefixes.add(first_17)
                return first_17 + rules.id_check_character(first_17)

    def phone(self):
        while True:
            phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randint(0, 99_999_999):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def birth_and_start(self, profile, education):
        """Return a birth date and a start date on which the person was eligible (§3.1)."""
        rng = self.rng
        youngest, oldest = profile.ages
        min_age_at_start = MIN_AGE_AT_START.get(education, DEFAULT_MIN_AGE_AT_START)
        while True:
            if rng.random() < profile.young_share:
                age = rng.randint(youngest, profile.young_until)
            elif profile.young_share:
                age = rng.randint(profile.young_until + 1, oldest)
            else:
                age = rng.randint(youngest, oldest)
            birth = _random_day(
                rng,
                add_years(AGES_ON, -(age + 1)) + datetime.timedelta(days=1),
                add_years(AGES_ON, -age),
            )
            first = max(profile.first_start, add_years(birth, min_age_at_start))
            last = min(
                LAST_START,
                add_years(birth, profile.max_age_at_start + 1) - datetime.timedelta(days=1),
            )
            if first <= last:
                break
        # Most posts were filled when their stage began; the rest over the years since.
        rollout_end = profile.first_start + datetime.timedelta(days=90)
        if first <= rollout_end and rng.random() < 0.55:
            return birth, _random_day(rng, first, min(last, rollout_end))
        return birth, _random_day(rng, first, last)

    def politics(self, profile, post, birth_date, start_date):
        """Return (political status, party join date or None)."""
        rng = self.rng
        status = _weighted(rng, profile.political)
        age = rules.age_on(birth_date, AGES_ON)
        if status == PoliticalStatus.YOUTH_LEAGUE and age > YOUTH_LEAGUE_MAX_AGE:
            status = rng.choice((PoliticalStatus.PARTY_MEMBER, PoliticalStatus.MASSES))
        adult = add_years(birth_date, 18) + datetime.timedelta(days=1)
        if status == PoliticalStatus.PROBATIONARY_MEMBER:
            # A probationary member joined within the last year.
            return status, _random_day(
                rng,
                max(adult, AGES_ON - datetime.timedelta(days=330)),
                AGES_ON - datetime.timedelta(days=30),
            )
        if status != PoliticalStatus.PARTY_MEMBER:
            return status, None
        # A secretary has been a member for at least a year on the start date (§3.1).
        latest = add_years(start_date if post == SECRETARY else AGES_ON, -1)
        earliest = max(adult, add_years(birth_date, 20))
        latest = min(latest, add_years(birth_date, 45))
        return status, _random_day(rng, min(earliest, latest), latest)


def _build_cadres(county_code, villages, rng):
    people = _People(rng)
    clerk_education = [level for level, count in CLERK_EDUCATION.items() for _ in range(count)]
    rng.shuffle(clerk_education)
    cadres = []
    for village in villages:
        quota = rules.headcount_quota(
            population=village.population,
            extra_police_from_population=EXTRA_POLICE_FROM_POPULATION,
        )
        posts = (
            [SECRETARY] * quota.secretary
            + [CLERK] * quota.clerk
            + [AUXILIARY_POLICE] * quota.auxiliary_police
        )
        for post in posts:
            profile = PROFILES[post]
            male = rng.random() < profile.male_share
            if post == CLERK:
                education = clerk_education.pop()
            else:
                education = _weighted(rng, profile.education)
            birth, start = people.birth_and_start(profile, education)
            political_status, party_join_date = people.politics(profile, post, birth, start)
            cadres.append(
                CadrePlan(
                    id_number=people.id_number(county_code, birth, male),
                    name=people.name(male),
                    sex="M" if male else "F",
                    birth_date=birth,
                    ethnicity=_weighted(rng, ETHNICITIES),
                    phone=people.phone(),
                    education=education,
                    political_status=political_status,
                    party_join_date=party_join_date,
                    village_code=village.code,
                    post=post,
                    status=ACTIVE,
                    start_date=start,
                )
            )
    return cadres


def _suspend_a_few(cadres, rng, *, spare_village_code):
    """Suspend a handful of cadres, none in the village whose cadres have demo logins."""
    candidates = [i for i, cadre in enumerate(cadres) if cadre.village_code != spare_village_code]
    for index in sorted(rng.sample(candidates, SUSPENDED_CADRES)):
        cadres[index] = dataclasses.replace(cadres[index], status=SUSPENDED)


def _check_totals(townships, villages, cadres):
    _check(len(townships) == EXPECTED_TOWNSHIPS, "expected 21 townships")
    subdistricts = sum(township.kind == SUBDISTRICT for township in townships)
    _check(subdistricts == EXPECTED_SUBDISTRICTS, "expected 4 subdistricts")
    _check(len(villages) == EXPECTED_VILLAGES, f"expected 397 villages, got {len(villages)}")
    _check(len({v.code for v in villages}) == len(villages), "village codes repeat")
    big = [v for v in villages if v.population >= EXTRA_POLICE_FROM_POPULATION]
    _check(len(big) == EXPECTED_BIG_VILLAGES, "expected 7 villages of 5,000 people or more")
    for post, expected in EXPECTED_POSTS.items():
        count = sum(cadre.post == post for cadre in cadres)
        _check(count == expected, f"expected {expected} {post}, got {count}")
    _check(len(cadres) == sum(EXPECTED_POSTS.values()), "expected 1,198 cadres")
    for level, expected in CLERK_EDUCATION.items():
        count = sum(c.post == CLERK and c.education == level for c in cadres)
        _check(count == expected, f"expected {expected} clerks with {level}")
    _check(len({c.id_number for c in cadres}) == len(cadres), "ID numbers repeat")
    for cadre in cadres:
        resident_id = rules.parse_resident_id(cadre.id_number, today=AGES_ON)
        _check(
            (resident_id.birth_date, resident_id.sex) == (cadre.birth_date, cadre.sex),
            f"ID number {cadre.id_number} disagrees with its holder",
        )
    _check(len({c.phone for c in cadres}) == len(cadres), "phone numbers repeat")
    suspended = sum(cadre.status == SUSPENDED for cadre in cadres)
    _check(suspended == SUSPENDED_CADRES, "expected 6 suspended cadres")


def _login_village(townships, villages):
    township = next(t for t in townships if t.name == LOGIN_TOWNSHIP)
    return next(v for v in villages if v.township_code == township.code and v.kind == VILLAGE)


@functools.cache
def build_county():
    """Return the whole demo county: the same CountyPlan on every call."""
    county_code = "433130"
    townships, villages = _build_places(county_code, random.Random(f"{SEED}/places"))
    rng = random.Random(f"{SEED}/people")
    cadres = _build_cadres(county_code, villages, rng)
    _suspend_a_few(cadres, rng, spare_village_code=_login_village(townships, villages).code)
    _check_totals(townships, villages, cadres)
    return CountyPlan(
        name="龙山县",
        code=county_code,
        townships=townships,
        villages=villages,
        cadres=tuple(cadres),
    )


def demo_logins():
    """Return the demo logins, one for every role (POLICY §1.4), all with DEMO_PASSWORD."""
    county = build_county()
    townships = {township.name: township for township in county.townships}
    village = _login_village(county.townships, county.villages)
    village_cadres = [cadre for cadre in county.cadres if cadre.village_code == village.code]

    def cadre_of(post):
        return next(cadre for cadre in village_cadres if cadre.post == post)

    liye, minan = townships[LOGIN_TOWNSHIP], townships["民安街道"]
    secretary, clerk = cadre_of(SECRETARY), cadre_of(CLERK)
    police = cadre_of(AUXILIARY_POLICE)
    own_record = format_lazy("{} ({})", _("Own record"), village.name)
    logins = [
        DemoLogin(
            "county",
            COUNTY_STAFF,
            "周建华",
            format_lazy("{} ({})", _("Whole county"), county.name),
            groups=(PERSONAL_DATA_GROUP,),
        ),
        DemoLogin(
            "liye",
            TOWNSHIP_OFFICIAL,
            "田茂林",
            liye.name,
            township_code=liye.code,
            is_township_principal=True,
        ),
        DemoLogin("liye2", TOWNSHIP_OFFICIAL, "向丽", liye.name, township_code=liye.code),
        DemoLogin(
            "minan",
            TOWNSHIP_OFFICIAL,
            "彭志勇",
            minan.name,
            township_code=minan.code,
            is_township_principal=True,
        ),
        DemoLogin(
            "secretary",
            VILLAGE_SECRETARY,
            secretary.name,
            f"{village.name}, {liye.name}",
            cadre_id_number=secretary.id_number,
        ),
        DemoLogin("clerk", VILLAGE_CADRE, clerk.name, own_record, cadre_id_number=clerk.id_number),
        DemoLogin(
            "police", VILLAGE_CADRE, police.name, own_record, cadre_id_number=police.id_number
        ),
        DemoLogin("psb", PUBLIC_SECURITY, "王振国", _("Auxiliary police of the whole county")),
        DemoLogin(
            "auditor",
            COUNTY_STAFF,
            "龙晓燕",
            _("Whole county, and the audit trail"),
            groups=(AUDITOR_GROUP,),
        ),
    ]
    for department, short_name, full_name in VETTING_DEPARTMENTS:
        logins.append(
            DemoLogin(
                f"vet_{department}",
                VETTING_REVIEWER,
                full_name,
                format_lazy(_("Vetting cases sent to {department}"), department=short_name),
                department=department,
            )
        )
    return logins


# ---------------------------------------------------------------- appointment history (§3.6)

DEMO_TODAY = AGES_ON  # the demo's fixed "today": never the clock
TRANSFER_SHARE = 0.015  # a few cadres came from another village of their township
REINSTATED_SHARE = 0.008  # a few were suspended once and reinstated
APPOINTMENT, TRANSFER = "appointment", "transfer"
SUSPENSION, REINSTATEMENT = "suspension", "reinstatement"
REMOVAL, DEPARTURE = "removal", "departure"
DEMO_DECIDER = "县委组织部"


@dataclass(frozen=True)
class HistoryStep:
    """One event of a demo cadre's appointment history, by village code."""

    kind: str
    on: datetime.date
    reason: str
    village_code: str = ""
    post: str = ""


def _other_village(rng, villages_by_township, village_code, kind):
    township_code = village_code[:9]
    choices = [
        v.code
        for v in villages_by_township[township_code]
        if v.code != village_code and v.kind == kind
    ]
    return rng.choice(choices) if choices else None


@functools.cache
def history_plan():
    """Return {ID number: (HistoryStep, ...)} for every cadre of the plan, oldest first.

    Every history starts with the appointment on the start date; a few cadres came by a
    transfer from another village of their township, a few were suspended and reinstated,
    and the suspended ones of the roster have their suspension. Deterministic: each cadre
    draws from a generator seeded by their ID number.
    """
    county = build_county()
    villages_by_township = {}
    kinds = {}
    for village in county.villages:
        villages_by_township.setdefault(village.township_code, []).append(village)
        kinds[village.code] = village.kind
    spare = _login_village(county.townships, county.villages).code
    plan = {}
    for cadre in county.cadres:
        rng = random.Random(f"{SEED}/history/{cadre.id_number}")
        steps = []
        span = (LAST_START - cadre.start_date).days
        draw = rng.random()
        first_village = cadre.village_code
        if draw < TRANSFER_SHARE and span > 400 and cadre.village_code != spare:
            other = _other_village(
                rng, villages_by_township, cadre.village_code, kinds[cadre.village_code]
            )
            if other and cadre.post != SECRETARY:
                first_village = other
        steps.append(
            HistoryStep(
                APPOINTMENT, cadre.start_date, "县委组织部任职通知", first_village, cadre.post
            )
        )
        if first_village != cadre.village_code:
            on = cadre.start_date + datetime.timedelta(days=rng.randint(180, span - 30))
            steps.append(
                HistoryStep(TRANSFER, on, "工作需要，乡镇内调整", cadre.village_code, cadre.post)
            )
        last = steps[-1].on
        if cadre.status == SUSPENDED:
            on = _random_day(
                rng, last + datetime.timedelta(days=60), DEMO_TODAY - datetime.timedelta(days=20)
            )
            steps.append(HistoryStep(SUSPENSION, on, "停职检查，配合纪委调查"))
        elif (
            TRANSFER_SHARE <= draw < TRANSFER_SHARE + REINSTATED_SHARE
            and cadre.village_code != spare
            and (DEMO_TODAY - last).days > 400
        ):
            on = _random_day(
                rng, last + datetime.timedelta(days=60), DEMO_TODAY - datetime.timedelta(days=200)
            )
            steps.append(HistoryStep(SUSPENSION, on, "停职检查"))
            steps.append(
                HistoryStep(
                    REINSTATEMENT,
                    on + datetime.timedelta(days=rng.randint(30, 120)),
                    "检查结束，恢复职务",
                )
            )
        plan[cadre.id_number] = tuple(steps)
    return plan


# ---------------------------------------------------------------- selection (§3): the writer
# Unlike the plan above, `demo_load` writes: it is the cadres app's demo extension, run by
# `load_longshan_demo` after the roster (DEMO_EXTENSIONS). Set-based and repeatable.

FORMER_CADRES = {DEPARTURE: 8, REMOVAL: 3}
POOL_CANDIDATES = 24
CASE_STATES = (  # (vetting status, how many)
    ("in_progress", 3),
    ("rejected", 2),
    ("passed", 2),
)
REAPPOINTED_SECRETARIES = 2
REAPPOINTMENT_DAY = datetime.date(2024, 1, 15)  # the village elections of 2024 (换届)
RELATIONS = 40
FAIL_REASONS = (
    ("public_security", "有治安处罚记录，2021年因聚众赌博被行政拘留"),
    ("petitions", "2023年以来多次组织群众越级上访"),
)
EXCEPTION_REASON = "脱贫攻坚中表现突出，获评州级优秀扶贫志愿者，经县委组织部研究同意放宽年龄"


def _at(day, hour=10):
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _selection_people(county, part):
    """A generator of new people that never repeats a roster name, ID or phone."""
    people = _People(random.Random(f"{SEED}/selection/{part}"))
    people.names.update(cadre.name for cadre in county.cadres)
    people.id_prefixes.update(cadre.id_number[:17] for cadre in county.cadres)
    people.phones.update(cadre.phone for cadre in county.cadres)
    return people


def _person(people, rng, county_code, *, age_from, age_to, on, education):
    male = rng.random() < 0.5
    age = rng.randint(age_from, age_to)
    birth = _random_day(
        rng, add_years(on, -(age + 1)) + datetime.timedelta(days=1), add_years(on, -age)
    )
    return {
        "name": people.name(male),
        "id_number": people.id_number(county_code, birth, male),
        "ethnicity": _weighted(rng, ETHNICITIES),
        "phone": people.phone(),
        "education": education,
        "birth": birth,
    }


def demo_load(*, warn):
    """Write the selection part of the living county; return the counts created.

    Former cadres who departed or were removed (with their history), recorded relatives,
    a clerk candidate pool with channels, and vetting cases in every state. A second run
    finds its rows by ID number and creates nothing.
    """
    from .models import Cadre, User, Village

    county = build_county()
    people = _selection_people(county, "former")
    villages = {
        v.code: v for v in Village.objects.filter(code__in=[v.code for v in county.villages])
    }
    cadres = {
        c.id_number: c
        for c in Cadre.objects.filter(id_number__in=[c.id_number for c in county.cadres])
    }
    users = {u.username: u for u in User.objects.filter(role__in=[COUNTY_STAFF, VETTING_REVIEWER])}
    created = {"former_cadres": 0, "relations": 0, "candidates": 0, "vetting_cases": 0}
    if len(villages) != len(county.villages) or "county" not in users:
        warn("The demo roster is incomplete; the selection demo is left out.")
        return created
    # Each part draws from its own generator, so a part that finds its rows (and draws
    # nothing) leaves the others' draws unchanged.
    created["former_cadres"] = _load_former_cadres(
        county, random.Random(f"{SEED}/former"), people, villages
    )
    created["relations"] = _load_relations(county, random.Random(f"{SEED}/relations"), cadres)
    created["candidates"], created["vetting_cases"] = _load_candidates(
        county,
        random.Random(f"{SEED}/candidates"),
        _selection_people(county, "candidates"),
        villages,
        cadres,
        users,
    )
    return created


def _load_former_cadres(county, rng, people, villages):
    """Predecessors who left a post (departure) or were removed (免职) before its holder came."""
    from .models import AppointmentEvent, Cadre

    later = sorted(
        (
            c
            for c in county.cadres
            if c.post != SECRETARY
            and c.start_date > TRANSITION_START + datetime.timedelta(days=400)
        ),
        key=lambda c: c.id_number,
    )
    successors = rng.sample(later, sum(FORMER_CADRES.values()))
    ends = [kind for kind, count in FORMER_CADRES.items() for _ in range(count)]
    plans = []
    for successor, end in zip(successors, ends, strict=True):
        start = TRANSITION_START + datetime.timedelta(days=rng.randint(0, 60))
        education = "college" if successor.post == CLERK else "senior_high"
        person = _person(
            people, rng, county.code, age_from=24, age_to=33, on=start, education=education
        )
        plans.append((successor, end, start, person))
    existing = set(
        Cadre.objects.filter(id_number__in=[p[3]["id_number"] for p in plans]).values_list(
            "id_number", flat=True
        )
    )
    plans = [p for p in plans if p[3]["id_number"] not in existing]
    status = {DEPARTURE: "departed", REMOVAL: "removed"}
    records = []
    for successor, end, start, person in plans:
        cadre = Cadre(
            name=person["name"],
            id_number=person["id_number"],
            ethnicity=person["ethnicity"],
            phone=person["phone"],
            education=person["education"],
            political_status="masses",
            village=villages[successor.village_code],
            post=successor.post,
            status=status[end],
            start_date=start,
        )
        cadre.derive_fields()
        records.append(cadre)
    Cadre.objects.bulk_create(records)
    ids = dict(
        Cadre.objects.filter(id_number__in=[c.id_number for c in records]).values_list(
            "id_number", "pk"
        )
    )
    reasons = {DEPARTURE: "本人辞职，考入乡镇事业单位", REMOVAL: "年度考核不称职，按规定免去职务"}
    events = []
    for successor, end, start, person in plans:
        cadre_id = ids[person["id_number"]]
        village_id = villages[successor.village_code].pk
        events.append(
            AppointmentEvent(
                cadre_id=cadre_id,
                kind=APPOINTMENT,
                on=start,
                village_id=village_id,
                post=successor.post,
                reason="县委组织部任职通知",
                decided_by_name=DEMO_DECIDER,
            )
        )
        events.append(
            AppointmentEvent(
                cadre_id=cadre_id,
                kind=end,
                on=successor.start_date - datetime.timedelta(days=1),
                reason=reasons[end],
                decided_by_name=DEMO_DECIDER,
            )
        )
    AppointmentEvent.objects.bulk_create(events)
    return len(records)


def _load_relations(county, rng, cadres):
    """Relatives among sitting cadres, always in different villages (§3.5 holds)."""
    from .models import Relation

    if Relation.objects.exists():
        return 0
    kinds = ("spouse", "parent_child", "sibling", "sibling", "in_law", "cousin")
    ordered = sorted(county.cadres, key=lambda c: c.id_number)
    relations, used = [], set()
    while len(relations) < RELATIONS:
        a, b = rng.sample(ordered, 2)
        pair = frozenset((a.id_number, b.id_number))
        if a.village_code == b.village_code or pair in used:
            continue
        if a.id_number not in cadres or b.id_number not in cadres:
            continue
        used.add(pair)
        relations.append(
            Relation(
                kind=rng.choice(kinds),
                id_number_a=a.id_number,
                name_a=a.name,
                id_number_b=b.id_number,
                name_b=b.name,
            )
        )
    Relation.objects.bulk_create(relations)
    return len(relations)


def _load_candidates(county, rng, people, villages, cadres, users):
    """A clerk pool by channel, and vetting cases in progress, rejected, passed, appointed."""
    from .models import (
        AppointmentEvent,
        Attestation,
        Candidate,
        Channel,
        DisqualifierItem,
        Relation,
        VettingCase,
        VettingReview,
    )

    plain_villages = sorted(
        (
            v
            for v in county.villages
            if v.code != _login_village(county.townships, county.villages).code
        ),
        key=lambda v: v.code,
    )
    total = POOL_CANDIDATES + sum(count for _state, count in CASE_STATES)
    planned = []
    for index in range(total):
        on = DEMO_TODAY + datetime.timedelta(days=rng.randint(20, 90))
        education = _weighted(
            rng, ((Education.COLLEGE, 60), (Education.BACHELOR, 35), (Education.POSTGRADUATE, 5))
        )
        person = _person(
            people, rng, county.code, age_from=23, age_to=34, on=on, education=education
        )
        channel = Channel.values[index % len(Channel.values)]
        political = _weighted(
            rng,
            (
                (PoliticalStatus.PARTY_MEMBER, 45),
                (PoliticalStatus.YOUTH_LEAGUE, 30),
                (PoliticalStatus.MASSES, 25),
            ),
        )
        if (
            political == PoliticalStatus.YOUTH_LEAGUE
            and rules.age_on(person["birth"], on) > YOUTH_LEAGUE_MAX_AGE
        ):
            political = PoliticalStatus.MASSES
        joined = (
            add_years(person["birth"], 21) if political == PoliticalStatus.PARTY_MEMBER else None
        )
        planned.append((person, on, channel, political, joined, rng.choice(plain_villages)))
    # One exceptional clerk of 37 (§3.1), one with a relative sitting in the village (§3.5)
    exceptional_on = DEMO_TODAY + datetime.timedelta(days=45)
    exceptional = _person(
        people,
        rng,
        county.code,
        age_from=37,
        age_to=37,
        on=exceptional_on,
        education=Education.BACHELOR,
    )
    planned.append(
        (
            exceptional,
            exceptional_on,
            Channel.POVERTY_VOLUNTEER,
            PoliticalStatus.PARTY_MEMBER,
            add_years(exceptional["birth"], 25),
            rng.choice(plain_villages),
        )
    )
    ids = [p[0]["id_number"] for p in planned]
    if Candidate.objects.filter(id_number__in=ids).exists():
        return 0, 0
    candidates = []
    for person, on, channel, political, joined, village in planned:
        candidate = Candidate(
            name=person["name"],
            id_number=person["id_number"],
            ethnicity=person["ethnicity"],
            phone=person["phone"],
            education=person["education"],
            political_status=political,
            party_join_date=joined,
            village=villages[village.code],
            post=CLERK,
            channel=channel,
            planned_on=on,
        )
        candidate.derive_fields()
        candidates.append(candidate)
    exceptional_candidate = candidates[-1]
    exceptional_candidate.exception_reason = EXCEPTION_REASON
    exceptional_candidate.exception_approved_by = users["county"]
    exceptional_candidate.exception_approved_at = _at(DEMO_TODAY - datetime.timedelta(days=3))
    relative_candidate = candidates[0]
    sitting_clerk = next(
        c
        for c in county.cadres
        if c.village_code == planned[0][5].code and c.post == AUXILIARY_POLICE
    )
    county_user = users["county"]
    for index, candidate in enumerate(candidates):
        if index % 6 != 5:  # most are attested; a few wait for their attestation
            candidate.attested_at, candidate.attested_by = (
                _at(DEMO_TODAY - datetime.timedelta(days=10)),
                county_user,
            )
    # Cases: the first candidates after the pool go to vetting, in order of CASE_STATES
    states = [state for state, count in CASE_STATES for _ in range(count)]
    in_case = candidates[POOL_CANDIDATES : POOL_CANDIDATES + len(states)]
    for candidate, state in zip(in_case, states, strict=True):
        candidate.attested_at, candidate.attested_by = (
            _at(DEMO_TODAY - datetime.timedelta(days=30)),
            county_user,
        )
        candidate.status = {"in_progress": "vetting", "passed": "vetting", "rejected": "rejected"}[
            state
        ]
    Candidate.objects.bulk_create(candidates)
    saved = {c.id_number: c for c in Candidate.objects.filter(id_number__in=ids)}
    for candidate in candidates:
        saved[candidate.id_number].created_at = _at(
            candidate.planned_on - datetime.timedelta(days=60)
        )
    Candidate.objects.bulk_update(saved.values(), ["created_at"])
    Relation.objects.get_or_create(
        id_number_a=relative_candidate.id_number,
        id_number_b=sitting_clerk.id_number,
        defaults={
            "kind": "sibling",
            "name_a": relative_candidate.name,
            "name_b": sitting_clerk.name,
        },
    )
    items = list(DisqualifierItem.objects.filter(is_active=True))
    ticked_candidate = candidates[7].id_number  # one candidate attests a situation that applies
    Attestation.objects.bulk_create(
        Attestation(
            candidate=saved[c.id_number],
            item=item,
            item_text=item.text,
            applies=c.id_number == ticked_candidate and item.position == 7,
        )
        for c in candidates
        if c.attested_at
        for item in items
    )
    # Vetting cases, each with its nine reviews
    cases = []
    for candidate, state in zip(in_case, states, strict=True):
        started = DEMO_TODAY - datetime.timedelta(days=rng.randint(5, 25))
        case = VettingCase(
            candidate=saved[candidate.id_number], status=state, started_by=county_user
        )
        case.demo_started = started
        cases.append(case)
    # Two sitting secretaries re-appointed at the 2024 elections went through vetting too
    secretaries = sorted(
        (
            c
            for c in county.cadres
            if c.post == SECRETARY
            and c.status == ACTIVE
            and c.start_date < REAPPOINTMENT_DAY - datetime.timedelta(days=365)
            and rules.age_on(c.birth_date, REAPPOINTMENT_DAY) <= 60
            and not any(s.kind != APPOINTMENT for s in history_plan()[c.id_number])
        ),
        key=lambda c: c.id_number,
    )[:REAPPOINTED_SECRETARIES]
    reappointed = []
    for secretary in secretaries:
        record = cadres[secretary.id_number]
        candidate = Candidate(
            name=record.name,
            id_number=record.id_number,
            ethnicity=record.ethnicity,
            phone=record.phone,
            education=record.education,
            political_status=record.political_status,
            party_join_date=record.party_join_date,
            village=record.village,
            post=SECRETARY,
            channel=Channel.PRINCIPAL_CADRE,
            is_reappointment=True,
            planned_on=REAPPOINTMENT_DAY,
            status="appointed",
            cadre=record,
            attested_at=_at(REAPPOINTMENT_DAY - datetime.timedelta(days=40)),
            attested_by=county_user,
        )
        candidate.derive_fields()
        reappointed.append(candidate)
    Candidate.objects.bulk_create(reappointed)
    for candidate in Candidate.objects.filter(id_number__in=[c.id_number for c in reappointed]):
        case = VettingCase(
            candidate=candidate,
            status="appointed",
            started_by=county_user,
            closed_at=_at(REAPPOINTMENT_DAY),
        )
        case.demo_started = REAPPOINTMENT_DAY - datetime.timedelta(days=30)
        cases.append(case)
        Attestation.objects.bulk_create(
            Attestation(candidate=candidate, item=item, item_text=item.text, applies=False)
            for item in items
        )
    VettingCase.objects.bulk_create(cases)
    for case in cases:
        case.started_at = _at(case.demo_started)
        if case.status == "rejected":
            case.closed_at = _at(case.demo_started + datetime.timedelta(days=4))
    VettingCase.objects.bulk_update(cases, ["started_at", "closed_at"])
    departments = [department for department, _short, _name in VETTING_DEPARTMENTS]
    reviews, rejected_seen = [], 0
    for case in cases:
        started = case.demo_started
        if case.status in ("passed", "appointed"):
            passed = set(departments)
        elif case.status == "in_progress":
            passed = set(rng.sample(departments, rng.randint(2, 7)))
        else:
            passed = set(rng.sample(departments, 4))
        failed = {}
        if case.status == "rejected":
            department, reason = FAIL_REASONS[rejected_seen % len(FAIL_REASONS)]
            rejected_seen += 1
            passed.discard(department)
            failed[department] = reason
        for number, department in enumerate(departments):
            reviewer = users.get(f"vet_{department}")
            decided = department in passed or department in failed
            reviews.append(
                VettingReview(
                    case=case,
                    department=department,
                    status="passed"
                    if department in passed
                    else ("failed" if department in failed else "pending"),
                    reason=failed.get(department, ""),
                    reviewer=reviewer if decided else None,
                    decided_at=_at(started + datetime.timedelta(days=1 + number % 3), 9 + number)
                    if decided
                    else None,
                )
            )
    VettingReview.objects.bulk_create(reviews)
    AppointmentEvent.objects.bulk_create(
        AppointmentEvent(
            cadre=cadres[c.id_number],
            kind=APPOINTMENT,
            on=REAPPOINTMENT_DAY,
            village=cadres[c.id_number].village,
            post=SECRETARY,
            reason="村（社区）两委换届，连任",
            decided_by=county_user,
            decided_by_name=DEMO_DECIDER,
            decided_at=_at(REAPPOINTMENT_DAY),
            source="cadres.vetting",
            source_ref=str(
                next(case.pk for case in cases if case.candidate.id_number == c.id_number)
            ),
        )
        for c in reappointed
    )
    return len(candidates) + len(reappointed), len(cases)
