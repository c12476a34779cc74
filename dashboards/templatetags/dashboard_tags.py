from decimal import Decimal

from django import template
from django.utils.safestring import mark_safe

from longshan.markup import escaped

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


@register.simple_tag
def table_rows(table, query):
    """Return the table's body rows, as the template would write them cell by cell.

    Written here because a province's dashboard has ten tables of 1,260 townships: some
    90,000 cells, which cost seconds as template nodes and format_html calls.
    """
    kinds = [column.kind for column in table.columns]
    query = escaped(query)
    rows = []
    for row in table.rows:
        rank = ""
        if table.ranked:
            rank = "<td>" + escaped("—" if row.rank is None else row.rank) + "</td>"
        label = escaped(row.label)
        if row.url:
            label = f'<a href="{escaped(row.url)}?{query}">{label}</a>'
        cells = "".join(
            f'<td class="text-end">{escaped(cell(value, kind))}</td>'
            for value, kind in zip(row.values, kinds, strict=False)
        )
        rows.append(f'<tr>{rank}<th scope="row" class="fw-normal">{label}</th>{cells}</tr>')
    return mark_safe("\n".join(rows))  # noqa: S308 - every value above is escaped
