"""Template tags that show a cadre's performance on pages of other apps."""

from django import template

from performance import selectors

register = template.Library()


@register.inclusion_tag("performance/includes/cadre_panel.html", takes_context=True)
def cadre_performance_panel(context, cadre):
    """Show a cadre's recent settled months, annual grades and measures."""
    return selectors.cadre_performance_summary(context["request"].user, cadre)
