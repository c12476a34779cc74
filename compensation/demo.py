"""The Longshan demo's pay (POLICY §8): own standards, bank accounts, 2025 team rewards,
insurance and check-ups, and the payrolls of the settled months June to October 2026.

Deterministic (a fixed seed and fixed dates, never the clock), set-based (bulk writes;
the payroll runs are the service's own set-based runs) and repeatable: a second run finds
its audit event and writes nothing. June to September are reviewed, approved and locked;
October is computed and reviewed by 里耶镇 only, so that `minan` and `county` have
payroll work waiting.

The demo has township logins for 里耶镇 and 民安街道 only: the reviews of the locked months
by the other townships are recorded under the county account (`county`), as when the
county enters a township's paper review.
"""

import datetime
import random
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from cadres.models import Cadre, CadreStatus, User
from longshan import audit, rulebook
from longshan.models import AuditEvent
from performance.models import AnnualGrade, SettlementMonth

from . import rules, services
from .models import (
    BankAccount,
    Benefit,
    CadrePayStandard,
    PayrollMonth,
    TeamReward,
    TownshipReview,
)

SEED = "longshan-demo-2026/compensation"
ACTION = "compensation.demo_loaded"
MONTHS = [datetime.date(2026, month, 1) for month in range(6, 11)]  # June to October
LOCKED_UNTIL = datetime.date(2026, 9, 1)
STANDARDS_FROM = datetime.date(2026, 6, 1)
REWARD_YEAR = 2025
REWARDS_PAID_WITH = datetime.date(2026, 7, 1)
HONOURS = [
    ("county", "县级五星级党组织"),
    ("county", "县级平安村（社区）"),
    ("prefecture", "州级乡村振兴示范村"),
    ("provincial", "省级美丽乡村示范村"),
]
BANK = "湖南龙山农村商业银行"


def _aware(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _after(month, days):
    return rules_next(month) + datetime.timedelta(days=days)


def rules_next(month):
    return (month + datetime.timedelta(days=32)).replace(day=1)


def demo_load(*, warn=None):
    """Write the demo's pay: standards, accounts, rewards, benefits and payrolls."""
    warn = warn or (lambda message: None)
    if AuditEvent.objects.filter(action=ACTION).exists():
        return {}
    settled = set(
        SettlementMonth.objects.filter(month__in=MONTHS, settled_at__isnull=False).values_list(
            "month", flat=True
        )
    )
    if not settled:
        warn("compensation demo: no settled month; nothing loaded")
        return {}
    users = {
        user.username: user
        for user in User.objects.filter(username__in=["county", "liye", "minan"])
    }
    county = users.get("county")
    if county is None:
        warn("compensation demo: no county login; nothing loaded")
        return {}
    rng = random.Random(SEED)
    cadres = list(
        Cadre.objects.filter(is_full_time=True)
        .order_by("village__code", "post", "id_number")
        .values_list("pk", "post", "village_id", "status", "start_date")
    )
    created = {
        "pay_bank_accounts": _bank_accounts(cadres, rng),
        "pay_own_standards": _own_standards(cadres, rng, county),
        "pay_team_rewards": _rewards(rng, county),
        "pay_benefits": _benefits(cadres, rng, county),
    }
    created["pay_payroll_months"], created["pay_payslips"] = _payrolls(sorted(settled), users)
    audit.record(ACTION, actor=None, changes={kind: [None, n] for kind, n in created.items()})
    return created


def _bank_accounts(cadres, rng):
    have = set(BankAccount.objects.values_list("cadre_id", flat=True))
    rows = [
        BankAccount(cadre_id=pk, bank=BANK, account_number=f"62309{rng.randrange(10**13):013d}")
        for pk, *_rest in cadres
        if pk not in have
    ]
    BankAccount.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _own_standards(cadres, rng, county):
    """About one secretary or clerk in twenty-five has an own standard from June 2026."""
    values = rulebook.RuleBook.load(
        [rulebook.PAY_RANGE_MIN_PREFIX + p for p in ("secretary", "clerk")]
        + [rulebook.PAY_RANGE_MAX_PREFIX + p for p in ("secretary", "clerk")]
    )
    rows = []
    for pk, post, _village, status, _start in cadres:
        if post == "auxiliary_police" or status != CadreStatus.ACTIVE or rng.random() > 0.04:
            continue
        low = values.value(rulebook.PAY_RANGE_MIN_PREFIX + post, STANDARDS_FROM)
        high = values.value(rulebook.PAY_RANGE_MAX_PREFIX + post, STANDARDS_FROM)
        amount = low + (high - low) * Decimal(rng.choice((25, 50, 75, 100))) / 100
        rows.append(
            CadrePayStandard(
                cadre_id=pk,
                annual_amount=amount.quantize(Decimal("100")),
                effective_from=STANDARDS_FROM,
                reason=rng.choice(
                    ("连续三年考核优秀，县委组织部研究决定", "承担乡镇重点工作，报县委组织部备案")
                ),
                set_by=county,
            )
        )
    CadrePayStandard.objects.bulk_create(rows)
    return len(rows)


def _rewards(rng, county):
    """2025's honours and ten-nos teams, and its first-class teams, paid with July 2026."""
    from cadres.models import Village

    villages = list(Village.objects.order_by("code").values_list("pk", flat=True))
    book = rulebook.RuleBook.load(
        [rulebook.REWARD_HONOUR_PREFIX + level for level in rulebook.REWARD_HONOUR_LEVELS]
        + [rulebook.REWARD_TEN_NOS]
    )
    rows = []
    for village_id in rng.sample(villages, 14):
        level, title = rng.choice(HONOURS)
        rows.append(
            TeamReward(
                village_id=village_id,
                year=REWARD_YEAR,
                kind=TeamReward.Kind.HONOUR,
                level=level,
                title=title,
                amount=book.value(rulebook.REWARD_HONOUR_PREFIX + level, REWARDS_PAID_WITH),
                pay_month=REWARDS_PAID_WITH,
                decided_by=county,
            )
        )
    for village_id in rng.sample(villages, 24):
        rows.append(
            TeamReward(
                village_id=village_id,
                year=REWARD_YEAR,
                kind=TeamReward.Kind.TEN_NOS,
                title="2025年度“十无”村（社区）",
                amount=book.value(rulebook.REWARD_TEN_NOS, REWARDS_PAID_WITH),
                pay_month=REWARDS_PAID_WITH,
                decided_by=county,
            )
        )
    TeamReward.objects.bulk_create(rows)
    first_class = 0
    if AnnualGrade.objects.filter(year=REWARD_YEAR).exists():
        first_class = services.first_class_teams_rate(
            REWARD_YEAR, actor=county, pay_month=REWARDS_PAID_WITH
        )
    return len(rows) + first_class


def _benefits(cadres, rng, county):
    """Accident insurance bought in January 2026 and check-ups in April–May for everyone
    in post; a departure allowance for a long-serving cadre who left, paid with October."""
    premium = rulebook.rule_value(rulebook.PAY_ACCIDENT_PREMIUM, datetime.date(2026, 1, 5))
    checkup = rulebook.rule_value(rulebook.PAY_CHECKUP_AMOUNT, datetime.date(2026, 4, 1))
    rows = []
    sitting = [c for c in cadres if c[3] in (CadreStatus.ACTIVE, CadreStatus.SUSPENDED)]
    for pk, *_rest in sitting:
        rows.append(
            Benefit(
                cadre_id=pk,
                kind=Benefit.Kind.ACCIDENT_INSURANCE,
                on=datetime.date(2026, 1, 5),
                amount=premium,
                note="2026年度村干部意外伤害保险",
                recorded_by=county,
            )
        )
        rows.append(
            Benefit(
                cadre_id=pk,
                kind=Benefit.Kind.CHECKUP,
                on=datetime.date(2026, 4, 1) + datetime.timedelta(days=rng.randrange(50)),
                amount=checkup,
                note="县人民医院年度体检",
                recorded_by=county,
            )
        )
    Benefit.objects.bulk_create(rows, batch_size=2000)
    per_year = rulebook.rule_value(rulebook.PAY_DEPARTURE_PER_YEAR, datetime.date(2026, 10, 1))
    minimum = rulebook.rule_value(rulebook.PAY_DEPARTURE_MIN_YEARS, datetime.date(2026, 10, 1))
    departed = [
        (pk, start)
        for pk, _post, _village, status, start in cadres
        if status == CadreStatus.DEPARTED
        and rules.full_years(start, datetime.date(2026, 10, 1)) >= minimum
    ][:2]
    for pk, start in departed:
        years = rules.full_years(start, datetime.date(2026, 9, 30))
        Benefit.objects.create(
            cadre_id=pk,
            kind=Benefit.Kind.DEPARTURE,
            on=datetime.date(2026, 9, 30),
            amount=rules.departure_allowance(years, per_year=per_year, min_years=minimum),
            years_served=years,
            pay_month=datetime.date(2026, 10, 1),
            note="正常离任生活补贴",
            recorded_by=county,
        )
    return len(rows) + len(departed)


def _payrolls(months, users):
    from cadres.models import TownshipUserObjectPermission
    from longshan import scoping

    county, liye = users["county"], users.get("liye")
    officials = {}
    for user_id, township_id in (
        TownshipUserObjectPermission.objects.filter(
            permission__codename=scoping.MANAGE_TOWNSHIP, user__role=User.Role.TOWNSHIP_OFFICIAL
        )
        .order_by("-user__is_township_principal", "user__username")
        .values_list("user_id", "content_object_id")
    ):
        officials.setdefault(township_id, user_id)
    for month in months:
        payroll = services.payroll_run(month, now=_aware(_after(month, 1), 3))
        townships = list(
            payroll.entries.values("township_id").annotate(net=Sum("net")).order_by("township_id")
        )
        if month <= LOCKED_UNTIL:
            reviewed_at = _aware(_after(month, 4), 16)
            TownshipReview.objects.bulk_create(
                [
                    TownshipReview(
                        payroll=payroll,
                        township_id=row["township_id"],
                        reviewed_by_id=officials.get(row["township_id"], county.pk),
                        reviewed_at=reviewed_at,
                        net_total=row["net"],
                    )
                    for row in townships
                ]
            )
            PayrollMonth.objects.filter(pk=payroll.pk).update(status=PayrollMonth.Status.REVIEWED)
            payroll.refresh_from_db()
            payroll = services.payroll_approve(payroll, actor=county, now=_aware(_after(month, 9)))
            services.payroll_lock(payroll, actor=county, now=_aware(_after(month, 9), 15))
        elif liye is not None:
            township = scoping.townships_reviewing_payroll_for(liye).first()
            if township is not None:
                services.payroll_review(
                    payroll, township, actor=liye, now=_aware(_after(month, 4), 16)
                )
    payslips = sum(
        PayrollMonth.objects.filter(month__in=months).values_list("cadre_count", flat=True)
    )
    return len(months), payslips
