"""Template tags that show a cadre's pay on pages of other apps."""

from django import template
from django.template.defaultfilters import date
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

from compensation import selectors
from longshan.markup import escaped

register = template.Library()


@register.inclusion_tag("compensation/includes/cadre_panel.html", takes_context=True)
def cadre_pay_panel(context, cadre):
    """Show a cadre's latest payslips to whoever may read them (one query)."""
    return {"payslips": selectors.cadre_payslips(context["request"].user, cadre)}


@register.simple_tag(takes_context=True)
def township_subtotal_rows(context, payroll, subtotals):
    """Return the rows of the payroll page's township table, as its template wrote them.

    Written here because a province has 1,260 townships: as template nodes, fifteen to a
    row, their rows took most of the page's time.
    """
    files = [
        (escaped(reverse(f"compensation:{name}", args=[payroll.pk])), label, extra)
        for name, label, extra in [
            ("payroll_pdf", "PDF", ' data-testid="township-pdf"'),
            ("payroll_xlsx", "xlsx", ""),
            ("payroll_bank_csv", "CSV", ""),
        ]
    ]
    # Outside the f-strings, where makemessages finds them.
    reviewed, mark_reviewed = escaped(_("Reviewed")), escaped(_("Mark reviewed"))
    rows = []
    for row in subtotals:
        township = row["township"]
        review = row["review"]
        if review:
            review_cell = (
                f'<span data-testid="reviewed">{reviewed} · '
                f"{escaped(review.reviewed_by.username)} · "
                f"{escaped(date(template_localtime(review.reviewed_at), 'Y-m-d'))}</span>"
            )
        elif row["may_review"]:
            action = reverse("compensation:payroll_review", args=[payroll.pk, township.pk])
            review_cell = (
                f'<form method="post" action="{escaped(action)}">'
                f"{CsrfTokenNode().render(context)}"
                '<button class="btn btn-primary btn-sm" data-testid="review-township">'
                f"{mark_reviewed}</button></form>"
            )
        else:
            review_cell = "—"
        links = " · ".join(
            f'<a href="{url}?township={township.pk}"{extra}>{label}</a>'
            for url, label, extra in files
        )
        rows.append(
            f'<tr data-testid="township-{escaped(township.code)}"><td>{escaped(township.name)}'
            f'</td><td class="text-end">{row["cadres"]}</td>'
            f'<td class="text-end">{row["gross"]}</td>'
            f'<td class="text-end">{row["deductions"]}</td>'
            f'<td class="text-end" data-testid="township-net">{row["net"]}</td>\n'
            f'    <td>{review_cell}</td>\n    <td class="text-nowrap">{links}</td></tr>'
        )
    return mark_safe("\n  ".join(rows))  # every value in the rows is escaped above
