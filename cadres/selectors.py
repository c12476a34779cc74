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
        ]
    )
    quota = rules.headcount_quota(
        population=village.population,
        extra_police_from_population=book.value(rulebook.QUOTA_EXTRA_POLICE_POPULATION, on),
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
