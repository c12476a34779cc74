"""Template tags that show a cadre's pay on pages of other apps."""

from django import template

from compensation import selectors

register = template.Library()


@register.inclusion_tag("compensation/includes/cadre_panel.html", takes_context=True)
def cadre_pay_panel(context, cadre):
    """Show a cadre's latest payslips to whoever may read them (one query)."""
    return {"payslips": selectors.cadre_payslips(context["request"].user, cadre)}
