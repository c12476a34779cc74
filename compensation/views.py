"""Pages of pay and benefits: check scope, call a selector or a service, render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cadres.models import Role
from longshan import audit, rulebook, scoping
from longshan.forms import add_service_errors
from longshan.spreadsheets import XLSX_CONTENT_TYPE
from performance.forms import default_month

from . import reports, rules, selectors, services
from .forms import (
    AdjustmentForm,
    BenefitForm,
    CollectiveShareForm,
    FirstClassForm,
    MonthForm,
    PayStandardForm,
    RewardForm,
)
from .models import PayrollDocument, PayrollLine, PayrollMonth


def _require(condition):
    if not condition:
        raise Http404


def _error_text(error):
    return " ".join(str(message) for message in getattr(error, "messages", [str(error)]))


def _page(request, queryset):
    return Paginator(queryset, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))


def _payroll(request, pk):
    _require(scoping.may_see_payroll(request.user))
    return scoping.get_in_scope_or_404(PayrollMonth.objects.all(), pk=pk)


def _township_of(request):
    """Return the township asked for (?township=), in the user's scope, or None."""
    value = request.GET.get("township", "")
    if not value:
        return None
    return scoping.get_in_scope_or_404(scoping.townships_visible_to(request.user), pk=value)


# ---------------------------------------------------------------- payroll months (§8.2)


@login_required
def payroll_list(request):
    user = request.user
    _require(scoping.may_see_payroll(user))
    return render(
        request,
        "compensation/payroll_list.html",
        {
            "payrolls": selectors.payroll_months()[:24],
            "may_run": scoping.may_run_payroll(user),
            "default_month": default_month(timezone.localdate()).strftime("%Y-%m"),
        },
    )


@login_required
@require_POST
def payroll_run(request):
    user = request.user
    _require(scoping.may_run_payroll(user))
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the month as YYYY-MM."))
        return redirect("compensation:payroll_list")
    try:
        payroll = services.payroll_run(form.cleaned_data["month"], actor=user, now=timezone.now())
    except rules.PayError as error:
        messages.error(request, _error_text(error))
        return redirect("compensation:payroll_list")
    messages.success(request, _("The payroll has been computed."))
    return redirect("compensation:payroll_detail", pk=payroll.pk)


@login_required
def payroll_detail(request, pk):
    user = request.user
    payroll = _payroll(request, pk)
    township = _township_of(request)
    subtotals = selectors.township_subtotals(user, payroll)
    reviewing = set(scoping.townships_reviewing_payroll_for(user).values_list("pk", flat=True))
    for row in subtotals:
        row["may_review"] = (
            row["township_id"] in reviewing
            and row["review"] is None
            and payroll.status == PayrollMonth.Status.COMPUTED
        )
    entries = selectors.payroll_entries(
        user, payroll, township_id=township.pk if township else None
    )
    return render(
        request,
        "compensation/payroll_detail.html",
        {
            "payroll": payroll,
            "subtotals": subtotals,
            "page": _page(request, selectors.payroll_entries_page(entries, subtotals, township)),
            "township": township,
            "query": f"township={township.pk}" if township else "",
            "may_run": scoping.may_run_payroll(user),
            "documents": payroll.documents.filter(created_by=user)[:5]
            if scoping.may_run_payroll(user)
            else [],
        },
    )


@login_required
@require_POST
def payroll_review(request, pk, township_pk):
    user = request.user
    payroll = _payroll(request, pk)
    township = scoping.get_in_scope_or_404(
        scoping.townships_reviewing_payroll_for(user), pk=township_pk
    )
    try:
        services.payroll_review(payroll, township, actor=user, now=timezone.now())
    except rules.PayError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Your township's part is reviewed."))
    return redirect("compensation:payroll_detail", pk=pk)


def _county_move(request, pk, service, done):
    user = request.user
    _require(scoping.may_run_payroll(user))
    payroll = _payroll(request, pk)
    try:
        service(payroll, actor=user, now=timezone.now())
    except rules.PayError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, done)
    return redirect("compensation:payroll_detail", pk=pk)


@login_required
@require_POST
def payroll_approve(request, pk):
    return _county_move(request, pk, services.payroll_approve, _("The payroll is approved."))


@login_required
@require_POST
def payroll_lock(request, pk):
    return _county_move(request, pk, services.payroll_lock, _("The payroll is locked."))


# ---------------------------------------------------------------- exports (§8.2, §9.2)


def _sheet(request, pk, *, township_required=False):
    user = request.user
    payroll = _payroll(request, pk)
    township = _township_of(request)
    if township is None and user.role != Role.COUNTY_STAFF:
        townships = list(scoping.townships_visible_to(user)[:2])
        _require(len(townships) == 1)
        township = townships[0]
    _require(township is not None or not township_required)
    entries = selectors.payroll_entries(
        user, payroll, township_id=township.pk if township else None
    )
    return payroll, township, selectors.sheet_context(payroll, entries=entries, township=township)


def _record(request, kind, file_format, context):
    township = context["township"]
    audit.record_export(
        kind,
        actor=request.user,
        file_format=file_format,
        filters={"month": context["payroll"].month.strftime("%Y-%m"), **request.GET.dict()},
        row_count=context["cadres"],
        township_id=township.pk if township else None,
    )


@login_required
def payroll_pdf(request, pk):
    """A township's payroll as PDF, rendered at once (a few dozen to two hundred rows);
    the county's goes through a background document."""
    _payroll_obj, _township, context = _sheet(request, pk, township_required=True)
    content = reports.payroll_pdf(context)
    _record(request, "payroll", "pdf", context)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{reports.filename(context, "pdf")}"'
    return response


@login_required
def payroll_xlsx(request, pk):
    _payroll_obj, _township, context = _sheet(request, pk)
    content = reports.payroll_xlsx(context)
    _record(request, "payroll", "xlsx", context)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{reports.filename(context, "xlsx")}"'
    return response


@login_required
def payroll_bank_csv(request, pk):
    _payroll_obj, _township, context = _sheet(request, pk)
    content = reports.bank_transfer_csv(context)
    _record(request, "payroll_bank_transfer", "csv", context)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    name = reports.filename(context, "csv").replace("payroll-", "bank-transfer-")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def document_start(request, pk):
    user = request.user
    _require(scoping.may_run_payroll(user))
    payroll = _payroll(request, pk)
    try:
        document = services.payroll_document_start(payroll, actor=user)
    except PermissionDenied:
        raise Http404 from None
    return redirect("compensation:document_detail", pk=document.pk)


def _document(request, pk):
    _require(scoping.may_run_payroll(request.user))
    return scoping.get_in_scope_or_404(
        PayrollDocument.objects.filter(created_by=request.user).select_related("payroll"), pk=pk
    )


@login_required
def document_detail(request, pk):
    document = _document(request, pk)
    template = (
        "compensation/includes/document_status.html"
        if request.htmx
        else "compensation/document_detail.html"
    )
    return render(request, template, {"document": document})


@login_required
def document_download(request, pk):
    document = _document(request, pk)
    _require(document.status == PayrollDocument.Status.DONE and document.file)
    audit.record_export(
        "payroll",
        actor=request.user,
        file_format="pdf",
        filters={"month": document.payroll.month.strftime("%Y-%m"), "document": document.pk},
        row_count=document.payroll.cadre_count,
    )
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=f"payroll-county-{document.payroll.month:%Y-%m}.pdf",
        content_type="application/pdf",
    )


# ---------------------------------------------------------------- payslips (§8.2)


@login_required
def payslip_list(request):
    user = request.user
    entries = (
        scoping.payslips_visible_to(user)
        .select_related("cadre", "village", "payroll")
        .order_by("-month", "township__code", "village__code", "post", "cadre_id")
    )
    _require(user.role != Role.PUBLIC_SECURITY and user.role != Role.VETTING_REVIEWER)
    return render(request, "compensation/payslip_list.html", {"page": _page(request, entries)})


@login_required
def payslip_detail(request, pk):
    entry = scoping.get_in_scope_or_404(
        scoping.payslips_visible_to(request.user).select_related(
            "cadre", "village__township", "payroll"
        ),
        pk=pk,
    )
    lines = PayrollLine.objects.filter(entry=entry).order_by("position")
    return render(request, "compensation/payslip_detail.html", {"entry": entry, "lines": lines})


# ---------------------------------------------------------------- standards, rewards, benefits


def _manage_page(request, *, form_class, form_kwargs, save, rows, template, extra=None):
    user = request.user
    _require(scoping.may_see_payroll(user))
    may_manage = scoping.may_manage_pay(user)
    form = None
    if may_manage:
        form = form_class(request.POST or None, **form_kwargs)
        if request.method == "POST" and form.is_valid():
            try:
                save(form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(request.path)
    elif request.method == "POST":
        raise Http404
    context = {"form": form, "page": _page(request, rows), "may_manage": may_manage}
    context.update(extra or {})
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def standard_list(request):
    user = request.user

    def save(data):
        services.pay_standard_set(
            data["cadre"],
            actor=user,
            annual_amount=data["annual_amount"],
            effective_from=data["effective_from"],
            reason=data["reason"],
        )

    return _manage_page(
        request,
        form_class=PayStandardForm,
        form_kwargs={"cadres": scoping.cadres_visible_to(user).filter(is_full_time=True)},
        save=save,
        rows=selectors.pay_standards(user),
        template="compensation/standard_list.html",
        extra={"post_standards": selectors.post_standards(timezone.localdate())},
    )


@login_required
@require_http_methods(["GET", "POST"])
def reward_list(request):
    user = request.user

    def save(data):
        services.reward_grant(
            data["village"],
            actor=user,
            kind=data["kind"],
            level=data["level"],
            year=data["year"],
            title=data["title"],
            pay_month=data["pay_month"],
        )

    return _manage_page(
        request,
        form_class=RewardForm,
        form_kwargs={"villages": scoping.villages_visible_to(user)},
        save=save,
        rows=selectors.rewards(user),
        template="compensation/reward_list.html",
        extra={"first_class_form": FirstClassForm() if scoping.may_manage_pay(user) else None},
    )


@login_required
@require_POST
def first_class_rate(request):
    user = request.user
    _require(scoping.may_manage_pay(user))
    form = FirstClassForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the year and the payroll month."))
        return redirect("compensation:reward_list")
    try:
        count = services.first_class_teams_rate(
            form.cleaned_data["year"], actor=user, pay_month=form.cleaned_data["pay_month"]
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("%(count)s teams rated first-class.") % {"count": count})
    return redirect("compensation:reward_list")


@login_required
@require_http_methods(["GET", "POST"])
def benefit_list(request):
    user = request.user

    def save(data):
        services.benefit_record(
            data["cadre"],
            actor=user,
            kind=data["kind"],
            on=data["on"],
            pay_month=data["pay_month"],
            note=data["note"],
        )

    return _manage_page(
        request,
        form_class=BenefitForm,
        form_kwargs={"cadres": scoping.cadres_visible_to(user)},
        save=save,
        rows=selectors.benefits(user),
        template="compensation/benefit_list.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def collective_share_list(request):
    """The village collective-economy shares paid with payrolls (§8.6): county staff record."""
    user = request.user

    def save(data):
        services.collective_share_record(
            data["cadre"],
            actor=user,
            pay_month=data["pay_month"],
            amount=data["amount"],
            reason=data["reason"],
        )

    return _manage_page(
        request,
        form_class=CollectiveShareForm,
        form_kwargs={"cadres": scoping.cadres_visible_to(user)},
        save=save,
        rows=selectors.collective_shares(user),
        template="compensation/collective_share_list.html",
        extra={"paid": rulebook.rule_value(rulebook.PAY_COLLECTIVE_SHARE_ON, timezone.localdate())},
    )


@login_required
@require_http_methods(["GET", "POST"])
def adjustment_list(request):
    user = request.user

    def save(data):
        services.adjustment_add(
            data["cadre"],
            actor=user,
            pay_month=data["pay_month"],
            refers_to_month=data["refers_to_month"],
            amount=data["amount"],
            reason=data["reason"],
        )

    return _manage_page(
        request,
        form_class=AdjustmentForm,
        form_kwargs={"cadres": scoping.cadres_visible_to(user)},
        save=save,
        rows=selectors.adjustments(user),
        template="compensation/adjustment_list.html",
    )
