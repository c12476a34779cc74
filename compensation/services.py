"""Every write of pay and benefits (POLICY §8): one function per change.

Each checks who acts and the rules, writes in one transaction and records the audit
event. Dates and times come in as parameters. The payroll run is set-based: a fixed
number of queries whatever the number of cadres, bulk writes, one transaction.
"""

import dataclasses
import datetime
import logging
import math
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.utils.translation import gettext as _

from attendance.models import Violation
from cadres.models import Cadre
from longshan import audit, bulk, rulebook, scoping
from performance import rules as performance_rules
from performance.models import CadreMonth, Measure, SettlementMonth

from . import rules
from .models import (
    Benefit,
    CadrePayStandard,
    CollectiveShare,
    LineKind,
    PayAdjustment,
    PayrollEntry,
    PayrollLine,
    PayrollMonth,
    TeamReward,
    TownshipReview,
)

logger = logging.getLogger(__name__)

POSTS = rulebook.PAY_POSTS
PAY_RULES = [
    *[prefix + post for post in POSTS for prefix in (rulebook.PAY_STANDARD_PREFIX,)],
    rulebook.PAY_BASE_SHARE,
    rulebook.PAY_ROUND_HALF_UP,
    rulebook.PAY_PENSION_CONTRIBUTION,
    rulebook.PAY_MEDICAL_CONTRIBUTION,
    rulebook.PAY_INSURANCE_SUBSIDY_SHARE,
    rulebook.PAY_COLLECTIVE_SHARE_ON,
    rulebook.REWARD_PERFORMANCE_SHARE,
]
# A month whose payroll is in one of these states never changes again.
FROZEN = [PayrollMonth.Status.APPROVED, PayrollMonth.Status.LOCKED]


class PayrollLockedError(rules.PayError):
    """The month's payroll is approved or locked: it no longer changes (§8.2)."""


class PayrollNotReadyError(rules.PayError):
    """The month cannot be paid yet (no settlement, or the settlement is running)."""


def _first(day):
    return day.replace(day=1)


def _previous_month(month):
    return (month - datetime.timedelta(days=1)).replace(day=1)


def refuse_frozen_month(month):
    """Raise PayrollLockedError when a month's payroll is approved or locked."""
    month = _first(month)
    if PayrollMonth.objects.filter(month=month, status__in=FROZEN).exists():
        raise PayrollLockedError(
            _("The payroll of %(month)s is approved or locked: it can no longer change.")
            % {"month": month.strftime("%Y-%m")},
            code="locked",
        )


def _rule_versions(keys, on):
    """Return {key: [value, in force from]} of the rules in force on a date (one query)."""
    from longshan.models import RuleValue

    versions = {}
    rows = RuleValue.objects.filter(key__in=keys, effective_from__lte=on).order_by(
        "key", "effective_from"
    )
    for key, value, effective_from in rows.values_list("key", "value", "effective_from"):
        versions[key] = [value, effective_from.isoformat()]
    missing = [key for key in keys if key not in versions]
    if missing:
        raise rulebook.RuleNotInForceError(
            _("No value of the rule “%(rule)s” is in force on %(date)s.")
            % {"rule": missing[0], "date": on.isoformat()}
        )
    return {key: rulebook.definition(key).parse(value) for key, (value, _s) in versions.items()}, (
        versions
    )


# ---------------------------------------------------------------- pay standards (§8.1)


def standard_range(post, on):
    """Return (minimum, maximum) of a post's own standards on a date (one query)."""
    book = rulebook.RuleBook.load(
        [rulebook.PAY_RANGE_MIN_PREFIX + post, rulebook.PAY_RANGE_MAX_PREFIX + post]
    )
    return (
        book.value(rulebook.PAY_RANGE_MIN_PREFIX + post, on),
        book.value(rulebook.PAY_RANGE_MAX_PREFIX + post, on),
    )


@transaction.atomic
def pay_standard_set(cadre, *, actor, annual_amount, effective_from, reason):
    """Set a cadre's own annual standard within the post's range, with a reason (county)."""
    if not scoping.may_manage_pay(actor):
        raise PermissionDenied(_("Only county staff set pay standards."))
    effective_from = _first(effective_from)
    errors = {}
    amount = Decimal(annual_amount)
    minimum, maximum = standard_range(cadre.post, effective_from)
    try:
        rules.check_standard(amount, minimum=minimum, maximum=maximum)
    except rules.PayError as error:
        errors["annual_amount"] = error.messages[0]
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason for the cadre's own standard.")
    frozen = PayrollMonth.objects.filter(status__in=FROZEN, month__gte=effective_from).first()
    if frozen:
        errors["effective_from"] = _(
            "The payroll of %(month)s is approved or locked: start the standard after it."
        ) % {"month": frozen.month.strftime("%Y-%m")}
    elif CadrePayStandard.objects.filter(cadre=cadre, effective_from=effective_from).exists():
        errors["effective_from"] = _("The cadre already has a standard from that month.")
    if errors:
        raise ValidationError(errors)
    row = CadrePayStandard.objects.create(
        cadre=cadre,
        annual_amount=amount,
        effective_from=effective_from,
        reason=reason.strip(),
        set_by=actor,
    )
    audit.record(
        "pay.standard_set",
        actor=actor,
        target=row,
        changes={
            "annual_amount": [None, str(amount)],
            "effective_from": [None, str(row.effective_from)],
        },
        township_id=cadre.village.township_id,
    )
    return row


# ---------------------------------------------------------------- the payroll run (§8.2)


def _standards(month):
    """Return {cadre id: own annual standard in force in the month} (one query)."""
    own = {}
    for cadre_id, amount in (
        CadrePayStandard.objects.filter(effective_from__lte=month)
        .order_by("cadre_id", "effective_from")
        .values_list("cadre_id", "annual_amount")
    ):
        own[cadre_id] = amount
    return own


def _deduction_notes(month):
    """Return {cadre id: {line kind: reason}} from the month's violations and measures."""
    notes = defaultdict(dict)
    found = defaultdict(lambda: defaultdict(list))
    for cadre_id, nth, violation_month, kind, at in (
        Violation.objects.filter(year=month.year, month__in=performance_rules.quarter_months(month))
        .order_by("nth")
        .values_list("cadre_id", "nth", "month", "deduction_kind", "finding__inspection__at")
    ):
        text = f"#{nth} {at:%Y-%m-%d}"
        if kind == Violation.DeductionKind.QUARTER:
            found[cadre_id]["violation_quarter"].append(text)
        elif violation_month == month:
            found[cadre_id]["violation_month"].append(text)
    last = performance_rules.last_of_month(month)
    for cadre_id, kind, starts_on, ends_on, reason in (
        Measure.objects.filter(withdrawn_at__isnull=True, starts_on__lte=last)
        .exclude(kind=Measure.Kind.SUSPENSION, ends_on__lt=month)
        .values_list("cadre_id", "kind", "starts_on", "ends_on", "reason")
    ):
        span = f"{starts_on:%Y-%m-%d}–{ends_on:%Y-%m-%d}" if ends_on else f"{starts_on:%Y-%m-%d}"
        line = "unpaid_days" if kind in ("suspension", "dismissal") else "measure"
        found[cadre_id][line].append(f"{span} {reason}"[:120])
    for cadre_id, kinds in found.items():
        notes[cadre_id] = {kind: "; ".join(texts)[:300] for kind, texts in kinds.items()}
    return notes


# The settled shares pay depends on: CadreMonth's columns of rules.SettledMonth's fields.
SHARES = tuple(field.name for field in dataclasses.fields(rules.SettledMonth))
SETTLED_COLUMNS = ("cadre_id", "township_id", "village_id", "post", "monthly_score", *SHARES)


def payroll_compute(month, *, values):
    """Return [(entry, [rules.Line])] of a month's payroll, an entry a dict of ENTRY_COLUMNS.

    A fixed number of queries whatever the number of cadres: settlement rows, own
    standards, rank pay (two), deduction reasons (two), rewards, benefits, adjustments,
    collective shares, carried amounts, quarter take-backs (two), other cadres paid.
    """
    from ranks.selectors import rank_pay_by_cadre

    half_up = values[rulebook.PAY_ROUND_HALF_UP]
    base_share = values[rulebook.PAY_BASE_SHARE]
    settled = list(
        CadreMonth.objects.filter(month=month)
        .order_by("township__code", "village__code", "post", "cadre_id")
        .values_list(*SETTLED_COLUMNS)
    )
    own = _standards(month)
    rank_pay = rank_pay_by_cadre(None, on=month)
    notes = _deduction_notes(month)
    lines_of = defaultdict(list)
    performance_paid = {}
    standards = {}
    units = {}
    # The pay rules are pure: cadres with the same standard, rank pay and settled shares
    # (and no deduction reasons of their own) get the same lines, worked out once.
    # (The key is the row's plain values: a tuple of Decimals hashes faster than the
    # dataclass, which matters over a province's 72,000 rows.)
    month_lines_of = {}
    for cadre_id, township_id, village_id, post, score, *shares in settled:
        standard = own.get(cadre_id, values[rulebook.PAY_STANDARD_PREFIX + post])
        standards[cadre_id] = standard
        units[cadre_id] = (township_id, village_id, post, score)
        cadre_notes = notes.get(cadre_id)
        cadre_rank_pay = rank_pay.get(cadre_id, rules.ZERO)
        key = (standard, cadre_rank_pay, *shares)
        worked_out = None if cadre_notes else month_lines_of.get(key)
        if worked_out is None:
            worked_out = rules.pay_lines(
                standard=standard,
                base_share=base_share,
                rank_pay=cadre_rank_pay,
                settled=rules.SettledMonth(*shares),
                half_up=half_up,
                notes=cadre_notes,
            )
            if not cadre_notes:
                month_lines_of[key] = worked_out
        month_lines, performance_paid[cadre_id] = worked_out
        lines_of[cadre_id].extend(month_lines)
    # Quarter take-back (§4.4): the performance pay of the quarter's earlier months that
    # are already approved or locked, less what other payrolls have taken back already.
    quarter_share = SETTLED_COLUMNS.index("violation_quarter_share")
    quarter = {row[0]: row[quarter_share] for row in settled if row[quarter_share] > 0}
    earlier = [m for m in performance_rules.quarter_months(month) if m < month]
    if quarter and earlier:
        taken = defaultdict(Decimal)
        for cadre_id, refers, amount in (
            PayrollLine.objects.filter(
                kind=LineKind.QUARTER_TAKEBACK,
                entry__cadre_id__in=list(quarter),
                refers_to_month__in=earlier,
            )
            .exclude(entry__month=month)
            .values_list("entry__cadre_id", "refers_to_month", "amount")
        ):
            taken[cadre_id, refers] -= amount
        for cadre_id, paid_month, paid in (
            PayrollEntry.objects.filter(
                cadre_id__in=list(quarter), month__in=earlier, payroll__status__in=FROZEN
            )
            .order_by("month")
            .values_list("cadre_id", "month", "performance_paid")
        ):
            amount = rules.quarter_takeback(
                quarter_share=quarter[cadre_id],
                paid=paid,
                already_taken=taken[cadre_id, paid_month],
                half_up=half_up,
            )
            if amount:
                lines_of[cadre_id].append(
                    rules.Line(
                        "quarter_takeback",
                        amount,
                        "attendance.violation",
                        notes.get(cadre_id, {}).get("violation_quarter", ""),
                        paid_month,
                    )
                )
    # Team rewards (§8.3): the county's share, in equal parts to the team on the payroll.
    team = defaultdict(list)
    for cadre_id, _township_id, village_id, *_rest in settled:
        team[village_id].append(cadre_id)
    share = values[rulebook.REWARD_PERFORMANCE_SHARE]
    for reward in TeamReward.objects.filter(pay_month=month).order_by("pk"):
        members = team.get(reward.village_id, [])
        parts = rules.split_evenly(
            rules.to_fen(reward.amount * share, half_up=half_up), len(members)
        )
        for cadre_id, part in zip(members, parts, strict=True):
            if part:
                lines_of[cadre_id].append(
                    rules.Line(
                        "reward", part, "compensation.reward", f"{reward.year} {reward.title}"
                    )
                )
    # Insurance subsidy (§8.4), for every cadre in post: one amount a post.
    # (One line object a post, shared by its cadres: their lines then hash alike below.)
    subsidy_line_of = {}
    for post in {row[3] for row in settled}:
        subsidy = rules.insurance_subsidy(
            post=post,
            pension=values[rulebook.PAY_PENSION_CONTRIBUTION],
            medical=values[rulebook.PAY_MEDICAL_CONTRIBUTION],
            share=values[rulebook.PAY_INSURANCE_SUBSIDY_SHARE],
            half_up=half_up,
        )
        subsidy_line_of[post] = None
        if subsidy:
            subsidy_line_of[post] = rules.Line("insurance", subsidy, "compensation")
    for cadre_id, _township_id, _village_id, post, *_rest in settled:
        if line := subsidy_line_of[post]:
            lines_of[cadre_id].append(line)
    # One-off payments, adjustments, collective shares and carried amounts of the month.
    for cadre_id, kind, amount, note in Benefit.objects.filter(
        pay_month=month, kind__in=Benefit.PAID_KINDS
    ).values_list("cadre_id", "kind", "amount", "note"):
        lines_of[cadre_id].append(rules.Line(kind, amount, "compensation.benefit", note))
    for cadre_id, amount, reason, refers in PayAdjustment.objects.filter(
        pay_month=month
    ).values_list("cadre_id", "amount", "reason", "refers_to_month"):
        lines_of[cadre_id].append(
            rules.Line("adjustment", amount, "compensation.adjustment", reason[:300], refers)
        )
    if values[rulebook.PAY_COLLECTIVE_SHARE_ON]:
        for cadre_id, amount, reason in CollectiveShare.objects.filter(pay_month=month).values_list(
            "cadre_id", "amount", "reason"
        ):
            lines_of[cadre_id].append(rules.Line("collective", amount, "compensation", reason))
    previous = _previous_month(month)
    for cadre_id, amount in PayrollLine.objects.filter(
        entry__month=previous, kind=LineKind.CARRIED_OUT
    ).values_list("entry__cadre_id", "amount"):
        lines_of[cadre_id].append(rules.Line("carried_in", -amount, "compensation", "", previous))
    # Cadres paid this month without a settled month (departed, deceased): their unit.
    others = [cadre_id for cadre_id in lines_of if cadre_id not in units]
    for cadre_id, township_id, village_id, post in Cadre.objects.filter(pk__in=others).values_list(
        "pk", "village__township_id", "village_id", "post"
    ):
        units[cadre_id] = (township_id, village_id, post, None)
        standards[cadre_id] = own.get(cadre_id, values[rulebook.PAY_STANDARD_PREFIX + post])
        performance_paid[cadre_id] = rules.ZERO
    result = []
    order = {row[0]: index for index, row in enumerate(settled)}
    # Payslips of the same line objects close alike. Keyed by the objects' ids, which
    # hash far faster than the lines' values; every line is held in lines_of until the
    # end, so no id is reused meanwhile.
    closed_of = {}
    for cadre_id in sorted(lines_of, key=lambda c: (order.get(c, len(order)), c)):
        cadre_lines = lines_of[cadre_id]
        same = tuple(map(id, cadre_lines))
        closed = closed_of.get(same)
        if closed is None:
            closed = closed_of[same] = rules.close_lines(cadre_lines, month=month)
        lines, gross, deductions, net = closed
        township_id, village_id, post, score = units[cadre_id]
        entry = {
            "cadre_id": cadre_id,
            "township_id": township_id,
            "village_id": village_id,
            "post": post,
            "annual_standard": standards[cadre_id],
            "monthly_score": score,
            "performance_paid": performance_paid[cadre_id],
            "gross": gross,
            "deductions": deductions,
            "net": net,
        }
        result.append((entry, lines))
    return result


# What a payroll entry holds besides its payroll and month; and a line besides its entry.
ENTRY_COLUMNS = (
    "cadre_id",
    "township_id",
    "village_id",
    "post",
    "annual_standard",
    "monthly_score",
    "performance_paid",
    "gross",
    "deductions",
    "net",
)
LINE_COLUMNS = ("entry_id", "position", "kind", "amount", "source", "note", "refers_to_month")


def _payroll_inputs(month):
    settlement = SettlementMonth.objects.filter(month=month).first()
    if settlement is None or settlement.settled_at is None:
        raise PayrollNotReadyError(
            _("%(month)s has not been settled yet: settle the month first.")
            % {"month": month.strftime("%Y-%m")},
            code="not_settled",
        )
    if settlement.is_running:
        raise PayrollNotReadyError(
            _("The settlement of %(month)s is running; try again when it ends.")
            % {"month": month.strftime("%Y-%m")},
            code="running",
        )
    return settlement


@transaction.atomic
def payroll_run(month, *, actor=None, now):
    """Compute a month's payroll: replace an open month's entries, refuse a frozen one."""
    if actor is not None and not scoping.may_run_payroll(actor):
        raise PermissionDenied(_("Only county staff compute the payroll."))
    month = _first(month)
    payroll, _created = PayrollMonth.objects.get_or_create(
        month=month, defaults={"computed_at": now}
    )
    payroll = PayrollMonth.objects.select_for_update().get(pk=payroll.pk)
    if payroll.status not in rules.RERUNNABLE:
        raise PayrollLockedError(
            _("The payroll of %(month)s is approved or locked: it can no longer be run.")
            % {"month": month.strftime("%Y-%m")},
            code="locked",
        )
    _payroll_inputs(month)
    values, versions = _rule_versions(PAY_RULES, month)
    computed = payroll_compute(month, values=values)
    bulk.delete(PayrollLine.objects.filter(entry__payroll=payroll))
    replaced = bulk.delete(PayrollEntry.objects.filter(payroll=payroll))
    reviews = list(payroll.reviews.values_list("township_id", flat=True))
    payroll.reviews.all().delete()
    bulk.insert(
        PayrollEntry,
        ENTRY_COLUMNS,
        [tuple(entry[column] for column in ENTRY_COLUMNS) for entry, _lines in computed],
        constants={"payroll_id": payroll.pk, "month": month},
    )
    entry_of = dict(
        PayrollEntry.objects.filter(payroll=payroll).values_list("cadre_id", "pk").order_by()
    )
    bulk.insert(
        PayrollLine,
        LINE_COLUMNS,
        [
            (
                entry_of[entry["cadre_id"]],
                position,
                line.kind,
                line.amount,
                line.source,
                line.note[:300],
                line.refers_to_month,
            )
            for entry, lines in computed
            for position, line in enumerate(lines, start=1)
        ],
    )
    entries = [entry for entry, _lines in computed]
    before = audit.snapshot(payroll, ["status", "cadre_count", "net_total"])
    payroll.status = PayrollMonth.Status.COMPUTED
    payroll.computed_at = now
    payroll.computed_by = actor if getattr(actor, "pk", None) else None
    payroll.cadre_count = len(entries)
    payroll.gross_total = sum((e["gross"] for e in entries), rules.ZERO)
    payroll.deduction_total = sum((e["deductions"] for e in entries), rules.ZERO)
    payroll.net_total = sum((e["net"] for e in entries), rules.ZERO)
    payroll.rule_versions = versions
    payroll.save()
    changes = audit.diff(before, audit.snapshot(payroll, ["status", "cadre_count", "net_total"]))
    changes["replaced"] = [replaced, len(entries)]
    if reviews:
        changes["reviews_cleared"] = [sorted(reviews), []]
    audit.record("payroll.run", actor=actor, target=payroll, changes=changes)
    return payroll


def _lock_payroll(payroll):
    return PayrollMonth.objects.select_for_update().get(pk=payroll.pk)


@transaction.atomic
def payroll_review(payroll, township, *, actor, now):
    """Record a township's review of its part; the month is reviewed once all have."""
    if not scoping.townships_reviewing_payroll_for(actor).filter(pk=township.pk).exists():
        raise PermissionDenied(_("You may not review this township's payroll."))
    payroll = _lock_payroll(payroll)
    if payroll.status != PayrollMonth.Status.COMPUTED:
        raise PayrollLockedError(
            _("The payroll of %(month)s is no longer open for review.")
            % {"month": payroll.month.strftime("%Y-%m")},
            code="locked",
        )
    entries = payroll.entries.filter(township=township)
    if not entries.exists():
        raise rules.PayError(_("This township has nobody on this payroll."), code="empty")
    if payroll.reviews.filter(township=township).exists():
        raise rules.PayError(_("This township has already reviewed the payroll."), code="done")
    net = entries.aggregate(total=Sum("net"))["total"]
    review = TownshipReview.objects.create(
        payroll=payroll, township=township, reviewed_by=actor, reviewed_at=now, net_total=net
    )
    audit.record(
        "payroll.township_reviewed",
        actor=actor,
        target=payroll,
        changes={"township": [None, township.pk], "net_total": [None, str(net)]},
        township_id=township.pk,
    )
    waiting = (
        payroll.entries.exclude(township_id__in=payroll.reviews.values("township_id"))
        .values("township_id")
        .exists()
    )
    if not waiting:
        rules.check_move(payroll.status, PayrollMonth.Status.REVIEWED)
        payroll.status = PayrollMonth.Status.REVIEWED
        payroll.save(update_fields=["status"])
        audit.record(
            "payroll.reviewed",
            actor=actor,
            target=payroll,
            changes={"status": [PayrollMonth.Status.COMPUTED, PayrollMonth.Status.REVIEWED]},
        )
    return review


@transaction.atomic
def payroll_approve(payroll, *, actor, now):
    """Approve a month every township has reviewed (county staff); its settlement is locked."""
    if not scoping.may_run_payroll(actor):
        raise PermissionDenied(_("Only county staff approve the payroll."))
    payroll = _lock_payroll(payroll)
    rules.check_move(payroll.status, PayrollMonth.Status.APPROVED)
    if not SettlementMonth.objects.filter(
        month=payroll.month, status=SettlementMonth.Status.LOCKED
    ).exists():
        raise rules.PayError(
            _("Lock the settlement of %(month)s before approving its payroll.")
            % {"month": payroll.month.strftime("%Y-%m")},
            code="settlement_open",
        )
    previous = payroll.status
    payroll.status = PayrollMonth.Status.APPROVED
    payroll.approved_at, payroll.approved_by = now, actor
    payroll.save(update_fields=["status", "approved_at", "approved_by"])
    audit.record(
        "payroll.approved",
        actor=actor,
        target=payroll,
        changes={"status": [previous, payroll.status], "net_total": [None, str(payroll.net_total)]},
    )
    return payroll


@transaction.atomic
def payroll_lock(payroll, *, actor, now):
    """Lock an approved month (county staff): it never changes again."""
    if not scoping.may_run_payroll(actor):
        raise PermissionDenied(_("Only county staff lock the payroll."))
    payroll = _lock_payroll(payroll)
    rules.check_move(payroll.status, PayrollMonth.Status.LOCKED)
    payroll.status = PayrollMonth.Status.LOCKED
    payroll.locked_at, payroll.locked_by = now, actor
    payroll.save(update_fields=["status", "locked_at", "locked_by"])
    audit.record(
        "payroll.locked",
        actor=actor,
        target=payroll,
        changes={"status": [PayrollMonth.Status.APPROVED, payroll.status]},
    )
    return payroll


# ---------------------------------------------------------------- corrections (§8.2)


@transaction.atomic
def adjustment_add(cadre, *, actor, pay_month, amount, reason, refers_to_month=None):
    """Add a correction to an open month's payroll (county staff); never to a frozen one."""
    if not scoping.may_manage_pay(actor):
        raise PermissionDenied(_("Only county staff add pay adjustments."))
    pay_month = _first(pay_month)
    refuse_frozen_month(pay_month)
    amount = rules.to_fen(Decimal(amount))
    errors = {}
    if not amount:
        errors["amount"] = _("An adjustment cannot be zero.")
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason for the adjustment.")
    if errors:
        raise ValidationError(errors)
    row = PayAdjustment.objects.create(
        cadre=cadre,
        pay_month=pay_month,
        refers_to_month=_first(refers_to_month) if refers_to_month else None,
        amount=amount,
        reason=reason.strip(),
        created_by=actor,
    )
    audit.record(
        "pay.adjustment_added",
        actor=actor,
        target=row,
        changes={"amount": [None, str(amount)], "pay_month": [None, str(pay_month)]},
        township_id=cadre.village.township_id,
    )
    return row


# ---------------------------------------------------------------- rewards (§8.3)


def reward_amount(kind, level, on):
    """Return the amount of a team reward of a kind (and honour level) on a date."""
    if kind == TeamReward.Kind.HONOUR:
        return rulebook.rule_value(rulebook.REWARD_HONOUR_PREFIX + level, on)
    key = (
        rulebook.REWARD_TEN_NOS if kind == TeamReward.Kind.TEN_NOS else rulebook.REWARD_FIRST_CLASS
    )
    return rulebook.rule_value(key, on)


@transaction.atomic
def reward_grant(village, *, actor, kind, year, title, pay_month, level=""):
    """Grant a village team a reward paid with a month's payroll (county staff)."""
    if not scoping.may_manage_pay(actor):
        raise PermissionDenied(_("Only county staff grant team rewards."))
    pay_month = _first(pay_month)
    refuse_frozen_month(pay_month)
    level = level if kind == TeamReward.Kind.HONOUR else ""
    if kind == TeamReward.Kind.HONOUR and level not in TeamReward.Level.values:
        raise ValidationError({"level": _("Choose the honour's level.")})
    if not (title or "").strip():
        raise ValidationError({"title": _("Name the honour or the achievement.")})
    if (
        kind != TeamReward.Kind.HONOUR
        and TeamReward.objects.filter(village=village, year=year, kind=kind).exists()
    ):
        raise ValidationError({"kind": _("The team already has this reward for the year.")})
    row = TeamReward.objects.create(
        village=village,
        year=year,
        kind=kind,
        level=level,
        title=title.strip(),
        amount=reward_amount(kind, level, pay_month),
        pay_month=pay_month,
        decided_by=actor,
    )
    audit.record(
        "pay.reward_granted",
        actor=actor,
        target=row,
        changes={"kind": [None, kind], "amount": [None, str(row.amount)]},
        township_id=village.township_id,
    )
    return row


def first_class_ranking(year):
    """Return [(village id, mean score)] of the year's village teams, best first (ties: the
    lower village code first): the mean of the team's annual assessment scores (§5.2),
    the year's results. One query."""
    from django.db.models import Avg

    from performance.models import AnnualGrade

    rows = (
        AnnualGrade.objects.filter(year=year)
        .values("cadre__village_id", "cadre__village__code")
        .annotate(mean=Avg("mean_score"))
        .order_by("-mean", "cadre__village__code")
    )
    return [(row["cadre__village_id"], Decimal(row["mean"]).quantize(rules.FEN)) for row in rows]


@transaction.atomic
def first_class_teams_rate(year, *, actor, pay_month):
    """Rate the year's first-class teams (一类班子): the top share by the year's results,
    each rewarded with the first-class amount paid with `pay_month` (county staff)."""
    if not scoping.may_manage_pay(actor):
        raise PermissionDenied(_("Only county staff rate the first-class teams."))
    pay_month = _first(pay_month)
    refuse_frozen_month(pay_month)
    if TeamReward.objects.filter(year=year, kind=TeamReward.Kind.FIRST_CLASS).exists():
        raise rules.PayError(_("The first-class teams of this year are already rated."))
    ranking = first_class_ranking(year)
    share = rulebook.rule_value(rulebook.REWARD_FIRST_CLASS_SHARE, pay_month)
    amount = rulebook.rule_value(rulebook.REWARD_FIRST_CLASS, pay_month)
    chosen = ranking[: rules.first_class_count(len(ranking), share=share)]
    TeamReward.objects.bulk_create(
        [
            TeamReward(
                village_id=village_id,
                year=year,
                kind=TeamReward.Kind.FIRST_CLASS,
                title=f"{year} 一类班子 ({mean})",
                amount=amount,
                pay_month=pay_month,
                decided_by=actor,
            )
            for village_id, mean in chosen
        ]
    )
    audit.record(
        "pay.first_class_rated",
        actor=actor,
        changes={"year": [None, year], "teams": [None, [v for v, _m in chosen]]},
    )
    return len(chosen)


# ---------------------------------------------------------------- benefits (§8.4–§8.6)


@transaction.atomic
def benefit_record(cadre, *, actor, kind, on, pay_month=None, note=""):
    """Record a benefit; a death-on-duty payment or departure allowance is computed by
    the rules and paid with `pay_month` (county staff)."""
    if not scoping.may_manage_pay(actor):
        raise PermissionDenied(_("Only county staff record benefits."))
    years = None
    if kind in Benefit.PAID_KINDS:
        if pay_month is None:
            raise ValidationError({"pay_month": _("Choose the payroll month that pays it.")})
        pay_month = _first(pay_month)
        refuse_frozen_month(pay_month)
        if kind == Benefit.Kind.DEATH_ON_DUTY:
            own = _standards(pay_month).get(cadre.pk)
            standard = own or rulebook.rule_value(rulebook.PAY_STANDARD_PREFIX + cadre.post, on)
            amount = rules.death_on_duty_payment(
                standard, base_share=rulebook.rule_value(rulebook.PAY_BASE_SHARE, on)
            )
        else:
            years = rules.full_years(cadre.start_date, on)
            amount = rules.departure_allowance(
                years,
                per_year=rulebook.rule_value(rulebook.PAY_DEPARTURE_PER_YEAR, on),
                min_years=rulebook.rule_value(rulebook.PAY_DEPARTURE_MIN_YEARS, on),
            )
            if not amount:
                raise ValidationError(
                    {"kind": _("Too few full years served for a departure allowance.")}
                )
    else:
        pay_month = None
        key = (
            rulebook.PAY_ACCIDENT_PREMIUM
            if kind == Benefit.Kind.ACCIDENT_INSURANCE
            else rulebook.PAY_CHECKUP_AMOUNT
        )
        amount = rulebook.rule_value(key, on)
    row = Benefit.objects.create(
        cadre=cadre,
        kind=kind,
        on=on,
        amount=amount,
        years_served=years,
        pay_month=pay_month,
        note=(note or "").strip()[:200],
        recorded_by=actor,
    )
    audit.record(
        "pay.benefit_recorded",
        actor=actor,
        target=row,
        changes={"kind": [None, kind], "amount": [None, str(amount)]},
        township_id=cadre.village.township_id,
    )
    return row


@transaction.atomic
def collective_share_record(cadre, *, actor, pay_month, amount, reason):
    """Record a cadre's collective-economy share paid with a month (§8.6, county staff)."""
    if not scoping.may_manage_pay(actor):
        raise PermissionDenied(_("Only county staff record collective-economy shares."))
    pay_month = _first(pay_month)
    refuse_frozen_month(pay_month)
    row = CollectiveShare.objects.create(
        cadre=cadre, pay_month=pay_month, amount=rules.to_fen(Decimal(amount)), reason=reason
    )
    audit.record(
        "pay.collective_share_recorded",
        actor=actor,
        target=row,
        changes={"amount": [None, str(row.amount)]},
        township_id=cadre.village.township_id,
    )
    return row


# ---------------------------------------------------------------- documents (§8.2, §9.2)


# A render runs at most DOCUMENT_TASK_SOFT_TIME_LIMIT seconds and its worker process is
# killed 30 s past that, so one still "running" a minute later has lost its worker (killed,
# out of memory, restarted): its task, delivered again (acks_late), takes it up anew. Twice
# at most: a render that keeps stopping its worker fails the document with the reason.
DOCUMENT_RENDER_ATTEMPTS = 2


class DocumentBusyError(Exception):
    """A document or part that another worker is rendering, or was until lately: its task
    tries again once that render would have been stopped (compensation/tasks.py)."""


def _render_lost_before(now):
    return now - datetime.timedelta(seconds=settings.DOCUMENT_TASK_SOFT_TIME_LIMIT + 60)


def _render_lost(now):
    """Return a filter on documents or parts: running, but past the render limit."""
    from .models import DocumentStatus

    return Q(status=DocumentStatus.RUNNING) & (
        Q(started_at__lt=_render_lost_before(now)) | Q(started_at__isnull=True)
    )


def _claim_render(rows, *, now, **fields):
    """Mark the row of `rows` running for this worker if it is queued, or running but lost
    with an attempt left; return whether it did (one UPDATE: two workers never both do)."""
    from .models import DocumentStatus

    lost = _render_lost(now) & Q(attempts__lt=DOCUMENT_RENDER_ATTEMPTS)
    return rows.filter(Q(status=DocumentStatus.QUEUED) | lost).update(
        status=DocumentStatus.RUNNING, started_at=now, attempts=F("attempts") + 1, **fields
    )


def _lost_for_good(row, *, now):
    """Of a document or part this worker could not take up: raise DocumentBusyError while
    its render may still finish or be taken up again; return whether it was lost on its
    last attempt (False when it is queued, done or failed)."""
    from .models import DocumentStatus

    if row is None or row.status != DocumentStatus.RUNNING:
        return False
    if row.attempts < DOCUMENT_RENDER_ATTEMPTS or (
        row.started_at is not None and row.started_at >= _render_lost_before(now)
    ):
        raise DocumentBusyError(row.pk)
    return True


def _render_lost_message():
    return _(
        "The worker rendering it stopped %(n)s times before it finished (time or memory "
        "limit, or a restart); ask for the PDF again."
    ) % {"n": DOCUMENT_RENDER_ATTEMPTS}


def payroll_document_start(payroll, *, actor, township=None):
    """Queue the payroll PDF (the county's, or a township's); sent once committed."""
    from .models import PayrollDocument
    from .tasks import payroll_document_task

    if township is None and not scoping.may_run_payroll(actor):
        raise PermissionDenied(_("Only county staff produce the county's payroll PDF."))
    if township is not None and not scoping.townships_visible_to(actor).filter(pk=township.pk):
        raise PermissionDenied(_("You may not produce this township's payroll PDF."))
    with transaction.atomic():
        document = PayrollDocument.objects.create(
            payroll=payroll, township=township, created_by=actor
        )
        audit.record(
            "payroll.document_queued",
            actor=actor,
            target=document,
            township_id=township.pk if township else None,
        )
        transaction.on_commit(lambda: payroll_document_task.delay(document.pk))
    return document


def payroll_document_run(document_id, *, now, queue=None):
    """Render a queued payroll PDF, saving its progress; a finished one is left alone.

    A township's sheet is rendered whole. The county's is split into parts, each a run of
    whole townships (issue 10): the parts are queued (to `queue`, the caller's, if given)
    for parallel workers (`payroll_document_part_run`), and the document stays running
    until the last part done has them merged. One whose worker was lost is taken up again
    (see DOCUMENT_RENDER_ATTEMPTS); DocumentBusyError while another may be rendering it.
    """
    from django.core.files.base import ContentFile

    from .models import PayrollDocument, PayrollDocumentPart

    Status = PayrollDocument.Status
    documents = PayrollDocument.objects.filter(pk=document_id)
    # Once split, the document is its parts': it is never taken up again as a whole.
    unsplit = ~Exists(PayrollDocumentPart.objects.filter(document_id=document_id))
    if not _claim_render(documents.filter(unsplit), now=now, progress=5):
        document = documents.filter(unsplit).first()
        if _lost_for_good(document, now=now):
            documents.filter(status=Status.RUNNING).update(
                status=Status.FAILED, error=_render_lost_message(), finished_at=now
            )
        return documents.first()
    document = PayrollDocument.objects.select_related("payroll", "township").get(pk=document_id)
    try:
        if document.township_id is None and _payroll_document_split(document, queue=queue):
            return document
        content, name = _payroll_document_render_whole(document)
        document.file.save(name, ContentFile(content), save=False)
    except Exception as error:  # noqa: BLE001 - the failure is stored for the user to see
        # Not over a failure a part stored first (parts run inline when tasks are eager).
        PayrollDocument.objects.filter(pk=document_id, status=Status.RUNNING).update(
            status=Status.FAILED, error=_document_error(error), finished_at=now
        )
        raise
    PayrollDocument.objects.filter(pk=document_id).update(
        status=Status.DONE, progress=100, file=document.file.name, finished_at=now
    )
    document.refresh_from_db()
    return document


def _document_error(error):
    """Return the text kept for the user of a failed document (a MemoryError has none)."""
    return (str(error) or repr(error))[:2000]


def _payroll_document_entries(payroll):
    return payroll.entries.select_related("cadre__bank_account", "village", "township").order_by(
        "township__code", "village__code", "post", "cadre_id"
    )


def _payroll_document_render_whole(document):
    """Return (PDF bytes, file name) of a sheet rendered as one document."""
    from . import reports, selectors
    from .models import PayrollDocument

    entries = _payroll_document_entries(document.payroll)
    if document.township_id:
        entries = entries.filter(township_id=document.township_id)
    context = selectors.sheet_context(document.payroll, entries=entries, township=document.township)
    PayrollDocument.objects.filter(pk=document.pk).update(progress=30)
    content = reports.payroll_pdf(context)
    PayrollDocument.objects.filter(pk=document.pk).update(progress=90)
    return content, reports.filename(context, "pdf")


def payroll_document_part_groups(townships, *, rows_per_part):
    """Return the runs of whole townships the county sheet is split into: `townships` is
    [(township, rows)] in the sheet's order. The rows are cut into as many equal shares as
    they need at about `rows_per_part` each (never more than the townships); a township
    goes to the share its middle row falls in, so that the parts are about equal for the
    workers, and a large township takes up the shares it covers instead of leaving small
    parts after it."""
    total = sum(rows for _township, rows in townships)
    count = max(1, min(len(townships), math.ceil(total / max(rows_per_part, 1))))
    groups = []
    share = None
    taken = 0
    for township, rows in townships:
        middle = min(count - 1, int((taken + rows / 2) * count // max(total, 1)))
        if middle != share:
            groups.append([])
            share = middle
        groups[-1].append((township, rows))
        taken += rows
    return groups


def _payroll_document_split(document, *, queue):
    """Create the parts of the county sheet (runs of whole townships, about
    PAYROLL_PDF_PART_ROWS rows each) and queue them once committed; return how many (none
    for an empty payroll, which is rendered whole)."""
    from django.db.models import Count

    from .models import PayrollDocumentPart
    from .tasks import payroll_document_part_task

    townships = [
        (row["township_id"], row["rows"])
        for row in document.payroll.entries.values("township_id", "township__code")
        .annotate(rows=Count("pk"))
        .order_by("township__code")
    ]
    groups = payroll_document_part_groups(townships, rows_per_part=settings.PAYROLL_PDF_PART_ROWS)
    parts = []
    first_number = 1
    for position, group in enumerate(groups):
        part_rows = sum(rows for _township, rows in group)
        parts.append(
            PayrollDocumentPart(
                document=document,
                position=position,
                first_township_id=group[0][0],
                last_township_id=group[-1][0],
                first_number=first_number,
                rows=part_rows,
            )
        )
        first_number += part_rows
    with transaction.atomic():
        parts = PayrollDocumentPart.objects.bulk_create(parts)
        # Longest first, so that no worker starts a long part when the others are done;
        # the last part first of all, as it also adds up the county's total.
        order = sorted(parts, key=lambda part: (part is not parts[-1], -part.rows))
        ids = [part.pk for part in order]
        options = {"queue": queue} if queue else {}
        transaction.on_commit(
            lambda: [payroll_document_part_task.apply_async((pk,), **options) for pk in ids]
        )
    return len(parts)


def payroll_document_part_run(part_id, *, now, queue=None):
    """Render one part's pages of the county sheet to a part file; the last part done
    queues the merge (to `queue`, if given). A part of a failed or finished document is
    left alone; a part that fails fails the document with its error, and the parts
    already rendered are removed. A part whose worker was lost is taken up again (see
    DOCUMENT_RENDER_ATTEMPTS); DocumentBusyError while another may be rendering it."""
    from django.core.files.base import ContentFile

    from .models import PayrollDocument, PayrollDocumentPart
    from .tasks import payroll_document_merge_task

    Status = PayrollDocument.Status
    parts = PayrollDocumentPart.objects.filter(pk=part_id, document__status=Status.RUNNING)
    if not _claim_render(parts, now=now):
        part = parts.select_related("first_township", "last_township").first()
        if _lost_for_good(part, now=now):
            _payroll_document_part_failed(part, _render_lost_message(), now=now)
        return PayrollDocumentPart.objects.filter(pk=part_id).first()
    part = PayrollDocumentPart.objects.select_related(
        "document__payroll", "document", "first_township", "last_township"
    ).get(pk=part_id)
    try:
        content = _payroll_document_render_part(part)
        part.file.save(
            f"payroll-{part.document_id}-{part.position:03d}.pdf", ContentFile(content), save=False
        )
    except Exception as error:  # noqa: BLE001 - the failure is stored for the user to see
        _payroll_document_part_failed(part, _document_error(error), now=now)
        raise
    PayrollDocumentPart.objects.filter(pk=part_id).update(status=Status.DONE, file=part.file.name)
    running = PayrollDocument.objects.filter(pk=part.document_id, status=Status.RUNNING)
    if not running.exists():
        # The document failed while this part rendered: no part of it is wanted.
        part.file.delete(save=False)
        payroll_document_parts_remove(part.document_id)
        return part
    parts = PayrollDocumentPart.objects.filter(document_id=part.document_id)
    done, total = parts.filter(status=Status.DONE).count(), max(parts.count(), 1)
    running.update(progress=5 + 85 * done // total)
    if done == total:
        # Each part counts after its own update is committed, so the last one sees all
        # done (two may: the merge runs once, see payroll_document_merge).
        options = {"queue": queue} if queue else {}
        transaction.on_commit(
            lambda: payroll_document_merge_task.apply_async((part.document_id,), **options)
        )
    part.status = Status.DONE
    return part


def _payroll_document_part_failed(part, reason, *, now):
    """Mark a part failed and its document with it (its townships and the reason); remove
    the parts already rendered."""
    from .models import PayrollDocument, PayrollDocumentPart

    Status = PayrollDocument.Status
    first, last = part.first_township, part.last_township
    townships = first.name if first == last else f"{first.name}–{last.name}"
    message = f"{townships}: {reason}"[:2000]
    PayrollDocumentPart.objects.filter(pk=part.pk).update(status=Status.FAILED, error=message)
    if PayrollDocument.objects.filter(pk=part.document_id, status=Status.RUNNING).update(
        status=Status.FAILED, error=message, finished_at=now
    ):
        payroll_document_parts_remove(part.document_id)


def _payroll_document_render_part(part):
    """Return the PDF bytes of one part's pages of the county sheet (its townships')."""
    from . import reports, selectors

    document = part.document
    entries = _payroll_document_entries(document.payroll)
    last = not document.parts.filter(position__gt=part.position).exists()
    context = selectors.sheet_context(
        document.payroll,
        entries=entries.filter(
            township__code__gte=part.first_township.code,
            township__code__lte=part.last_township.code,
        ),
    )
    if last:
        # The county's total and cadre count, added up from the same lines as the xlsx.
        context["total_list"], context["cadres"] = selectors.sheet_total(document.payroll)
    elif part.position == 0:
        context["cadres"] = document.payroll.entries.count()
    for group in context["groups"]:
        for row in group["rows"]:
            row["number"] += part.first_number - 1
    return reports.payroll_pdf_part(context, first=part.position == 0, last=last)


def payroll_document_merge(document_id, *, now):
    """Merge the county sheet's rendered parts in order into the document's file, number
    its pages and mark it done; remove the parts. A document not running, or with a part
    not done, is left alone."""
    import contextlib

    from django.core.files.base import ContentFile

    from . import reports
    from .models import PayrollDocument, PayrollDocumentPart

    Status = PayrollDocument.Status
    document = PayrollDocument.objects.select_related("payroll").get(pk=document_id)
    parts = list(PayrollDocumentPart.objects.filter(document_id=document_id).order_by("position"))
    if document.status != Status.RUNNING or any(part.status != Status.DONE for part in parts):
        return document
    try:
        with contextlib.ExitStack() as files:
            content = reports.payroll_pdf_merge(
                [files.enter_context(part.file.open("rb")) for part in parts]
            )
        name = f"payroll-county-{document.payroll.month:%Y-%m}.pdf"
        document.file.save(name, ContentFile(content), save=False)
    except Exception as error:  # noqa: BLE001 - the failure is stored for the user to see
        if PayrollDocument.objects.filter(pk=document_id, status=Status.RUNNING).update(
            status=Status.FAILED, error=_document_error(error), finished_at=now
        ):
            payroll_document_parts_remove(document_id)
        raise
    finished = PayrollDocument.objects.filter(pk=document_id, status=Status.RUNNING).update(
        status=Status.DONE, progress=100, file=document.file.name, finished_at=now
    )
    if finished:
        payroll_document_parts_remove(document_id)
    else:
        # Another merge of the same parts finished first: keep its file, not this one.
        document.file.delete(save=False)
    document.refresh_from_db()
    return document


def payroll_document_parts_remove(document_id):
    """Delete the part files and rows of a county sheet that is merged or has failed."""
    from .models import PayrollDocumentPart

    parts = PayrollDocumentPart.objects.filter(document_id=document_id)
    for part in parts.exclude(file=""):
        part.file.delete(save=False)
    parts.delete()


def payroll_documents_resend(*, now):
    """Send again the task of each payroll PDF that was taken up by a worker which then
    fell silent past the render limit; return how many ({"documents", "parts", "merges"}).

    A render whose worker process was lost comes back by itself (acks_late,
    reject_on_worker_lost) and is taken up again. But if that message is lost too (the
    broker restarted, the whole worker machine went down), nothing comes back and the
    document stays running for good. Beat calls this every few minutes: the task sent
    again takes the render up (its next attempt), fails it for good saying why, or finds
    it done; a county sheet whose parts are all done gets its merge again (a merge sent
    twice runs once). Queued documents are left to the broker, which keeps its queue on
    disk (docker-compose.yml).
    """
    from .models import DocumentStatus, PayrollDocument, PayrollDocumentPart
    from .tasks import (
        payroll_document_merge_task,
        payroll_document_part_task,
        payroll_document_task,
    )

    lost = _render_lost(now)
    parts_of = PayrollDocumentPart.objects.filter(document_id=OuterRef("pk"))
    split = Exists(parts_of)
    all_done = ~Exists(parts_of.exclude(status=DocumentStatus.DONE))
    sent = {
        "documents": list(
            PayrollDocument.objects.filter(lost & ~split).values_list("pk", flat=True)
        ),
        "parts": list(
            PayrollDocumentPart.objects.filter(lost, document__status=DocumentStatus.RUNNING)
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
        "merges": list(
            PayrollDocument.objects.filter(lost & split & all_done).values_list("pk", flat=True)
        ),
    }
    tasks = {
        "documents": payroll_document_task,
        "parts": payroll_document_part_task,
        "merges": payroll_document_merge_task,
    }
    for key, ids in sent.items():
        for pk in ids:
            tasks[key].delay(pk)
    if any(sent.values()):
        logger.warning("Payroll PDFs whose worker fell silent, sent again: %s", sent)
    return {key: len(ids) for key, ids in sent.items()}
