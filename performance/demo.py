"""Fine-grained management in the Longshan demo county, June to November 2026 (POLICY §5).

On a fixed "demo today" of 2026-11-26 (never the clock): every township dispatches three
orders a month to its villages (one to the auxiliary police by name), the villages report
(most in time, a few late, a few never) and the townships score them; the democratic
evaluation of 2025; a few measures (reminders, admonishment talks, suspensions of the
roster's suspended cadres, one dismissal); the settlements of June to October (June to
September locked, October open); and the annual grades of 2025, confirmed for most
townships and waiting for the county in three.

The 2025 grades stand for the county's paper record of that year (the portal settles
months from June 2026): their mean scores are drawn, then graded by the same rules and
township quota as `propose_grades`.

Deterministic (a fixed seed and dates) and set-based (bulk_create); a second run finds
the demo's audit event and creates nothing.
"""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from cadres.models import Cadre, CadreStatus, Township, User, Village
from longshan import audit, rulebook
from longshan.models import AuditEvent

from . import rules, services
from .models import (
    AnnualGrade,
    DemocraticEvaluation,
    DispatchAssignment,
    DispatchOrder,
    Measure,
    SettlementMonth,
)

SEED = "longshan-demo-2026/performance"
DEMO_TODAY = datetime.date(2026, 11, 26)
MONTHS = [datetime.date(2026, month, 1) for month in range(6, 12)]
SETTLED = MONTHS[:-1]  # June to October
LOCKED_UNTIL = datetime.date(2026, 9, 1)
GRADE_YEAR = 2025
GRADES_WAITING = ("里耶镇", "民安街道", "石牌镇")
ACTION = "performance.demo_loaded"
BATCH = 2000

TASKS = [
    ("人居环境整治", "组织清理村内垃圾死角和河道沟渠，上报整治前后照片。", Decimal("2")),
    ("防汛值守排查", "排查山塘水库和地质灾害隐患点，落实值守人员。", Decimal("1.5")),
    ("民生政策宣讲", "入户宣讲医保、养老保险缴费政策，统计参保情况。", Decimal("1")),
    ("矛盾纠纷排查化解", "排查化解邻里、土地纠纷，建立台账。", Decimal("1")),
    ("产业发展调研", "摸清村集体经济和特色产业底数，形成调研报告。", Decimal("1.5")),
    ("党员积分管理", "完成本月党员积分评定并公示。", Decimal("1")),
]
POLICE_TASK = ("综治安全隐患排查", "排查辖区消防、交通和治安隐患，建立整改清单。", Decimal("1"))
REPORTS = (
    "已按要求完成，相关照片和台账已整理归档。",
    "已组织村组干部逐户落实，完成情况见附表。",
    "已完成排查，发现问题已当场整改。",
    "已召开村民会议部署，任务全部完成。",
)
COMMENTS = ("完成较好", "完成及时，资料齐全", "基本完成，台账需完善", "效果明显", "")


def _aware(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def demo_load(*, warn=None):
    """Write the demo's orders, evaluations, measures, settlements and grades."""
    warn = warn or (lambda message: None)
    if AuditEvent.objects.filter(action=ACTION).exists():
        return {}
    cadres = list(
        Cadre.objects.filter(status__in=services.SITTING, is_full_time=True)
        .select_related("village__township")
        .order_by("village__code", "post", "id_number")
    )
    if not cadres:
        warn("performance demo: no cadres in post; nothing loaded")
        return {}
    rng = random.Random(SEED)
    users = {user.username: user for user in User.objects.filter(username__in=["county", "liye"])}
    created = {}
    created["performance_orders"], created["performance_order_villages"] = _orders(rng, users)
    created["performance_evaluations"] = _evaluations(cadres, rng)
    created["performance_measures"] = _measures(cadres, rng, users)
    created["performance_settled_months"] = _settlements(users)
    created["performance_annual_grades"] = _grades(cadres, rng, users)
    audit.record(ACTION, actor=None, changes={kind: [None, n] for kind, n in created.items()})
    return created


def _orders(rng, users):
    """Three orders a month per township: two to every village, one to the police by name.

    Reports: in time and scored (about 90%), late (about 5%), never (about 5%); in
    November the second order is still open and some reports wait for their score.
    """
    villages_by_township = {}
    for village_id, township_id in Village.objects.order_by("code").values_list(
        "pk", "township_id"
    ):
        villages_by_township.setdefault(township_id, []).append(village_id)
    police = {}
    for cadre_id, village_id in Cadre.objects.filter(
        post=Cadre.Post.AUXILIARY_POLICE, status=CadreStatus.ACTIVE
    ).values_list("pk", "village_id"):
        police.setdefault(village_id, []).append(cadre_id)
    secretaries = dict(
        User.objects.filter(role=User.Role.VILLAGE_SECRETARY).values_list("cadre__village_id", "pk")
    )
    liye = users.get("liye")
    liye_id = Township.objects.filter(name="里耶镇").values_list("pk", flat=True).first()
    plans = []
    for month in MONTHS:
        for township_id in sorted(villages_by_township):
            picked = rng.sample(TASKS, 2)
            for number, (title, content, weight) in enumerate([*picked, POLICE_TASK]):
                deadline = month.replace(day=(20, 28, 25)[number])
                if month == MONTHS[-1] and number == 1:
                    deadline = month.replace(day=30)
                plans.append((township_id, month, title, content, weight, deadline, number))
    orders = [
        DispatchOrder(
            township_id=township_id,
            month=month,
            title=f"{month.month}月{title}",
            content=content,
            weight=weight,
            deadline=deadline,
            created_by=liye if township_id == liye_id else None,
        )
        for township_id, month, title, content, weight, deadline, _number in plans
    ]
    DispatchOrder.objects.bulk_create(orders, batch_size=BATCH)
    assignments, named = [], []
    for order, plan in zip(orders, plans, strict=True):
        number = plan[-1]
        for village_id in villages_by_township[order.township_id]:
            if number == 2 and not police.get(village_id):
                continue
            assignment = DispatchAssignment(order=order, village_id=village_id)
            _outcome(assignment, order, rng, secretaries.get(village_id), liye, liye_id)
            assignments.append(assignment)
            if number == 2:
                named.append((assignment, police[village_id]))
    DispatchAssignment.objects.bulk_create(assignments, batch_size=BATCH)
    Through = DispatchAssignment.named_cadres.through
    Through.objects.bulk_create(
        [
            Through(dispatchassignment_id=assignment.pk, cadre_id=cadre_id)
            for assignment, cadre_ids in named
            for cadre_id in cadre_ids
        ],
        batch_size=BATCH,
    )
    return len(orders), len(assignments)


def _outcome(assignment, order, rng, secretary_id, liye, liye_id):
    """Set a village's report and score of an order, as of the demo's today."""
    if order.deadline >= DEMO_TODAY:
        draw = rng.random()
        if draw < 0.5:
            return  # open: still to report
        reported_on = DEMO_TODAY - datetime.timedelta(days=rng.randint(0, 4))
        scored = draw > 0.8
    else:
        draw = rng.random()
        if draw < 0.05:
            return  # never reported: late, 0
        late = draw < 0.10
        offset = rng.randint(1, 4) if late else -rng.randint(0, 6)
        reported_on = order.deadline + datetime.timedelta(days=offset)
        scored = not late and (order.month < MONTHS[-1] or rng.random() < 0.7)
    assignment.status = rules.REPORTED
    assignment.reported_at = _aware(reported_on, rng.choice((9, 11, 15, 17)))
    assignment.on_time = reported_on <= order.deadline
    assignment.report_text = rng.choice(REPORTS)
    assignment.reported_by_id = secretary_id
    if scored:
        assignment.status = rules.SCORED
        assignment.score = Decimal(min(100, max(55, round(rng.gauss(86, 8)))))
        assignment.score_comment = rng.choice(COMMENTS)
        assignment.scored_at = assignment.reported_at + datetime.timedelta(days=2)
        assignment.scored_by = liye if order.township_id == liye_id else None


def _evaluations(cadres, rng):
    """Each cadre's democratic evaluation of 2025: 30 to 60 votes, a few poorly rated."""
    rows = []
    for cadre in cadres:
        if cadre.start_date.year > GRADE_YEAR:
            continue
        voters = rng.randint(30, 60)
        share_bad = rng.random() * 0.4 if rng.random() < 0.03 else rng.random() * 0.08
        dissatisfied = round(voters * share_bad)
        basic = round((voters - dissatisfied) * rng.uniform(0.05, 0.3))
        rows.append(
            DemocraticEvaluation(
                cadre_id=cadre.pk,
                year=GRADE_YEAR,
                satisfied=voters - dissatisfied - basic,
                basically_satisfied=basic,
                dissatisfied=dissatisfied,
            )
        )
    DemocraticEvaluation.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _measures(cadres, rng, users):
    """Reminders and admonishment talks, a suspension for each suspended cadre, a dismissal."""
    county = users.get("county")
    if county is None:
        return 0
    liye = users.get("liye") or county
    active = [c for c in cadres if c.status == CadreStatus.ACTIVE]
    measures = []
    for cadre in rng.sample(active, 14):
        by_liye = cadre.village.township.name == "里耶镇"
        measures.append(
            Measure(
                cadre_id=cadre.pk,
                kind=Measure.Kind.REMINDER,
                decided_on=DEMO_TODAY - datetime.timedelta(days=rng.randint(5, 150)),
                decided_by=liye if by_liye else county,
                authority=f"{cadre.village.township.name}党委",
                reason=rng.choice(("派单任务逾期未报", "工作台账不规范", "值班记录不全")),
            )
        )
    for cadre in rng.sample(active, 5):
        measures.append(
            Measure(
                cadre_id=cadre.pk,
                kind=Measure.Kind.ADMONISHMENT,
                decided_on=DEMO_TODAY - datetime.timedelta(days=rng.randint(10, 120)),
                decided_by=county,
                authority="县委组织部",
                reason="工作日无故脱岗，经督查发现",
            )
        )
    for cadre in (c for c in cadres if c.status == CadreStatus.SUSPENDED):
        start = datetime.date(2026, 10, 1) + datetime.timedelta(days=rng.randint(0, 40))
        measures.append(
            Measure(
                cadre_id=cadre.pk,
                kind=Measure.Kind.SUSPENSION,
                decided_on=start - datetime.timedelta(days=1),
                starts_on=start,
                ends_on=start + datetime.timedelta(days=rng.choice((14, 30, 60))),
                decided_by=county,
                authority="县委组织部",
                reason="涉嫌违反工作纪律，停职停薪接受调查",
            )
        )
    for measure in measures:
        measure.starts_on = measure.starts_on or measure.decided_on
    Measure.objects.bulk_create(measures)
    dismissed = rng.choice([c for c in active if c.village.township.name != "里耶镇"])
    services.measure_record(
        actor=county,
        cadre=dismissed,
        kind=Measure.Kind.DISMISSAL,
        decided_on=datetime.date(2026, 11, 9),
        starts_on=datetime.date(2026, 11, 10),
        authority="县委组织部",
        reason="严重违反工作纪律，撤职查处",
    )
    return len(measures) + 1


def _settlements(users):
    """Settle June to October as on the 1st of the month after; lock June to September."""
    county = users.get("county")
    for month in SETTLED:
        after = rules.last_of_month(month) + datetime.timedelta(days=1)
        period = services.settlement_run(month, now=_aware(after, 2), today=after)
        if county is not None and month <= LOCKED_UNTIL:
            services.settlement_lock(
                period, actor=county, now=_aware(after + datetime.timedelta(days=9))
            )
    return SettlementMonth.objects.filter(month__in=SETTLED).count()


def _grades(cadres, rng, users):
    """The 2025 grades: drawn mean scores, graded by the rules and the township quota."""
    on = datetime.date(GRADE_YEAR, 12, 31)
    versions = services._rule_versions(services.GRADE_RULES, on)
    values = services._typed_rules(versions)
    settled = {
        cadre.pk: {
            "township": cadre.village.township_id,
            "scores": [Decimal(min(99, max(55, round(rng.gauss(85, 6), 1))))],
        }
        for cadre in cadres
        if cadre.start_date.year <= GRADE_YEAR
    }
    _settled, _removals, training_days, dissatisfied = services.grade_inputs(GRADE_YEAR)
    proposals = services.grade_proposals(
        GRADE_YEAR,
        settled=settled,
        removals=set(),
        training_days=training_days,
        dissatisfied=dissatisfied,
        values=values,
        confirmed={},
    )
    waiting = set(Township.objects.filter(name__in=GRADES_WAITING).values_list("pk", flat=True))
    county = users.get("county")
    confirmed_at = _aware(datetime.date(2026, 1, 20))
    rows = []
    for cadre_id, (proposal, township_id, mean) in sorted(proposals.items()):
        confirm = county is not None and township_id not in waiting
        grade = AnnualGrade(
            cadre_id=cadre_id,
            year=GRADE_YEAR,
            township_id=township_id,
            status=AnnualGrade.Status.CONFIRMED if confirm else AnnualGrade.Status.PROPOSED,
            proposed_grade=proposal.grade,
            grade_by_score=proposal.by_score,
            grade=proposal.grade,
            caps=list(proposal.caps),
            mean_score=mean,
            months_settled=12,
            training_days=training_days.get(cadre_id, Decimal("0")),
            training_minimum=values[rulebook.TRAINING_MIN_DAYS_PER_YEAR],
            dissatisfied_share=dissatisfied.get(cadre_id),
            had_removal=False,
            rule_versions=versions,
            proposed_at=_aware(datetime.date(2026, 1, 8)),
            confirmed_by=county if confirm else None,
            confirmed_at=confirmed_at if confirm else None,
        )
        if confirm and proposal.grade == rules.BASICALLY_COMPETENT and rng.random() < 0.05:
            grade.grade = rules.COMPETENT
            grade.override_reason = "经乡镇党委复核，培训学时已补足"
        rows.append(grade)
    AnnualGrade.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)
