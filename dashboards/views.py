"""Dashboards (POLICY §9): thin views over `selectors.dashboard`, page and xlsx alike."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from longshan import audit
from longshan.spreadsheets import XLSX_CONTENT_TYPE

from . import reports, rules, selectors


def _month_of(request, today):
    """Return the month the year and month selectors ask for (default: the month before)."""
    default = rules.default_month(today)
    try:
        year = int(request.GET.get("year") or default.year)
        number = int(request.GET.get("month") or (default.month if year == default.year else 12))
        month = datetime.date(year, number, 1)
    except (TypeError, ValueError):
        return default
    if month.year < selectors.FIRST_YEAR or month > today:
        return default
    return month


def _unit_or_404(request, pk=None, *, level=None):
    try:
        if level == selectors.TOWNSHIP:
            return selectors.township_unit(request.user, pk)
        if level == selectors.VILLAGE:
            return selectors.village_unit(request.user, pk)
        return selectors.home_unit(request.user)
    except selectors.NoDashboardError:
        raise Http404(_("No such page.")) from None


def _export_url(unit):
    if unit.level == selectors.VILLAGE:
        return reverse("dashboards:village_xlsx", args=[unit.village.pk])
    if unit.level == selectors.TOWNSHIP and unit.township is not None:
        return reverse("dashboards:township_xlsx", args=[unit.township.pk])
    return reverse("dashboards:county_xlsx")


def _render(request, unit):
    today = timezone.localdate()
    month = _month_of(request, today)
    context = selectors.dashboard(request.user, unit, month=month, today=today)
    page = Paginator(range(context["unit_count"]), selectors.UNITS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context.update(
        sections=selectors.sections_of_page(context, page),
        page=page,
        export_url=_export_url(unit),
        query=f"year={month.year}&month={month.month}",
        years=range(today.year, selectors.FIRST_YEAR - 1, -1),
        months=range(1, 13),
        up_url=_up_url(request.user, unit),
    )
    return render(request, "dashboards/dashboard.html", context)


def _up_url(user, unit):
    """Return the dashboard one level up, when the user may open it."""
    if unit.level == selectors.VILLAGE and user.role != "village_secretary":
        return reverse("dashboards:township", args=[unit.village.township_id])
    if unit.level == selectors.TOWNSHIP and user.role == "county_staff":
        return reverse("dashboards:county")
    return ""


def _xlsx(request, unit):
    today = timezone.localdate()
    month = _month_of(request, today)
    context = selectors.dashboard(request.user, unit, month=month, today=today)
    tables = selectors.tables_of(context)
    wanted = request.GET.get("table")
    if wanted:
        tables = [table for table in tables if table.key == wanted]
        if not tables:
            raise Http404(_("No such page."))
    content = reports.dashboard_xlsx(f"{unit.name} {month:%Y-%m}", tables)
    township_id = unit.township.pk if unit.township else None
    if unit.village is not None:
        township_id = unit.village.township_id
    audit.record_export(
        "dashboard",
        actor=request.user,
        file_format="xlsx",
        filters={**request.GET.dict(), "level": unit.level, "unit": unit.name},
        row_count=sum(len(table.rows) for table in tables),
        township_id=township_id,
    )
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    name = f"dashboard-{unit.level}-{month:%Y-%m}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def county_dashboard(request):
    """Show the user's own dashboard: the county by township, a township, or a village."""
    return _render(request, _unit_or_404(request))


@login_required
def county_dashboard_xlsx(request):
    return _xlsx(request, _unit_or_404(request))


@login_required
def township_dashboard(request, pk):
    return _render(request, _unit_or_404(request, pk, level=selectors.TOWNSHIP))


@login_required
def township_dashboard_xlsx(request, pk):
    return _xlsx(request, _unit_or_404(request, pk, level=selectors.TOWNSHIP))


@login_required
def village_dashboard(request, pk):
    return _render(request, _unit_or_404(request, pk, level=selectors.VILLAGE))


@login_required
def village_dashboard_xlsx(request, pk):
    return _xlsx(request, _unit_or_404(request, pk, level=selectors.VILLAGE))
