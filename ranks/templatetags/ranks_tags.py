"""Template tags that show a cadre's rank on pages of other apps."""

from django import template
from django.utils import timezone

from ranks import selectors

register = template.Library()


@register.inclusion_tag("ranks/includes/cadre_panel.html", takes_context=True)
def cadre_rank_panel(context, cadre):
    """Show a cadre's level and rank pay today, and every level held with dates and reasons."""
    return selectors.cadre_rank_summary(context["request"].user, cadre, today=timezone.localdate())
