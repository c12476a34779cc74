"""Placement, the yearly proposal and the county's approval (POLICY §7.1–§7.4)."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cadres.models import AppointmentEvent
from longshan.models import AuditEvent, RuleValue
from ranks import selectors, services, tasks
from ranks.models import RankCycle, RankProposal, RankStep

from .factories import CadreFactory
from .ranks_fixtures import at, grade, place, rank_rules  # noqa: F401

pytestmark = pytest.mark.usefixtures("rank_rules")
D = datetime.date


def propose(year, now=None):
    return services.ranks_propose(year, now=now or at(year + 1, 1, 5))


def approve(county, cycle, on=None, **kwargs):
    return services.proposals_approve(
        cycle,
        actor=county.users.county,
        effective_from=on or D(cycle.year + 1, 1, 1),
        now=at(cycle.year + 1, 1, 10),
        **kwargs,
    )


def level_on(cadre, day):
    return selectors.level_by_cadre([cadre.pk], on=day).get(cadre.pk)


# ---------------------------------------------------------------- placement


def test_cadres_are_placed_by_years_of_service_as_of_the_pilot_or_their_start(county):
    # Given cadres who began in 2010, 2005, 1990 and 2020 (the fixture's start in 2019)
    village = county.villages["a1"]
    started = {
        year: CadreFactory(
            village=village, post="clerk", start_date=D(year, 3, 1), name=f"甲{year}"
        )
        for year in (2010, 2005, 1990, 2020)
    }
    # When every unplaced cadre is placed
    placed = services.ranks_place_unplaced()
    # Then all 12 + 4 sitting cadres have a level, from the pilot (2018-08-01) or their start
    assert placed == 16
    steps = {step.cadre_id: step for step in RankStep.objects.all()}
    summary = {year: (steps[c.pk].effective_from, steps[c.pk].level) for year, c in started.items()}
    assert summary == {
        2010: (D(2018, 8, 1), 8),  # 8 full years: two blocks of three
        2005: (D(2018, 8, 1), 6),  # 13 years: four blocks
        1990: (D(2018, 8, 1), 5),  # 28 years: nine blocks, but never above 5 at first
        2020: (D(2020, 3, 1), 10),  # no full year yet
    }
    assert steps[started[2005].pk].service_years == 13
    # And placing again places nobody twice
    assert services.ranks_place_unplaced() == 0


def test_service_counts_from_the_first_appointment_across_a_change_of_post(county):
    # Given a cadre appointed clerk in 2009 and secretary (a new start date) in 2017
    cadre = CadreFactory(village=county.villages["b1"], post="clerk", start_date=D(2009, 5, 1))
    AppointmentEvent.objects.filter(cadre=cadre).update(on=D(2009, 5, 1))
    cadre.start_date = D(2017, 5, 1)
    cadre.save()
    # When placed, then nine full years count: level 7
    services.ranks_place_unplaced()
    assert RankStep.objects.get(cadre=cadre).level == 7


def test_the_county_overrides_a_placement_with_a_reason(county):
    cadre = county.cadres["a1_clerk"]  # started 2019-03-01: level 10 by the rule
    services.ranks_place_unplaced()
    with pytest.raises(services.RankError):
        services.placement_set(cadre, on=D(2019, 3, 1), actor=county.users.county, level=8)
    with pytest.raises(PermissionDenied):
        services.placement_set(
            cadre, on=D(2019, 3, 1), actor=county.users.official_a, level=8, reason="x"
        )
    step = services.placement_set(
        cadre,
        on=D(2019, 3, 1),
        actor=county.users.county,
        level=8,
        reason="原任村主任六年，经县委组织部研究",
    )
    assert (step.level, step.rule_level, step.overridden) == (8, 10, True)
    assert RankStep.objects.filter(cadre=cadre).count() == 1
    assert level_on(cadre, D(2026, 1, 1)) == 8
    event = AuditEvent.objects.get(action="rank.placement_changed")
    assert event.changes["level"] == [10, 8]
    # Once a yearly adjustment has used the placement, it stands
    grade(cadre, 2025, "excellent")
    approve(county, propose(2025)[0])
    with pytest.raises(services.RankError):
        services.placement_set(
            cadre, on=D(2019, 3, 1), actor=county.users.county, level=9, reason="y"
        )


# ---------------------------------------------------------------- the yearly proposal


def test_each_grade_proposes_its_move_and_only_confirmed_grades_count(county):
    c = county.cadres
    for key, level in [
        ("a1_secretary", 6),
        ("a1_clerk", 6),
        ("a1_auxiliary_police", 6),
        ("a2_secretary", 6),
        ("a2_clerk", 1),
        ("a2_auxiliary_police", 10),
        ("b1_clerk", 6),
    ]:
        place(c[key], level)
    grade(c["a1_secretary"], 2025, "excellent")
    grade(c["a1_clerk"], 2025, "competent")
    grade(c["a1_auxiliary_police"], 2025, "basically_competent")
    grade(c["a2_secretary"], 2025, "incompetent")
    grade(c["a2_clerk"], 2025, "excellent")
    grade(c["a2_auxiliary_police"], 2025, "incompetent")
    grade(c["b1_clerk"], 2025, "excellent", confirmed=False)  # still waits for the county
    grade(c["b2_clerk"], 2025, "excellent")  # confirmed, but no rank
    # When the 2025 moves are proposed
    cycle, counts = propose(2025)
    # Then each proposal follows §7.2, within 1..10, with its reason
    rows = {
        p.cadre_id: (p.proposed_move, p.level_before, p.proposed_level, p.reason)
        for p in RankProposal.objects.all()
    }
    assert rows == {
        c["a1_secretary"].pk: ("up", 6, 5, "excellent"),
        c["a1_clerk"].pk: ("stay", 6, 6, "competent_waiting"),
        c["a1_auxiliary_police"].pk: ("stay", 6, 6, "basically_competent"),
        c["a2_secretary"].pk: ("down", 6, 7, "incompetent"),
        c["a2_clerk"].pk: ("stay", 1, 1, "at_highest_level"),
        c["a2_auxiliary_police"].pk: ("stay", 10, 10, "at_lowest_level"),
    }
    assert counts == {"proposed": 6, "removed": 0, "unranked": 1}
    assert cycle.rule_versions["rank.competent_years_for_move"][0] == "2"
    # And the waiting grade joins once the county confirms it and the proposal is re-run
    from performance.models import AnnualGrade

    AnnualGrade.objects.filter(cadre=c["b1_clerk"]).update(
        status="confirmed", confirmed_at=at(2026, 1, 20)
    )
    assert propose(2025)[1]["proposed"] == 7
    assert RankProposal.objects.get(cadre=c["b1_clerk"]).proposed_level == 5


def test_two_competent_years_at_the_level_move_up_and_the_count_restarts_after(county):
    # Given a clerk at level 8 since 2019 with 称职 in 2023 and 2024
    cadre = county.cadres["a1_clerk"]
    place(cadre, 8, on=D(2019, 3, 1))
    grade(cadre, 2023, "competent")
    grade(cadre, 2024, "competent")
    # When 2024 is proposed and approved, then two years at 8 move the clerk up to 7
    cycle, _ = propose(2024)
    proposal = RankProposal.objects.get(cycle=cycle)
    assert (proposal.years_at_level, proposal.proposed_level) == (2, 7)
    approve(county, cycle)
    assert level_on(cadre, D(2025, 1, 1)) == 7
    # When 2025 is again 称职, then only 2025 counts at level 7: one year, the clerk stays
    grade(cadre, 2025, "competent")
    cycle, _ = propose(2025)
    proposal = RankProposal.objects.get(cycle=cycle)
    assert (proposal.years_at_level, proposal.proposed_move, proposal.level) == (1, "stay", 7)
    approve(county, cycle)
    # And with 称职 in 2026 as well, two years at 7 move the clerk up to 6 from 2027
    grade(cadre, 2026, "competent")
    cycle, _ = propose(2026)
    assert RankProposal.objects.get(cycle=cycle).years_at_level == 2
    approve(county, cycle)
    assert level_on(cadre, D(2026, 12, 31)) == 7
    assert level_on(cadre, D(2027, 1, 1)) == 6
    assert [s.level for s in RankStep.objects.filter(cadre=cadre)] == [8, 7, 6]


def test_the_county_rule_changes_the_years_asked_for_later_years_only(county):
    cadre = county.cadres["a1_clerk"]
    place(cadre, 8, on=D(2019, 3, 1))
    grade(cadre, 2024, "competent")
    grade(cadre, 2025, "competent")
    RuleValue.objects.create(
        key="rank.competent_years_for_move", effective_from=D(2025, 6, 1), value="3", reason="x"
    )
    cycle, _ = propose(2025)
    proposal = RankProposal.objects.get(cycle=cycle)
    assert (proposal.years_at_level, proposal.proposed_move) == (2, "stay")
    assert cycle.rule_versions["rank.competent_years_for_move"] == ["3", "2025-06-01"]


def test_a_rerun_writes_again_only_the_waiting_proposals_whose_figures_changed(county):
    from performance.models import AnnualGrade

    # Given two clerks at level 8, one graded 优秀 and one 称职, and the year proposed
    first, second = county.cadres["a1_clerk"], county.cadres["a2_clerk"]
    place(first, 8)
    place(second, 8)
    grade(first, 2025, "excellent")
    grade(second, 2025, "competent")
    propose(2025)
    before = dict(RankProposal.objects.values_list("cadre_id", "pk"))
    # When the proposal is run again with nothing changed
    with CaptureQueriesContext(connection) as queries:
        counts = propose(2025)[1]
    # Then both proposals are recomputed and neither is written again
    assert counts == {"proposed": 2, "removed": 0, "unranked": 0}
    writes = (
        'UPDATE "ranks_rankp',
        'INSERT INTO "ranks_rankp',
        'COPY "ranks_rankp',
        'DELETE FROM "ranks_rankp',
    )
    assert not [query for query in queries if query["sql"].startswith(writes)]
    # When the county moves the second clerk up to 7 with its reason, both grades are
    # corrected (to 称职 and 基本称职) and the proposal is run again
    waiting = RankProposal.objects.get(cadre=second)
    services.proposal_change(waiting, actor=county.users.county, level=7, reason="抢险突出")
    for cadre, value in ((first, "competent"), (second, "basically_competent")):
        AnnualGrade.objects.filter(cadre=cadre, year=2025).update(
            proposed_grade=value, grade_by_score=value, grade=value
        )
    propose(2025)
    # Then each proposal follows its grade under its own id, and the county's change stands
    proposals = {
        p.pk: (p.cadre_id, p.grade, p.proposed_move, p.proposed_level, p.reason, p.level)
        for p in RankProposal.objects.all()
    }
    assert proposals == {
        before[first.pk]: (first.pk, "competent", "stay", 8, "competent_waiting", 8),
        before[second.pk]: (second.pk, "basically_competent", "stay", 8, "basically_competent", 7),
    }
    kept = RankProposal.objects.get(cadre=second)
    assert (kept.override_reason, kept.changed_by, kept.status) == (
        "抢险突出",
        county.users.county,
        "proposed",
    )


# ---------------------------------------------------------------- the county's decision


def test_the_county_changes_one_proposal_with_a_reason_one_level_at_most(county):
    cadre = county.cadres["a1_clerk"]
    place(cadre, 6)
    grade(cadre, 2025, "competent")
    cycle, _ = propose(2025)
    proposal = RankProposal.objects.get(cycle=cycle)
    with pytest.raises(services.RankError):
        services.proposal_change(proposal, actor=county.users.county, level=5, reason="")
    with pytest.raises(services.RankError):
        services.proposal_change(proposal, actor=county.users.county, level=4, reason="两级")
    with pytest.raises(PermissionDenied):
        services.proposal_change(proposal, actor=county.users.official_a, level=5, reason="x")
    services.proposal_change(
        proposal, actor=county.users.county, level=5, reason="抗洪抢险表现突出，经县委研究"
    )
    # The township summary counts the move the county decided
    [row] = selectors.cycle_summary(county.users.county, cycle)
    assert (row["up"], row["stay"], row["changed"], row["proposed"]) == (1, 0, 1, 1)
    # A re-run of the proposal keeps the county's change
    propose(2025)
    proposal.refresh_from_db()
    assert (proposal.proposed_level, proposal.level, proposal.overridden) == (6, 5, True)
    approve(county, cycle)
    step = RankStep.objects.get(cadre=cadre, kind="adjustment")
    assert (step.level_before, step.level, step.rule_level) == (6, 5, 6)
    assert step.override_reason == "抗洪抢险表现突出，经县委研究"
    assert level_on(cadre, D(2026, 1, 1)) == 5


def test_approval_takes_effect_from_the_set_date_and_approving_twice_changes_nothing(county):
    c = county.cadres
    place(c["a1_clerk"], 8)
    place(c["b1_clerk"], 8)
    grade(c["a1_clerk"], 2025, "excellent")
    grade(c["b1_clerk"], 2025, "incompetent")
    cycle, _ = propose(2025)
    # Before 1 January after the year, no date is accepted
    with pytest.raises(services.RankError):
        approve(county, cycle, on=D(2025, 12, 31))
    with pytest.raises(PermissionDenied):
        services.proposals_approve(
            cycle, actor=county.users.official_a, effective_from=D(2026, 3, 1), now=at(2026, 3, 1)
        )
    # When township A is approved from 1 March 2026
    assert approve(county, cycle, on=D(2026, 3, 1), township_id=county.townships["a"].pk) == 1
    assert RankCycle.objects.get(pk=cycle.pk).status == "proposed"
    assert (level_on(c["a1_clerk"], D(2026, 2, 28)), level_on(c["a1_clerk"], D(2026, 3, 1))) == (
        8,
        7,
    )
    assert level_on(c["b1_clerk"], D(2026, 3, 1)) == 8
    # Then the rest, and the year is approved
    assert approve(county, cycle, on=D(2026, 3, 1)) == 1
    assert RankCycle.objects.get(pk=cycle.pk).status == "approved"
    steps, events = RankStep.objects.count(), AuditEvent.objects.count()
    # When approved again, nothing changes
    assert approve(county, cycle, on=D(2026, 4, 1)) == 0
    assert (RankStep.objects.count(), AuditEvent.objects.count()) == (steps, events)
    assert level_on(c["b1_clerk"], D(2026, 4, 1)) == 9
    # And a re-run of the proposal leaves approved proposals alone
    assert propose(2025)[1]["proposed"] == 0
    assert RankProposal.objects.filter(status="approved").count() == 2


def test_a_move_is_refused_from_a_date_before_a_rank_the_cadre_already_has(county):
    # Given a clerk at level 8 graded 优秀 for 2025, the year proposed (up to 7), and a
    # stayer at level 6; then a step of the clerk's is recorded from 1 March 2026 (as the
    # late approval of an earlier year would)
    clerk, stayer = county.cadres["a1_clerk"], county.cadres["a2_clerk"]
    place(clerk, 8)
    place(stayer, 6)
    grade(clerk, 2025, "excellent")
    grade(stayer, 2025, "basically_competent")
    cycle, _ = propose(2025)
    RankStep.objects.create(
        cadre=clerk,
        kind="adjustment",
        level=8,
        rule_level=8,
        effective_from=D(2026, 3, 1),
        first_counted_year=2026,
        reason="competent_waiting",
    )
    # When the county approves the year from 1 January 2026, then it is told the date to pass
    with pytest.raises(services.RankError) as refused:
        approve(county, cycle, on=D(2026, 1, 1))
    assert "2026-03-01" in str(refused.value)
    # And nothing was approved or written
    assert set(RankProposal.objects.values_list("status", flat=True)) == {"proposed"}
    assert not RankStep.objects.filter(proposal__isnull=False).exists()
    # When it approves from 1 April, then the move is written and both proposals approved
    assert approve(county, cycle, on=D(2026, 4, 1)) == 2
    step = RankStep.objects.get(proposal__isnull=False)
    proposal = RankProposal.objects.get(cadre=clerk)
    assert (step.cadre, step.level_before, step.level, step.rule_level, step.proposal) == (
        clerk,
        8,
        7,
        7,
        proposal,
    )
    assert (step.effective_from, step.first_counted_year, step.decided_by) == (
        D(2026, 4, 1),
        2026,
        county.users.county,
    )
    assert set(RankProposal.objects.values_list("status", "effective_from", "approved_by")) == {
        ("approved", D(2026, 4, 1), county.users.county.pk)
    }
    event = AuditEvent.objects.get(action="ranks.approved")
    assert (event.changes["approved"], event.changes["moved"]) == ([None, 2], [None, 1])


def test_the_command_and_the_task_propose_a_year(county):
    cadre = county.cadres["a1_clerk"]
    place(cadre, 8)
    grade(cadre, 2025, "excellent")
    out = io.StringIO()
    call_command("propose_ranks", "2025", stdout=out)
    assert out.getvalue().startswith("2025: 1 proposals")
    assert RankProposal.objects.get().proposed_level == 7
    result = tasks.propose_ranks_task.delay(2025).get()
    assert result["proposed"] == 1 and RankProposal.objects.count() == 1


def test_beat_proposes_the_year_before_early_in_january(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["ranks-propose"]
    assert entry["task"] == "ranks.propose"
    assert entry["schedule"].month_of_year == {1} and entry["schedule"].day_of_month == {5}
