"""Reads of the organisation tree and the roster; each takes the user and goes through scope.

Every function runs a fixed number of queries, whatever the county's size.
"""

from collections import defaultdict

from django.db.models import Count, Q

from longshan import rulebook, scoping

from . import rules
from .models import CadreStatus, Post, Village

SITTING = [CadreStatus.ACTIVE, CadreStatus.SUSPENDED]


def _sitting_counts_by(user, group_field, **filters):
    """Return {group id: {post: count}} of sitting cadres visible to the user."""
    rows = (
        scoping.cadres_visible_to(user)
        .filter(status__in=SITTING, **filters)
        .values_list(group_field, "post")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = defaultdict(lambda: defaultdict(int))
    for group_id, post, n in rows:
        counts[group_id][post] += n
    return counts


def township_rows(user):
    """Return the user's townships, each with its village and community counts and cadres."""
    townships = (
        scoping.townships_visible_to(user)
        .annotate(
            village_count=Count("villages", filter=Q(villages__kind=Village.Kind.VILLAGE)),
            community_count=Count("villages", filter=Q(villages__kind=Village.Kind.COMMUNITY)),
        )
        .order_by("code")
    )
    counts = _sitting_counts_by(user, "village__township_id")
    rows = []
    for township in townships:
        by_post = counts.get(township.pk, {})
        township.cadre_count = sum(by_post.values())
        rows.append(township)
    return rows


def village_rows(user, *, township_id=None, kind=None, query=""):
    """Return the user's villages (filtered), each with its sitting cadres by post."""
    villages = scoping.villages_visible_to(user).select_related("township")
    if township_id:
        villages = villages.filter(township_id=township_id)
    if kind:
        villages = villages.filter(kind=kind)
    if query:
        villages = villages.filter(name__contains=query.strip())
    villages = list(villages.order_by("township__code", "code"))
    filters = {"village__township_id": township_id} if township_id else {}
    counts = _sitting_counts_by(user, "village_id", **filters)
    for village in villages:
        by_post = counts.get(village.pk, {})
        village.secretary_count = by_post.get(Post.SECRETARY, 0)
        village.clerk_count = by_post.get(Post.CLERK, 0)
        village.police_count = by_post.get(Post.AUXILIARY_POLICE, 0)
    return villages


def village_facts(village, *, on):
    """Return the quota and the duty-hour minimum in force for a village on a date."""
    book = rulebook.RuleBook.load(
        [
            rulebook.DUTY_HOURS_VILLAGE,
            rulebook.DUTY_HOURS_COMMUNITY,
            rulebook.QUOTA_EXTRA_POLICE_POPULATION,
            rulebook.QUOTA_EXTRA_POLICE_AREA,
        ]
    )
    quota = rules.headcount_quota_from(
        population=village.population,
        area_km2=village.area_km2,
        extra_police_from_population=book.value(rulebook.QUOTA_EXTRA_POLICE_POPULATION, on),
        extra_police_from_area=book.value(rulebook.QUOTA_EXTRA_POLICE_AREA, on),
    )
    duty_hours = rules.duty_hours_minimum(
        is_community=village.is_community,
        village_hours=book.value(rulebook.DUTY_HOURS_VILLAGE, on),
        community_hours=book.value(rulebook.DUTY_HOURS_COMMUNITY, on),
    )
    return {"quota": quota, "duty_hours": duty_hours}


def cadres_of_village(user, village):
    """Return the cadres of a village that the user may see, secretary first."""
    return scoping.cadres_visible_to(user).filter(village=village).order_by("post", "name_pinyin")


def roster_for(user):
    """Return the user's roster queryset, ready for listing (one join, no per-row queries)."""
    return scoping.cadres_visible_to(user).select_related("village__township")


def filter_choices_for(user):
    """Return the townships and villages to offer in the roster filters: those of the scope."""
    visible = scoping.cadres_visible_to(user)
    townships = scoping.townships_visible_to(user)
    villages = scoping.villages_visible_to(user)
    if not townships.exists():
        # A village secretary sees their village's township in filters, not its page.
        from .models import Township

        townships = Township.objects.filter(pk__in=visible.values("village__township_id"))
        villages = Village.objects.filter(pk__in=visible.values("village_id"))
    return townships.order_by("code"), villages.select_related("township").order_by("code")


def home_counts(user):
    """Return what the user's home page counts: units and sitting cadres by post."""
    by_post = dict(
        scoping.cadres_visible_to(user)
        .filter(status__in=SITTING)
        .values_list("post")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "townships": scoping.townships_visible_to(user).count(),
        "villages": scoping.villages_visible_to(user).count(),
        "secretaries": by_post.get(Post.SECRETARY, 0),
        "clerks": by_post.get(Post.CLERK, 0),
        "police": by_post.get(Post.AUXILIARY_POLICE, 0),
        "cadres": sum(by_post.values()),
    }


# ---------------------------------------------------------------- selection (§3), quotas (§2.3)


def roster_filtered(user, params):
    """Return the user's roster as their list shows it: the same filters and order.

    The export writes exactly these rows (POLICY §1.4: nothing outside scope).
    """
    from .filters import CadreFilter

    townships, villages = filter_choices_for(user)
    roster = CadreFilter(
        params or None,
        queryset=roster_for(user),
        townships=townships,
        villages=villages,
        user=user,
    )
    cadres = roster.qs if roster.is_bound and roster.is_valid() else roster.queryset
    if not roster.is_bound or not roster.form.cleaned_data.get("sort"):
        cadres = cadres.order_by("village__code", "post", "name_pinyin")
    return roster, cadres


def candidate_rows(user, *, post="", status=""):
    """Return the user's candidates, clerks in channel priority order (POLICY §3.3)."""
    candidates = scoping.candidates_visible_to(user).select_related("village__township")
    if post:
        candidates = candidates.filter(post=post)
    if status:
        candidates = candidates.filter(status=status)
    return candidates.order_by("post", "channel_rank", "planned_on", "id")


def vetting_case_rows(user, *, status=""):
    """Return the user's vetting cases with their count of passed, failed and waiting reviews."""
    from .models import VettingReview

    cases = scoping.vetting_cases_visible_to(user).select_related("candidate__village__township")
    if status:
        cases = cases.filter(status=status)
    return cases.annotate(
        passed_count=Count("reviews", filter=Q(reviews__status=VettingReview.Status.PASSED)),
        failed_count=Count("reviews", filter=Q(reviews__status=VettingReview.Status.FAILED)),
        waiting_count=Count("reviews", filter=Q(reviews__status=VettingReview.Status.PENDING)),
    ).order_by("-started_at", "-id")


def review_queue(user):
    """Return the reviews waiting for the reviewer's department (POLICY §3.4)."""
    return (
        scoping.vetting_reviews_decidable_by(user)
        .select_related("case__candidate__village__township")
        .order_by("case__started_at", "id")
    )


def reviews_decided_by_department(user):
    """Return the department's past verdicts, latest first."""
    return (
        scoping.vetting_reviews_visible_to(user)
        .exclude(status="pending")
        .select_related("case__candidate__village__township", "reviewer")
        .order_by("-decided_at", "-id")
    )


def cadre_timeline(cadre):
    """Return the cadre's appointment history, oldest first (POLICY §3.6)."""
    return cadre.events.select_related("village__township", "decided_by").order_by("on", "id")


def pending_removals(user):
    """Return the removals proposed elsewhere that wait for county staff."""
    from .models import AppointmentEvent

    if not scoping.may_run_selection(user):
        return AppointmentEvent.objects.none()
    return (
        AppointmentEvent.objects.filter(
            kind=AppointmentEvent.Kind.REMOVAL, status=AppointmentEvent.Status.PENDING
        )
        .select_related("cadre__village__township")
        .order_by("on", "id")
    )


def relatives_of(cadre):
    """Return the recorded relations of a cadre, with the other person's name."""
    from .models import Relation

    return Relation.objects.filter(
        Q(id_number_a=cadre.id_number) | Q(id_number_b=cadre.id_number)
    ).order_by("id")


QUOTA_POSTS = (Post.SECRETARY, Post.CLERK, Post.AUXILIARY_POLICE)


def quota_rows(user, *, on, township_id=None, show_all=False):
    """Return [(township, [village rows])] of villages over or under their quota (§2.3).

    A village row carries, by post, the sitting count, the quota and the difference.
    Three queries whatever the county's size: villages, counts, rule values.
    """
    book = rulebook.RuleBook.load(
        [rulebook.QUOTA_EXTRA_POLICE_POPULATION, rulebook.QUOTA_EXTRA_POLICE_AREA]
    )
    by_population = book.value(rulebook.QUOTA_EXTRA_POLICE_POPULATION, on)
    by_area = book.value(rulebook.QUOTA_EXTRA_POLICE_AREA, on)
    villages = scoping.villages_visible_to(user).select_related("township")
    if township_id:
        villages = villages.filter(township_id=township_id)
    counts = _sitting_counts_by(user, "village_id")
    grouped = {}
    townships = {}
    for village in villages.order_by("township__code", "code"):
        quota = rules.headcount_quota_from(
            population=village.population,
            area_km2=village.area_km2,
            extra_police_from_population=by_population,
            extra_police_from_area=by_area,
        )
        by_post = counts.get(village.pk, {})
        cells = []
        for post in QUOTA_POSTS:
            sitting, wanted = by_post.get(post, 0), getattr(quota, post)
            cells.append(
                {"post": post, "sitting": sitting, "quota": wanted, "diff": sitting - wanted}
            )
        if show_all or any(cell["diff"] for cell in cells):
            village.quota_cells = cells
            village.over = any(cell["diff"] > 0 for cell in cells)
            village.under = any(cell["diff"] < 0 for cell in cells)
            townships[village.township_id] = village.township
            grouped.setdefault(village.township_id, []).append(village)
    return [(townships[pk], rows) for pk, rows in grouped.items()]


def selection_waiting(user):
    """Return what waits on the home page: a reviewer's queue, county staff's open work."""
    if user.role == "vetting_reviewer":
        return {"reviews": scoping.vetting_reviews_decidable_by(user).count()}
    if scoping.may_run_selection(user):
        from django.db.models import IntegerField, Subquery, Value
        from django.db.models.functions import Coalesce

        from .models import User, VettingCase

        def count_of(queryset, group):
            rows = queryset.order_by().values(group).annotate(n=Count("pk")).values("n")
            return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))

        # One query for both counts: the home page keeps a fixed handful of queries.
        return (
            User.objects.filter(pk=user.pk)
            .annotate(
                cases_passed=count_of(
                    scoping.vetting_cases_visible_to(user).filter(status=VettingCase.Status.PASSED),
                    "status",
                ),
                removals=count_of(pending_removals(user), "kind"),
            )
            .values("cases_passed", "removals")
            .get()
        )
    return {}
