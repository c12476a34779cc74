"""The training part of a cadre's page (POLICY §6): this year's days, secondments, education."""

from django import template
from django.utils import timezone

from longshan import scoping

from .. import selectors

register = template.Library()


@register.inclusion_tag("training/includes/cadre_training_card.html", takes_context=True)
def cadre_training(context, cadre):
    """Render this year's training days and the cadre's secondments and education entries.

    The caller has already checked that the user may see the cadre.
    """
    user = context["request"].user
    return {
        "cadre": cadre,
        "may_manage": scoping.may_manage_training(user),
        **selectors.cadre_training_record(cadre, years=[timezone.localdate().year]),
    }
