"""Template tags that show a cadre's duty discipline on pages of other apps."""

from django import template

from attendance import selectors

register = template.Library()


@register.inclusion_tag("attendance/includes/cadre_panel.html", takes_context=True)
def cadre_attendance_panel(context, cadre):
    """Show a cadre's violations of the year and any removal waiting for the county."""
    from django.utils import timezone

    user = context["request"].user
    summary = selectors.cadre_attendance_summary(user, cadre, year=timezone.localdate().year)
    return summary
