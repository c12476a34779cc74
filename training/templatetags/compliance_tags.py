"""The compliance page's summary rows (POLICY §6.1), written in Python."""

from django import template
from django.utils.safestring import mark_safe

from longshan.markup import escaped

register = template.Library()


@register.simple_tag
def summary_rows(summary, year, short_only):
    """Return the summary's body rows, as the template would write them cell by cell.

    Written here because a province's summary has 1,260 townships, whose template nodes
    cost more than the query that counts them. Whole numbers, as the template wrote them
    unlocalized.
    """
    show_all = "" if short_only else "&amp;show=all"
    rows = []
    for unit in summary["rows"]:
        name = escaped(unit["name"])
        if not summary["by_village"]:
            name = f'<a href="?year={year}&amp;township={unit["id"]}{show_all}">{name}</a>'
        short_class = " text-danger fw-semibold" if unit["short"] else ""
        rows.append(
            f'<tr data-unit="{unit["id"]}"><td>{name}</td>\n'
            f'      <td class="text-end">{unit["cadres"]}</td>'
            f'<td class="text-end">{unit["meeting"]}</td>'
            f'<td class="text-end{short_class}" data-testid="unit-short">{unit["short"]}</td>'
            f'<td class="text-end">{unit["percent"]}</td></tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - the names are escaped, the rest are ints
