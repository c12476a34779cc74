"""The rank part of the Longshan demo county (POLICY §7), built on the roster and the
2025 annual grades of the performance demo.

Every sitting full-time cadre is placed by the default rule as of the pilot's start
(2018-08-01) or their own start, whichever is later. The 2025 adjustment is proposed from
the 2025 grades the county has confirmed and approved in one go, in force from
2026-01-01; a cadre whose 2025 grade still waits for the county gets no proposal yet (the
next `propose_ranks 2025` adds it once the grade is confirmed). Deterministic: no random
draw and a fixed "now"; repeatable: a second run finds its marker and writes nothing.
"""

import datetime

from django.utils import timezone

from cadres.models import User
from longshan import audit
from longshan.models import AuditEvent
from performance.models import AnnualGrade

from . import rules, services
from .models import RankStep

ACTION = "ranks.demo_loaded"
YEAR = 2025
PROPOSED_AT = datetime.datetime(2026, 1, 5, 3, 0)
APPROVED_AT = datetime.datetime(2026, 1, 12, 10, 0)


def demo_load(*, warn=None):
    """Place every cadre, propose the 2025 moves and approve them from 2026-01-01."""
    warn = warn or (lambda message: None)
    if AuditEvent.objects.filter(action=ACTION).exists():
        return {}
    county = User.objects.filter(username="county", role=User.Role.COUNTY_STAFF).first()
    if county is None:
        warn("ranks demo: no county staff account 'county'; nothing loaded")
        return {}
    created = {"rank_placements": services.ranks_place_unplaced()}
    cycle, counts = services.ranks_propose(YEAR, actor=county, now=timezone.make_aware(PROPOSED_AT))
    created["rank_proposals"] = counts["proposed"]
    approved_at = timezone.make_aware(APPROVED_AT)
    created["rank_proposals_approved"] = services.proposals_approve(
        cycle,
        actor=county,
        effective_from=rules.default_effective_from(YEAR),
        now=approved_at,
    )
    created["rank_moves"] = RankStep.objects.filter(proposal__cycle=cycle).count()
    if not created["rank_proposals"]:
        warn("ranks demo: no confirmed 2025 grades; no adjustment proposed")
    audit.record(
        ACTION,
        actor=None,
        changes={
            **{kind: [None, n] for kind, n in created.items()},
            "grades_waiting_left_out": [
                None,
                AnnualGrade.objects.filter(year=YEAR, status=AnnualGrade.Status.PROPOSED).count(),
            ],
            "graded_without_rank": [None, counts["unranked"]],
        },
    )
    return created
