"""Reads of pay and benefits: every list through the user's scope (longshan.scoping)."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Sum

from cadres.models import Township
from longshan import rulebook, scoping
from longshan.paging import RowsByUnit

from .models import (
    Benefit,
    CadrePayStandard,
    CollectiveShare,
    LineKind,
    PayAdjustment,
    PayrollLine,
    PayrollMonth,
    TeamReward,
)

ZERO = Decimal("0.00")
FEN = Decimal("0.01")

# The money columns of the payroll sheet (PDF and xlsx): which line kinds each adds up.
COLUMNS = [
    ("base", [LineKind.BASE]),
    ("rank", [LineKind.RANK]),
    ("performance", [LineKind.PERFORMANCE]),
    ("reward", [LineKind.REWARD]),
    (
        "deductions",
        [
            LineKind.VIOLATION_MONTH,
            LineKind.VIOLATION_QUARTER,
            LineKind.MEASURE,
            LineKind.QUARTER_TAKEBACK,
            LineKind.UNPAID_DAYS,
        ],
    ),
    ("insurance", [LineKind.INSURANCE]),
    (
        "other",
        [
            LineKind.DEATH_ON_DUTY,
            LineKind.DEPARTURE,
            LineKind.COLLECTIVE,
            LineKind.ADJUSTMENT,
            LineKind.CARRIED_IN,
            LineKind.CARRIED_OUT,
        ],
    ),
]
COLUMN_OF_KIND = {kind: name for name, kinds in COLUMNS for kind in kinds}
TOTAL_FIELDS = ["gross", "deductions", "net"]


def payroll_months():
    return PayrollMonth.objects.order_by("-month")


def payroll_entries(user, payroll, *, township_id=None):
    """Return a month's payslips the user may read, in sheet order."""
    entries = scoping.payslips_visible_to(user).filter(payroll=payroll)
    if township_id:
        entries = entries.filter(township_id=township_id)
    return entries.select_related("cadre__bank_account", "village", "township").order_by(
        "township__code", "village__code", "post", "cadre_id"
    )


def township_subtotals(user, payroll):
    """Return [{township, cadres, gross, deductions, net, review}] of the user's scope."""
    rows = (
        scoping.payslips_visible_to(user)
        .filter(payroll=payroll)
        .values("township_id")
        .annotate(
            cadres=Count("pk"), gross=Sum("gross"), deductions=Sum("deductions"), net=Sum("net")
        )
        .order_by()
    )
    rows = [
        {**row, **{field: Decimal(row[field]).quantize(FEN) for field in TOTAL_FIELDS}}
        for row in rows
    ]
    townships = Township.objects.in_bulk([row["township_id"] for row in rows])
    reviews = {
        review.township_id: review for review in payroll.reviews.select_related("reviewed_by")
    }
    result = [
        {
            **row,
            "township": townships[row["township_id"]],
            "review": reviews.get(row["township_id"]),
        }
        for row in rows
    ]
    return sorted(result, key=lambda row: row["township"].code)


def payroll_entries_page(entries, subtotals, township=None):
    """Return the payslips for a paginator, read a page's townships at a time.

    The subtotals count each township's payslips, in the order the payslips are listed
    (township code first), so a page reads only the townships it covers and needs no
    COUNT: a province's 72,000 payslips are not sorted for each page of 50.
    """
    return RowsByUnit(
        entries,
        [
            (row["township_id"], row["cadres"])
            for row in subtotals
            if township is None or row["township_id"] == township.pk
        ],
        unit_field="township_id",
    )


def sheet_context(payroll, *, entries, township=None):
    """Return the context of a payroll sheet (PDF, xlsx): rows grouped by township with
    subtotals, and the total; every money figure a Decimal to the fen. Three queries."""
    entries = list(entries)
    by_entry = defaultdict(lambda: defaultdict(lambda: ZERO))
    # Added up here, not in SQL: SQLite sums decimals as floats.
    for entry_id, kind, amount in PayrollLine.objects.filter(
        entry__in=[entry.pk for entry in entries]
    ).values_list("entry_id", "kind", "amount"):
        by_entry[entry_id][COLUMN_OF_KIND[kind]] += amount
    groups = []
    total = defaultdict(lambda: ZERO)
    current = None
    number = 0
    for entry in entries:
        if current is None or current["township"].pk != entry.township_id:
            current = {
                "township": entry.township,
                "rows": [],
                "subtotal": defaultdict(lambda: ZERO),
            }
            groups.append(current)
        number += 1
        money = {name: by_entry[entry.pk][name] for name, _kinds in COLUMNS}
        money.update({field: getattr(entry, field) for field in TOTAL_FIELDS})
        current["rows"].append({"number": number, "entry": entry, "money": money})
        for name, value in money.items():
            current["subtotal"][name] += value
            total[name] += value
    names = [name for name, _kinds in COLUMNS] + TOTAL_FIELDS
    for group in groups:
        group["subtotal_list"] = [group["subtotal"][name] for name in names]
        group["cadres"] = len(group["rows"])
        for row in group["rows"]:
            row["money_list"] = [row["money"][name] for name in names]
    reviews = list(payroll.reviews.select_related("reviewed_by", "township"))
    if township is not None:
        reviews = [review for review in reviews if review.township_id == township.pk]
    return {
        "payroll": payroll,
        "township": township,
        "groups": groups,
        "total": {name: total[name] for name in names},
        "total_list": [total[name] for name in names],
        "cadres": number,
        "column_names": names,
        "reviews": reviews,
    }


def sheet_total(payroll):
    """Return (the sheet's total by column, in `sheet_context`'s column order; the number of
    cadres) of a whole payroll, from its lines and entries' values alone: the county
    payroll PDF's last part prints it under its own township's rows. Two queries."""
    total = defaultdict(lambda: ZERO)
    # Added up here, not in SQL: SQLite sums decimals as floats.
    for kind, amount in PayrollLine.objects.filter(entry__payroll=payroll).values_list(
        "kind", "amount"
    ):
        total[COLUMN_OF_KIND[kind]] += amount
    # The entries' own sums stand for a column of the same name, as in each row.
    for name in TOTAL_FIELDS:
        total[name] = ZERO
    cadres = 0
    for values in payroll.entries.order_by().values_list(*TOTAL_FIELDS):
        cadres += 1
        for name, value in zip(TOTAL_FIELDS, values, strict=True):
            total[name] += value
    names = [name for name, _kinds in COLUMNS] + TOTAL_FIELDS
    return [total[name] for name in names], cadres


def pay_standards(user):
    """Return the cadres' own standards the user may read (county staff: all)."""
    return CadrePayStandard.objects.filter(
        cadre_id__in=scoping.cadres_visible_to(user).values("pk")
    ).select_related("cadre__village__township", "set_by")


def post_standards(on):
    """Return [(post, standard, minimum, maximum)] in force on a date (one query)."""
    keys = [
        prefix + post
        for post in rulebook.PAY_POSTS
        for prefix in (
            rulebook.PAY_STANDARD_PREFIX,
            rulebook.PAY_RANGE_MIN_PREFIX,
            rulebook.PAY_RANGE_MAX_PREFIX,
        )
    ]
    book = rulebook.RuleBook.load(keys)
    return [
        (
            post,
            book.value(rulebook.PAY_STANDARD_PREFIX + post, on),
            book.value(rulebook.PAY_RANGE_MIN_PREFIX + post, on),
            book.value(rulebook.PAY_RANGE_MAX_PREFIX + post, on),
        )
        for post in rulebook.PAY_POSTS
    ]


def rewards(user):
    return TeamReward.objects.filter(
        village_id__in=scoping.villages_visible_to(user).values("pk")
    ).select_related("village__township")


def benefits(user):
    return Benefit.objects.filter(
        cadre_id__in=scoping.cadres_visible_to(user).values("pk")
    ).select_related("cadre__village__township")


def collective_shares(user):
    return (
        CollectiveShare.objects.filter(cadre_id__in=scoping.cadres_visible_to(user).values("pk"))
        .select_related("cadre__village__township")
        .order_by("-pay_month", "cadre__name_pinyin")
    )


def adjustments(user):
    return PayAdjustment.objects.filter(
        cadre_id__in=scoping.cadres_visible_to(user).values("pk")
    ).select_related("cadre__village__township")


def cadre_payslips(user, cadre, *, limit=3):
    """Return a cadre's latest payslips the user may read (one query)."""
    return list(
        scoping.payslips_visible_to(user)
        .filter(cadre=cadre)
        .select_related("payroll")
        .order_by("-month")[:limit]
    )


def home_waiting(user):
    """Return the payroll months waiting for the user (one query), or None for roles
    without payroll work: a township's months to review, the county's to approve or lock."""
    if scoping.may_run_payroll(user):
        return PayrollMonth.objects.filter(
            status__in=[PayrollMonth.Status.REVIEWED, PayrollMonth.Status.APPROVED]
        ).count()
    if user.is_authenticated and user.role == "township_official":
        reviewing = scoping.townships_reviewing_payroll_for(user).values("pk")
        return (
            PayrollMonth.objects.filter(
                status=PayrollMonth.Status.COMPUTED, entries__township_id__in=reviewing
            )
            .exclude(reviews__township_id__in=reviewing)
            .distinct()
            .count()
        )
    return None
