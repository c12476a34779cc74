import html
from decimal import Decimal

from django import template
from django.utils.safestring import mark_safe

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


def _text(value):
    """Return a value as escaped HTML text, as the template's autoescape writes it."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


@register.simple_tag
def table_rows(table, query):
    """Return the table's body rows, as the template would write them cell by cell.

    Written here because a province's dashboard has ten tables of 1,260 townships: some
    90,000 cells, which cost seconds as template nodes and format_html calls.
    """
    kinds = [column.kind for column in table.columns]
    query = _text(query)
    rows = []
    for row in table.rows:
        rank = ""
        if table.ranked:
            rank = "<td>" + _text("—" if row.rank is None else row.rank) + "</td>"
        label = _text(row.label)
        if row.url:
            label = f'<a href="{_text(row.url)}?{query}">{label}</a>'
        cells = "".join(
            f'<td class="text-end">{_text(cell(value, kind))}</td>'
            for value, kind in zip(row.values, kinds, strict=False)
        )
        rows.append(f'<tr>{rank}<th scope="row" class="fw-normal">{label}</th>{cells}</tr>')
    return mark_safe("\n".join(rows))  # noqa: S308 - every value above is escaped
