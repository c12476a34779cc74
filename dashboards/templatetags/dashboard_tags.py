from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def cell(value, kind):
    """Return a table figure as the page shows it: the xlsx holds the same number."""
    if value is None:
        return "—"
    if kind == "percent":
        return f"{Decimal(value) * 100:.1f}%"
    if kind == "money":
        return f"{Decimal(value):,.2f}"
    if kind == "score":
        return f"{Decimal(value):.2f}"
    return value


@register.filter
def with_kinds(values, columns):
    """Return (value, kind) pairs of a row's values and the table's columns."""
    return [(value, column.kind) for value, column in zip(values, columns, strict=False)]
