"""The monthly settlement (POLICY §4.4, §5.1, §5.3): hand-worked months, re-runs, locks,
refusals, and a cost that does not grow with the county."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance import services as attendance_services
from cadres.models import Cadre
from longshan.models import AuditEvent, RuleValue
from performance import services, tasks
from performance.models import CadreMonth, SettlementMonth

from .factories import CadreFactory, VillageFactory
from .performance_fixtures import at, duty_day, order, report, rules_seeded, score  # noqa: F401

OCTOBER = datetime.date(2026, 10, 1)
SEPTEMBER = datetime.date(2026, 9, 1)
SETTLED_ON = datetime.date(2026, 11, 1)
D = Decimal


pytestmark = pytest.mark.usefixtures("rules_seeded")


def settle(month=OCTOBER, **kwargs):
    return services.settlement_run(month, now=at(2026, 11, 1, 2), today=SETTLED_ON, **kwargs)


def row(county, key, month=OCTOBER):
    return CadreMonth.objects.get(cadre=county.cadres[key], month=month)


@pytest.fixture
def october(county):
    """Township A's October 2026: orders, a duty day, two absences of a1's clerk, and a
    suspension in township B."""
    # Order X to a1 and a2, weight 2: both report in time; a1 scores 90, a2 80
    x = order(county, villages=["a1", "a2"], weight=2, deadline=datetime.date(2026, 10, 25))
    report(county, x, "a1", on=datetime.date(2026, 10, 24))
    report(county, x, "a2", on=datetime.date(2026, 10, 24))
    score(county, x, "a1", 90)
    score(county, x, "a2", 80)
    # Order Y to a1, never reported by its deadline of 15 October: 0
    order(county, villages=["a1"], deadline=datetime.date(2026, 10, 15))
    # Order Z to a1, reported two days after its deadline: 0
    z = order(county, villages=["a1"], deadline=datetime.date(2026, 10, 18))
    report(county, z, "a1", on=datetime.date(2026, 10, 20))
    # Order W to a2's secretary by name only, scored 60
    w = order(county, named=["a2_secretary"], deadline=datetime.date(2026, 10, 25))
    report(county, w, "a2", on=datetime.date(2026, 10, 24))
    score(county, w, "a2", 60)
    # One duty day: a1's clerk 5 h (village minimum 6), a2's clerk 6.5 h (community
    # minimum 7), b1's clerk without a log (but suspended that day)
    cadres = county.cadres
    duty_day(
        datetime.date(2026, 10, 20),
        hours_by_cadre={
            cadres["a1_clerk"].pk: 300,
            cadres["a2_clerk"].pk: 390,
            cadres["b1_clerk"].pk: None,
        },
    )
    # a1's clerk absent at two inspections: 15 September (1st), 21 October (2nd)
    for when in (at(2026, 9, 15, 10), at(2026, 10, 21, 10)):
        attendance_services.inspection_record(
            actor=county.users.official_a,
            village=county.villages["a1"],
            at=when,
            absent_cadre_ids=[cadres["a1_clerk"].pk],
            now=at(2026, 10, 31, 18),
        )
    # b1's clerk suspended without pay from 11 to 20 October (10 days)
    services.measure_record(
        actor=county.users.county,
        cadre=cadres["b1_clerk"],
        kind="suspension",
        decided_on=datetime.date(2026, 10, 10),
        starts_on=datetime.date(2026, 10, 11),
        ends_on=datetime.date(2026, 10, 20),
        reason="违反工作纪律，停职检查",
    )
    return county


def test_a_cadre_with_two_late_orders_a_short_day_and_a_second_violation(october):
    # When October is settled
    settle()
    clerk = row(october, "a1_clerk")
    # Then the dispatch score is the weighted mean with both late orders at 0:
    # (2 × 90 + 1 × 0 + 1 × 0) ÷ 4 = 45
    assert (clerk.orders, clerk.orders_late, clerk.orders_unscored) == (3, 2, 0)
    assert clerk.dispatch_score == D("45.00")
    # And one working day short of 6 hours costs 2 points: 43
    assert clerk.noncompliant_duty_days == 1
    assert clerk.monthly_score == D("43.00")
    assert clerk.performance_ratio == D("0.4300")
    # And the 2nd violation of the year takes all of the month's performance pay (§4.4)
    assert clerk.violations == 1
    assert clerk.violation_month_share == D("1.0000")
    assert clerk.violation_quarter_share == D("0")
    assert clerk.deduction_share == D("1.0000")
    assert clerk.payable_performance_ratio == D("0.0000")
    assert clerk.paid_day_share == D("1.0000")
    # And the rules it used are on the row
    assert clerk.rules_used["performance.duty_day_penalty"] == ["2", "2018-08-01"]
    # And the secretary of the same village has the same orders and no penalty
    secretary = row(october, "a1_secretary")
    assert (secretary.monthly_score, secretary.payable_performance_ratio) == (
        D("45.00"),
        D("0.4500"),
    )


def test_the_first_violation_costs_30_percent_of_its_month(october):
    # When September is settled: no order, no duty finding, the 1st violation
    settle(SEPTEMBER)
    clerk = row(october, "a1_clerk", SEPTEMBER)
    # Then the score is the no-order default and 30% of the month's pay is deducted
    assert (clerk.orders, clerk.monthly_score) == (0, D("100.00"))
    assert clerk.violation_month_share == D("0.3000")
    assert clerk.payable_performance_ratio == D("0.7000")


def test_a_community_cadre_is_held_to_seven_hours_and_named_orders_stay_named(october):
    settle()
    # Then a2's clerk: order X 80; 6.5 hours in a community is short: 78
    clerk = row(october, "a2_clerk")
    assert (clerk.orders, clerk.dispatch_score) == (1, D("80.00"))
    assert clerk.noncompliant_duty_days == 1
    assert (clerk.monthly_score, clerk.payable_performance_ratio) == (D("78.00"), D("0.7800"))
    # And a2's secretary, named on order W: (2 × 80 + 1 × 60) ÷ 3 = 73.33
    secretary = row(october, "a2_secretary")
    assert (secretary.orders, secretary.monthly_score) == (2, D("73.33"))
    assert secretary.payable_performance_ratio == D("0.7333")


def test_a_suspended_cadre_loses_the_suspended_days_and_no_duty_is_asked_of_them(october):
    settle()
    clerk = row(october, "b1_clerk")
    # Then 10 of October's 31 days are unpaid: 21 ÷ 31 = 0.6774 of base and performance
    assert (clerk.suspension_days, clerk.days_in_month) == (10, 31)
    assert clerk.paid_day_share == D("0.6774")
    # And the missing duty log on a suspended day is not held against them
    assert clerk.noncompliant_duty_days == 0
    assert clerk.monthly_score == D("100.00")
    assert clerk.payable_performance_ratio == D("0.6774")


def test_a_dismissal_opens_the_removal_event_and_stops_pay_from_its_date(october):
    from cadres.models import AppointmentEvent

    # When the county dismisses b2's clerk from 22 October
    cadre = october.cadres["b2_clerk"]
    measure = services.measure_record(
        actor=october.users.county,
        cadre=cadre,
        kind="dismissal",
        decided_on=datetime.date(2026, 10, 21),
        starts_on=datetime.date(2026, 10, 22),
        reason="严重违纪，撤职查处",
    )
    # Then a pending removal waits in the appointment history, named after the measure
    event = AppointmentEvent.objects.get(source="performance.measure", source_ref=str(measure.pk))
    assert (event.cadre, event.kind, event.status) == (cadre, "removal", "pending")
    assert event.on == datetime.date(2026, 10, 22)
    # And October pays 21 of 31 days
    settle()
    assert row(october, "b2_clerk").dismissal_days == 10
    assert row(october, "b2_clerk").paid_day_share == D("0.6774")
    # When the measure is withdrawn, the removal is withdrawn with it
    services.measure_withdraw(
        measure, actor=october.users.county, reason="复查撤销", now=at(2026, 10, 30, 9)
    )
    event.refresh_from_db()
    assert event.status == "cancelled"


def test_a_rerun_of_an_open_month_replaces_its_rows_exactly(october):
    # Given October settled once
    settle()
    fields = [f.name for f in CadreMonth._meta.fields if f.name != "id"]
    first = list(CadreMonth.objects.order_by("cadre_id").values(*fields))
    # When it is settled again
    settle()
    # Then every row is the same, value for value, and none is duplicated
    second = list(CadreMonth.objects.order_by("cadre_id").values(*fields))
    assert second == first
    assert len(first) == Cadre.objects.count() == 12
    assert SettlementMonth.objects.get(month=OCTOBER).cadre_count == 12


def test_a_locked_month_is_refused_with_a_clear_message(october):
    # Given October settled and locked by county staff
    period = settle()
    services.settlement_lock(period, actor=october.users.county, now=at(2026, 11, 5, 9))
    before = list(CadreMonth.objects.values_list("pk", "monthly_score"))
    # When it is settled again, by the service or by the command
    with pytest.raises(services.SettlementLockedError) as refused:
        settle()
    assert "2026-10" in refused.value.messages[0]
    with pytest.raises(CommandError) as command_refused:
        call_command("settle_month", "2026-10", stdout=io.StringIO())
    assert "2026-10" in str(command_refused.value)
    # Then nothing changed
    assert list(CadreMonth.objects.values_list("pk", "monthly_score")) == before
    # And no order can be dispatched for it any more
    with pytest.raises(services.SettlementLockedError):
        order(october, villages=["a1"], deadline=datetime.date(2026, 10, 30))


def test_a_month_already_running_is_refused(october):
    # Given a split run claimed for the workers, its township parts not yet written
    running = settle(split=True)
    assert running.is_running and running.pending_townships
    # When a second settlement of the month starts, then it is refused
    with pytest.raises(services.SettlementRunningError):
        settle()
    # And a run of another month is not held up
    assert settle(SEPTEMBER).cadre_count == 12


def test_a_split_run_writes_the_same_rows_as_a_whole_run(october):
    # Given October settled in one go
    settle()
    fields = [f.name for f in CadreMonth._meta.fields if f.name not in ("id",)]
    whole = list(CadreMonth.objects.order_by("cadre_id").values(*fields))
    # When it is settled again one township per task (in-process here)
    period = settle(split=True)
    tasks.send_township_parts(period, today=SETTLED_ON)
    # Then the rows are the same and the run is closed
    assert list(CadreMonth.objects.order_by("cadre_id").values(*fields)) == whole
    period = SettlementMonth.objects.get(month=OCTOBER)
    assert not period.is_running and period.pending_townships == []
    # And a repeated delivery of a township's part changes nothing
    assert (
        services.settlement_part_run(
            period.pk,
            october.townships["a"].pk,
            "stale-run",
            now=at(2026, 11, 1, 3),
            today=SETTLED_ON,
        )
        is None
    )


def test_rows_a_split_run_has_not_reached_keep_the_rules_they_were_settled_with(october):
    penalty = "performance.duty_day_penalty"
    # Given October settled with the default penalty of 2 points a short duty day
    settle()
    # And the county then sets 3 points from 1 October
    RuleValue.objects.create(
        key=penalty, value="3", effective_from=OCTOBER, reason="县委组织部调整"
    )
    # When a split run writes township A's part and stops short of the others
    period = settle(split=True)
    a = october.townships["a"].pk
    services.settlement_part_run(
        period.pk, a, period.run_id, now=at(2026, 11, 1, 3), today=SETTLED_ON
    )
    # Then A's rows were settled with 3 and say so, and B's still say 2, as they were
    a_clerk, b_clerk = row(october, "a1_clerk"), row(october, "b1_clerk")
    assert (a_clerk.duty_penalty_per_day, a_clerk.rules_used[penalty]) == (
        D("3"),
        ["3", "2026-10-01"],
    )
    assert (b_clerk.duty_penalty_per_day, b_clerk.rules_used[penalty]) == (
        D("2"),
        ["2", "2018-08-01"],
    )
    # When the other parts are written
    period.refresh_from_db()
    for township_id in period.pending_townships:
        services.settlement_part_run(
            period.pk, township_id, period.run_id, now=at(2026, 11, 1, 3), today=SETTLED_ON
        )
    # Then every row takes the period's rules, which are the new ones
    rows = CadreMonth.objects.select_related("period")
    assert {r.rules_used[penalty][0] for r in rows} == {"3"}
    assert set(rows.values_list("rule_versions", flat=True)) == {None}


def test_the_command_settles_a_month_and_records_one_audit_event(october):
    out = io.StringIO()
    call_command("settle_month", "2026-10", stdout=out)
    assert "12" in out.getvalue()
    assert AuditEvent.objects.filter(action="settlement.run").count() == 1
    with pytest.raises(CommandError):
        call_command("settle_month", "October", stdout=io.StringIO())


def grow(county, township_key, cadres, *, first_code):
    """Add villages of three cadres each to a township, and an order to all of them."""
    villages = [
        VillageFactory(township=county.townships[township_key], code=str(first_code + n))
        for n in range(cadres // 3)
    ]
    built = []
    for n, village in enumerate(villages):
        for m, post in enumerate(("secretary", "clerk", "auxiliary_police")):
            cadre = CadreFactory.build(
                village=village,
                post=post,
                birth_date=datetime.date(1960, 1, 1)
                + datetime.timedelta(days=first_code % 7919 + 3 * n + m),
            )
            cadre.derive_fields()
            built.append(cadre)
    Cadre.objects.bulk_create(built)
    services.dispatch_order_create(
        actor=getattr(county.users, f"official_{township_key}"),
        township=county.townships[township_key],
        month=OCTOBER,
        title="全部村任务",
        content="按要求完成",
        weight=1,
        deadline=datetime.date(2026, 10, 25),
        villages=villages,
    )


def settlement_queries():
    with CaptureQueriesContext(connection) as queries:
        settle()
    statements = [query["sql"] for query in queries]
    inserts = [
        s
        for s in statements
        if s.startswith(('INSERT INTO "performance_cadremonth"', 'COPY "performance_cadremonth"'))
    ]
    return len(statements) - len(inserts), len(inserts)


def test_the_settlement_runs_the_same_queries_for_50_or_500_cadres(county):
    # Given a county of 51 cadres (12 and 39 more)
    grow(county, "a", 39, first_code=433130109000)
    settle()  # the month's row exists from here on, as in every later run
    small, small_inserts = settlement_queries()
    assert CadreMonth.objects.count() == 51
    # When it grows to 501 cadres
    grow(county, "b", 450, first_code=433130209000)
    large, large_inserts = settlement_queries()
    # Then the settlement runs exactly as many queries besides its batched inserts
    assert CadreMonth.objects.count() == 501
    assert large == small
    assert small <= 25
    if connection.vendor == "postgresql":
        # PostgreSQL takes every row in one COPY
        assert small_inserts == large_inserts == 1


@pytest.mark.django_db(transaction=True)
def test_of_two_settlements_started_together_one_runs_and_the_other_is_refused(county, monkeypatch):
    import threading

    from django.db import connections

    # Given a settlement of October that is computing in another thread
    computing, release = threading.Event(), threading.Event()
    compute = services.settlement_compute

    def slow_compute(*args, **kwargs):
        computing.set()
        release.wait(10)
        return compute(*args, **kwargs)

    monkeypatch.setattr(services, "settlement_compute", slow_compute)
    outcome = {}

    def first_run():
        try:
            outcome["first"] = settle().cadre_count
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_run)
    thread.start()
    assert computing.wait(10)
    # When a second settlement of the month starts meanwhile, then it is refused
    with pytest.raises(services.SettlementRunningError):
        settle()
    # And the first one finishes and writes every row
    release.set()
    thread.join(20)
    assert outcome["first"] == 12
    assert CadreMonth.objects.count() == 12


def test_the_beat_task_settles_the_month_before_and_survives_a_lost_worker(county):
    from django.conf import settings
    from django.utils import timezone

    from performance import rules

    # Given the beat entry: on the 1st of each month, the settlement task with no month
    entry = settings.CELERY_BEAT_SCHEDULE["performance-settle-month"]
    assert entry["task"] == "performance.settle_month"
    assert entry["schedule"].day_of_month == {1}
    # And a task acknowledged only when done, and sent again if its worker dies
    task = tasks.settle_month_task
    assert task.acks_late and task.reject_on_worker_lost
    assert tasks.settle_township_task.acks_late and tasks.settle_township_task.reject_on_worker_lost
    # When it runs without a month
    result = task.apply(kwargs={"split": True}).get()
    # Then it settled the month before today, township by township
    before = rules.previous_month(timezone.localdate())
    assert result["month"] == before.isoformat()[:7]
    period = SettlementMonth.objects.get(month=before)
    assert period.cadre_count == 12 and not period.is_running
    # And a second delivery once the month is locked is answered, not retried
    services.settlement_lock(period, actor=county.users.county, now=timezone.now())
    assert "refused" in task.apply(args=[before.isoformat()[:7]]).get()
