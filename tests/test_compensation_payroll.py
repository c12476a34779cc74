"""The monthly payroll (POLICY §8.1, §8.2, §4.4): hand-worked payslips for each post, the
quarter take-back, review and lock, refusals of a locked month, a cost that does not
grow with the county."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from compensation import rules, services
from compensation.models import PayrollEntry, PayrollLine, PayrollMonth, TeamReward
from conftest import missing_service
from longshan.models import AuditEvent
from performance import services as performance_services
from ranks import services as rank_services

from .compensation_fixtures import absent, at, close_month, pay_rules, review_all, run, settle  # noqa: F401
from .factories import CadreFactory, VillageFactory
from .performance_fixtures import rules_seeded  # noqa: F401

D = Decimal
JANUARY, FEBRUARY, MARCH = (datetime.date(2026, m, 1) for m in (1, 2, 3))
OCTOBER = datetime.date(2026, 10, 1)

pytestmark = pytest.mark.usefixtures("pay_rules")


def entry(county, key, month=OCTOBER):
    return PayrollEntry.objects.get(cadre=county.cadres[key], month=month)


def lines(entry_):
    return [
        (line.kind, line.refers_to_month, line.amount) for line in entry_.lines.order_by("position")
    ]


def test_a_full_month_pays_each_post_its_standard(county):
    # Given October settled with no order (score 100) and a1's secretary at rank level 8
    rank_services.placement_set(
        county.cadres["a1_secretary"],
        on=datetime.date(2026, 1, 1),
        actor=county.users.county,
        level=8,
        reason="测试",
    )
    settle(OCTOBER)
    # When the county computes the payroll
    payroll = run(OCTOBER)
    # Then the secretary: 40,000 × 70% ÷ 12 = 2,333.33 base, rank 2 levels × 100 = 200,
    # 40,000 × 30% ÷ 12 = 1,000 performance, 50% × (100 + 30) = 65 insurance subsidy
    secretary = entry(county, "a1_secretary")
    assert lines(secretary) == [
        ("base", None, D("2333.33")),
        ("rank", None, D("200.00")),
        ("performance", None, D("1000.00")),
        ("insurance", None, D("65.00")),
    ]
    assert (secretary.gross, secretary.deductions, secretary.net) == (
        D("3598.33"),
        D("0"),
        D("3598.33"),
    )
    # the clerk: 35,600 × 70% ÷ 12 = 2,076.666… → 2,076.67 (half up), performance 890
    clerk = entry(county, "a1_clerk")
    assert lines(clerk) == [
        ("base", None, D("2076.67")),
        ("performance", None, D("890.00")),
        ("insurance", None, D("65.00")),
    ]
    assert clerk.net == D("3031.67")
    # the auxiliary police: social insurance by regulation, so no subsidy line
    police = entry(county, "a1_auxiliary_police")
    assert lines(police) == [
        ("base", None, D("2333.33")),
        ("performance", None, D("1000.00")),
    ]
    assert police.net == D("3333.33")
    # And twelve cadres, whose nets add up to the month's total
    assert payroll.cadre_count == 12
    assert payroll.net_total == sum(e.net for e in PayrollEntry.objects.filter(payroll=payroll))
    assert payroll.status == PayrollMonth.Status.COMPUTED


def test_own_standard_within_range_with_a_reason(county):
    clerk = county.cadres["a1_clerk"]
    # An own standard outside the clerk's range (35,600–42,300) is refused
    with pytest.raises(ValidationError) as refused:
        services.pay_standard_set(
            clerk,
            actor=county.users.county,
            annual_amount=D("42300.01"),
            effective_from=OCTOBER,
            reason="优秀",
        )
    assert "annual_amount" in refused.value.error_dict
    with pytest.raises(ValidationError):
        services.pay_standard_set(
            clerk, actor=county.users.county, annual_amount=40000, effective_from=OCTOBER, reason=""
        )
    with pytest.raises(PermissionDenied):
        services.pay_standard_set(
            clerk,
            actor=county.users.official_a,
            annual_amount=40000,
            effective_from=OCTOBER,
            reason="优秀",
        )
    # Within it, with a reason, it pays from its month: 42,000 × 70% ÷ 12 = 2,450
    services.pay_standard_set(
        clerk,
        actor=county.users.county,
        annual_amount=D("42000"),
        effective_from=OCTOBER,
        reason="考核优秀",
    )
    settle(OCTOBER)
    run(OCTOBER)
    paid = entry(county, "a1_clerk")
    assert paid.annual_standard == D("42000.00")
    assert lines(paid)[:2] == [("base", None, D("2450.00")), ("performance", None, D("1050.00"))]


def test_third_absence_in_march_takes_back_january_and_february(county):
    # Given a1's clerk absent in January (1st: 30% of January's performance pay)
    absent(county, "a1_clerk", at(2026, 1, 15, 10))
    # and January and February paid and locked
    close_month(county, JANUARY)
    close_month(county, FEBRUARY)
    january = entry(county, "a1_clerk", JANUARY)
    assert lines(january) == [
        ("base", None, D("2076.67")),
        ("performance", None, D("890.00")),
        ("violation_month", None, D("-267.00")),
        ("insurance", None, D("65.00")),
    ]
    assert january.performance_paid == D("623.00")
    assert entry(county, "a1_clerk", FEBRUARY).performance_paid == D("890.00")
    # When the clerk is found absent twice in March (2nd: all of March; 3rd: the quarter)
    absent(county, "a1_clerk", at(2026, 3, 10, 10))
    absent(county, "a1_clerk", at(2026, 3, 20, 10))
    settle(MARCH)
    run(MARCH)
    # Then March pays no performance pay and takes back what January and February paid
    march = entry(county, "a1_clerk", MARCH)
    assert lines(march) == [
        ("base", None, D("2076.67")),
        ("performance", None, D("890.00")),
        ("violation_month", None, D("-890.00")),
        ("quarter_takeback", JANUARY, D("-623.00")),
        ("quarter_takeback", FEBRUARY, D("-890.00")),
        ("insurance", None, D("65.00")),
    ]
    # 2,076.67 + 890 − 890 − 623 − 890 + 65 = 628.67
    assert (march.gross, march.deductions, march.net) == (D("3031.67"), D("-2403.00"), D("628.67"))
    # with the reason of each deduction on the line
    notes = dict(march.lines.values_list("kind", "note"))
    assert "2026-03-10" in notes["violation_month"]
    assert "2026-03-20" in notes["quarter_takeback"]
    # And January, locked, never changed
    assert lines(entry(county, "a1_clerk", JANUARY))[2] == ("violation_month", None, D("-267.00"))
    # A second run of March takes back the same, not twice
    run(MARCH)
    assert entry(county, "a1_clerk", MARCH).net == D("628.67")


def test_net_never_below_zero_the_rest_is_carried(county):
    settle(OCTOBER)
    services.adjustment_add(
        county.cadres["a1_clerk"],
        actor=county.users.county,
        pay_month=OCTOBER,
        amount=D("-4000"),
        reason="多发追回",
        refers_to_month=datetime.date(2026, 9, 1),
    )
    run(OCTOBER)
    clerk = entry(county, "a1_clerk")
    assert clerk.net == D("0")
    assert lines(clerk)[-1] == ("carried_out", OCTOBER, D("968.33"))
    november = datetime.date(2026, 11, 1)
    settle(november)
    run(november)
    assert ("carried_in", OCTOBER, D("-968.33")) in lines(entry(county, "a1_clerk", november))


def test_review_approve_lock_and_who_may_move_them(county):
    settle(OCTOBER)
    payroll = run(OCTOBER)
    users = county.users
    a, b = county.townships["a"], county.townships["b"]
    # Only a township's own officials review its part
    for user in (users.county, users.official_b, users.secretary_a1, users.clerk_a1, users.psb):
        with pytest.raises(PermissionDenied):
            services.payroll_review(payroll, a, actor=user, now=at(2026, 11, 3, 9))
    services.payroll_review(payroll, a, actor=users.official_a, now=at(2026, 11, 3, 9))
    with pytest.raises(rules.PayError):
        services.payroll_review(payroll, a, actor=users.official_a, now=at(2026, 11, 3, 9))
    # The county cannot approve before every township has reviewed
    with pytest.raises(rules.PayError):
        services.payroll_approve(payroll, actor=users.county, now=at(2026, 11, 4, 9))
    # A run of the month clears the reviews: figures reviewed must be the figures paid
    payroll = run(OCTOBER)
    assert not payroll.reviews.exists()
    payroll = review_all(county, payroll)
    assert payroll.status == PayrollMonth.Status.REVIEWED
    # Only the county approves, and only once the month's settlement is locked
    with pytest.raises(PermissionDenied):
        services.payroll_approve(payroll, actor=users.official_a, now=at(2026, 11, 4, 9))
    with pytest.raises(rules.PayError):
        services.payroll_approve(payroll, actor=users.county, now=at(2026, 11, 4, 9))
    period = performance_services.settlement_run(OCTOBER, now=at(2026, 11, 1, 2))
    performance_services.settlement_lock(period, actor=users.county, now=at(2026, 11, 4, 8))
    with pytest.raises(rules.PayError):  # locking skips approval: refused
        services.payroll_lock(payroll, actor=users.county, now=at(2026, 11, 4, 9))
    services.payroll_approve(payroll, actor=users.county, now=at(2026, 11, 4, 9))
    with pytest.raises(PermissionDenied):
        services.payroll_lock(payroll, actor=users.official_a, now=at(2026, 11, 4, 10))
    payroll = services.payroll_lock(payroll, actor=users.county, now=at(2026, 11, 4, 10))
    assert payroll.status == PayrollMonth.Status.LOCKED
    actions = list(
        AuditEvent.objects.filter(action__startswith="payroll.").values_list("action", flat=True)
    )
    for action in (
        "payroll.run",
        "payroll.township_reviewed",
        "payroll.approved",
        "payroll.locked",
    ):
        assert action in actions
    assert b.pk in set(payroll.reviews.values_list("township_id", flat=True))


def test_a_locked_month_refuses_every_write(county):
    payroll = close_month(county, OCTOBER)
    before = list(PayrollLine.objects.order_by("pk").values_list("pk", "amount"))
    users, clerk = county.users, county.cadres["a1_clerk"]
    refusals = [
        lambda: run(OCTOBER),
        lambda: services.payroll_review(
            payroll, county.townships["a"], actor=users.official_a, now=at(2026, 11, 5, 9)
        ),
        lambda: services.payroll_approve(payroll, actor=users.county, now=at(2026, 11, 5, 9)),
        lambda: services.payroll_lock(payroll, actor=users.county, now=at(2026, 11, 5, 9)),
        lambda: services.adjustment_add(
            clerk, actor=users.county, pay_month=OCTOBER, amount=10, reason="补发"
        ),
        lambda: services.reward_grant(
            clerk.village,
            actor=users.county,
            kind=TeamReward.Kind.TEN_NOS,
            year=2026,
            title="十无",
            pay_month=OCTOBER,
        ),
        lambda: services.benefit_record(
            clerk, actor=users.county, kind="death_on_duty", on=OCTOBER, pay_month=OCTOBER
        ),
        lambda: services.pay_standard_set(
            clerk, actor=users.county, annual_amount=40000, effective_from=OCTOBER, reason="调整"
        ),
        lambda: services.collective_share_record(
            clerk, actor=users.county, pay_month=OCTOBER, amount=100, reason="分红"
        ),
    ]
    for refused in refusals:
        with pytest.raises(ValidationError):
            refused()
    with pytest.raises(CommandError):
        call_command("run_payroll", "2026-10")
    assert list(PayrollLine.objects.order_by("pk").values_list("pk", "amount")) == before
    payroll.refresh_from_db()
    assert payroll.status == PayrollMonth.Status.LOCKED


def _refused_by_the_database(write):
    """Run a direct write in a savepoint; return whether the frozen-payroll guard refused
    it (its own message: another error, a broken guard's included, is not a refusal)."""
    try:
        with transaction.atomic():
            write()
            with connection.cursor() as cursor:  # deferred checks fire here, not at the end
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    except DatabaseError as error:
        return "is approved or locked" in str(error)
    return False


def test_on_postgresql_the_database_refuses_to_change_an_approved_or_locked_payroll(county):
    if connection.vendor != "postgresql":
        missing_service("the guard of frozen payrolls is PostgreSQL's (DATABASE_URL)")
    # Given October approved (not yet locked) and its payslips
    settle(OCTOBER, lock=True, county=county)
    payroll = review_all(county, run(OCTOBER))
    payroll = services.payroll_approve(payroll, actor=county.users.county, now=at(2026, 11, 4, 9))
    entries = PayrollEntry.objects.filter(payroll=payroll)
    lines = PayrollLine.objects.filter(entry__payroll=payroll)
    entry, line = entries.first(), lines.first()
    before = (
        list(entries.order_by("pk").values_list("pk", "net")),
        list(lines.order_by("pk").values_list("pk", "amount")),
    )
    months = PayrollMonth.objects.filter(pk=payroll.pk)
    newcomer = CadreFactory(village=county.villages["b2"], post="clerk")

    def raw(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql, [payroll.pk])

    # When a script writes to it directly, past the services, the database refuses:
    writes = [
        lambda: entries.filter(pk=entry.pk).update(net=entry.net + 1),
        lambda: entries.filter(pk=entry.pk).delete(),
        lambda: lines.filter(pk=line.pk).update(amount=line.amount + 1),
        lambda: PayrollLine.objects.filter(pk=line.pk).delete(),
        lambda: PayrollLine.objects.create(entry=entry, position=99, kind="adjustment", amount=1),
        lambda: PayrollEntry.objects.create(
            payroll=payroll,
            month=OCTOBER,
            cadre=newcomer,
            township=county.townships["b"],
            village=county.villages["b2"],
            post="clerk",
            annual_standard=0,
            performance_paid=0,
            gross=0,
            deductions=0,
            net=0,
        ),
        lambda: months.update(net_total=payroll.net_total + 1),
        lambda: months.update(status=PayrollMonth.Status.COMPUTED),
        lambda: raw(
            "DELETE FROM compensation_payrollline WHERE entry_id IN"
            " (SELECT id FROM compensation_payrollentry WHERE payroll_id = %s)"
        ),
        lambda: raw("DELETE FROM compensation_payrollmonth WHERE id = %s"),
    ]
    assert [_refused_by_the_database(write) for write in writes] == [True] * len(writes)
    after = (
        list(entries.order_by("pk").values_list("pk", "net")),
        list(lines.order_by("pk").values_list("pk", "amount")),
    )
    assert after == before
    # Then locking it, the one change left, still goes through, and nothing after it
    payroll = services.payroll_lock(payroll, actor=county.users.county, now=at(2026, 11, 4, 10))
    assert _refused_by_the_database(lambda: months.update(locked_at=at(2026, 11, 5, 9)))
    assert _refused_by_the_database(lambda: months.update(status=PayrollMonth.Status.APPROVED))
    months.update(locked_at=payroll.locked_at)  # no change at all is no change


def test_rewards_reach_the_teams_performance_pay(county):
    # Given a county honour (3,000) for village a1 paid with October
    services.reward_grant(
        county.villages["a1"],
        actor=county.users.county,
        kind=TeamReward.Kind.HONOUR,
        level=TeamReward.Level.COUNTY,
        year=2026,
        title="县级先进党组织",
        pay_month=OCTOBER,
    )
    settle(OCTOBER)
    run(OCTOBER)
    # Then each of a1's three cadres gets 1,000 of it
    for post in ("secretary", "clerk", "auxiliary_police"):
        assert ("reward", None, D("1000.00")) in lines(entry(county, f"a1_{post}"))
    assert not any(kind == "reward" for kind, _m, _a in lines(entry(county, "a2_clerk")))


def test_first_class_teams_are_the_years_top_tenth(county):
    # 2026's results (annual grades from October): a1's late order drags it below the others
    from .performance_fixtures import order

    order(county, villages=["a1"], deadline=datetime.date(2026, 10, 15))
    settle(OCTOBER)
    performance_services.grades_propose(2026, now=at(2027, 1, 5))
    count = services.first_class_teams_rate(
        2026, actor=county.users.county, pay_month=datetime.date(2026, 12, 1)
    )
    # 4 teams × 10% → at least one: the best by mean score, the lower code on a tie (a2)
    assert count == 1
    reward = TeamReward.objects.get(kind=TeamReward.Kind.FIRST_CLASS)
    assert (reward.village, reward.amount) == (county.villages["a2"], D("10000.00"))


def test_benefits_death_on_duty_and_departure(county):
    secretary = county.cadres["b1_secretary"]
    death = services.benefit_record(
        secretary, actor=county.users.county, kind="death_on_duty", on=OCTOBER, pay_month=OCTOBER
    )
    assert death.amount == D("28000.00")  # one year's base pay: 40,000 × 70%
    secretary.start_date = datetime.date(2010, 5, 1)
    departure = services.benefit_record(
        secretary,
        actor=county.users.county,
        kind="departure",
        on=datetime.date(2026, 10, 20),
        pay_month=OCTOBER,
    )
    assert (departure.years_served, departure.amount) == (16, D("16000.00"))
    checkup = services.benefit_record(
        secretary, actor=county.users.county, kind="checkup", on=datetime.date(2026, 5, 1)
    )
    assert checkup.amount == D("300.00") and checkup.pay_month is None
    settle(OCTOBER)
    run(OCTOBER)
    paid = lines(entry(county, "b1_secretary"))
    assert ("death_on_duty", None, D("28000.00")) in paid
    assert ("departure", None, D("16000.00")) in paid


def test_the_run_costs_the_same_queries_whatever_the_county_size(county):
    settle(OCTOBER)
    run(OCTOBER)  # the month's row exists from now on: both runs below replace it
    with CaptureQueriesContext(connection) as small:
        run(OCTOBER)
    for n in range(6):
        village = VillageFactory(township=county.townships["b"], code=f"43313010209{n}")
        for post in ("secretary", "clerk", "auxiliary_police"):
            CadreFactory(village=village, post=post)
    settle(OCTOBER)
    with CaptureQueriesContext(connection) as large:
        payroll = run(OCTOBER)
    assert payroll.cadre_count == 30
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_command_computes_a_month(county, capsys):
    settle(OCTOBER)
    call_command("run_payroll", "2026-10")
    assert "12 cadres" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("run_payroll", "2026-13")
    with pytest.raises(CommandError):
        call_command("run_payroll", "2026-08")  # never settled


def test_a_collective_share_recorded_on_its_page_is_a_pay_line_when_the_county_pays_them(
    county, client
):
    from django.urls import reverse

    from longshan.models import RuleValue

    # Given the county's rule that pays collective-economy shares (§8.6), and a share of
    # 500 yuan for a1's clerk recorded on its page for October
    RuleValue.objects.filter(key="pay.collective_share_on").update(value="true")
    client.force_login(county.users.county)
    clerk = county.cadres["a1_clerk"]
    response = client.post(
        reverse("compensation:collective_share_list"),
        {"cadre": clerk.pk, "pay_month": "2026-10", "amount": "500", "reason": "村集体经济提成"},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="pay.collective_share_recorded").count() == 1
    # When October is settled and computed
    settle(OCTOBER)
    run(OCTOBER)
    # Then the clerk's payslip has the share as a line of its own, and nobody else's has
    assert ("collective", None, D("500.00")) in lines(entry(county, "a1_clerk"))
    assert PayrollLine.objects.filter(kind="collective").count() == 1
    # And a share that is not a positive amount is refused with nothing saved
    response = client.post(
        reverse("compensation:collective_share_list"),
        {"cadre": clerk.pk, "pay_month": "2026-11", "amount": "-5", "reason": "错误"},
    )
    assert response.status_code == 200 and response.context["form"].errors
