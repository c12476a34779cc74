"""Pages of fine-grained management: check scope, call a selector or a service, render."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cadres.models import Cadre, CadreStatus, Role
from longshan import scoping
from longshan.forms import add_service_errors

from . import rules, selectors, services
from .forms import (
    DispatchOrderForm,
    EvaluationForm,
    GradeConfirmForm,
    MeasureForm,
    ReasonForm,
    ReportForm,
    ScoreForm,
    SettlementRunForm,
    YearForm,
    default_month,
)
from .models import AnnualGrade, Grade, MeasureKind, SettlementMonth

DISPATCH_ROLES = {Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL, Role.VILLAGE_SECRETARY}
ASSESSMENT_ROLES = {Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL, Role.VILLAGE_SECRETARY}


def _error_text(error):
    return " ".join(str(message) for message in getattr(error, "messages", [str(error)]))


def _page(request, queryset):
    return Paginator(queryset, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))


def _require(condition):
    if not condition:
        raise Http404


# ---------------------------------------------------------------- dispatch orders (§5.1)


@login_required
def dispatch_home(request):
    """The "Dispatch orders" menu entry: a township's orders, or a village's to report."""
    user = request.user
    _require(user.role in DISPATCH_ROLES)
    today = timezone.localdate()
    month_form = SettlementRunForm(request.GET or None)
    month = month_form.cleaned_data["month"] if month_form.is_valid() else None
    state = request.GET.get("state", "")
    if user.role == Role.VILLAGE_SECRETARY:
        rows = selectors.assignment_rows(user, today=today, state=state, month=month)
        return render(
            request,
            "performance/village_orders.html",
            {
                "page": _page(request, rows),
                "state": state,
                "state_query": f"state={state}" if state in selectors.STATES else "",
                "today": today,
            },
        )
    page = _page(request, selectors.order_rows(user, month=month))
    page.object_list = selectors.with_assignment_counts(user, page.object_list, today=today)
    return render(
        request,
        "performance/order_list.html",
        {
            "page": page,
            "may_create": scoping.townships_dispatching_for(user).exists(),
            "month": month,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def order_create(request):
    """Dispatch an order for a month to villages or named cadres of the township."""
    user = request.user
    townships = list(scoping.townships_dispatching_for(user).order_by("code"))
    _require(townships)
    township = townships[0]
    if len(townships) > 1 and request.GET.get("township", "").isdigit():
        township = scoping.get_in_scope_or_404(
            scoping.townships_dispatching_for(user), pk=int(request.GET["township"])
        )
    villages = selectors.dispatchable_villages(user, township)
    cadres = (
        Cadre.objects.filter(village__township=township, status=CadreStatus.ACTIVE)
        .select_related("village")
        .order_by("village__code", "post", "name_pinyin")
    )
    today = timezone.localdate()
    form = DispatchOrderForm(
        request.POST or None,
        villages=villages,
        cadres=cadres,
        initial={"month": today.strftime("%Y-%m")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = services.dispatch_order_create(
                actor=user,
                township=township,
                month=data["month"],
                title=data["title"],
                content=data["content"],
                weight=data["weight"],
                deadline=data["deadline"],
                villages=list(data["villages"]),
                named_cadres=list(data["named_cadres"]),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The order has been dispatched."))
            return redirect("performance:order_detail", pk=order.pk)
    return render(
        request,
        "performance/order_form.html",
        {"form": form, "township": township, "townships": townships},
    )


@login_required
def order_detail(request, pk):
    user = request.user
    order = scoping.get_in_scope_or_404(
        scoping.dispatch_orders_visible_to(user).select_related("township", "created_by"), pk=pk
    )
    today = timezone.localdate()
    return render(
        request,
        "performance/order_detail.html",
        {
            "order": order,
            "assignments": selectors.order_assignments(user, order),
            "today": today,
            "month_locked": order.month in selectors.locked_months([order.month]),
        },
    )


def _assignment_context(request, assignment, *, report_form=None, score_form=None):
    user = request.user
    today = timezone.localdate()
    may_report = (
        assignment.status != rules.SCORED
        and scoping.dispatch_assignments_reportable_by(user).filter(pk=assignment.pk).exists()
    )
    may_score = (
        assignment.status != rules.OPEN
        and assignment.on_time
        and scoping.dispatch_assignments_scorable_by(user).filter(pk=assignment.pk).exists()
    )
    locked = assignment.order.month in selectors.locked_months([assignment.order.month])
    return {
        "assignment": assignment,
        "order": assignment.order,
        "named": list(assignment.named_cadres.order_by("post")),
        "late": rules.is_late(
            status=assignment.status, deadline=assignment.order.deadline, today=today
        )
        or assignment.on_time is False,
        "locked": locked,
        "may_report": may_report and not locked,
        "may_score": may_score and not locked,
        "report_form": report_form or ReportForm(initial={"report_text": assignment.report_text}),
        "score_form": score_form
        or ScoreForm(initial={"score": assignment.score, "comment": assignment.score_comment}),
    }


@login_required
def assignment_detail(request, pk):
    assignment = selectors.dispatch_assignment_for(request.user, pk)
    return render(
        request,
        "performance/assignment_detail.html",
        _assignment_context(request, assignment),
    )


@login_required
@require_POST
def assignment_report(request, pk):
    assignment = selectors.dispatch_assignment_for(request.user, pk)
    form = ReportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.dispatch_report(
                assignment,
                actor=request.user,
                text=form.cleaned_data["report_text"],
                attachment=form.cleaned_data["attachment"],
                now=timezone.now(),
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The report has been sent to the township."))
            return redirect("performance:assignment_detail", pk=assignment.pk)
    return render(
        request,
        "performance/assignment_detail.html",
        _assignment_context(request, assignment, report_form=form),
        status=200,
    )


@login_required
@require_POST
def assignment_score(request, pk):
    assignment = selectors.dispatch_assignment_for(request.user, pk)
    form = ScoreForm(request.POST)
    if form.is_valid():
        try:
            services.dispatch_score(
                assignment,
                actor=request.user,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
                now=timezone.now(),
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The score has been saved."))
            return redirect("performance:order_detail", pk=assignment.order_id)
    return render(
        request,
        "performance/assignment_detail.html",
        _assignment_context(request, assignment, score_form=form),
    )


@login_required
def assignment_attachment(request, pk):
    """Download a report's attachment, through scope (never a public media URL)."""
    assignment = selectors.dispatch_assignment_for(request.user, pk)
    _require(assignment.attachment)
    return FileResponse(
        assignment.attachment.open("rb"),
        as_attachment=True,
        filename=assignment.attachment_name or "attachment",
    )


# ---------------------------------------------------------------- evaluation (§5.2)


@login_required
def evaluation_list(request):
    user = request.user
    _require(user.role in ASSESSMENT_ROLES)
    year = YearForm.year_of(request.GET, timezone.localdate().year - 1)
    villages = selectors.evaluation_villages(user, year=year)
    return render(
        request,
        "performance/evaluation_list.html",
        {
            "year": year,
            "year_text": str(year),
            "villages": _page(request, villages) if villages.exists() else None,
            "rows": selectors.evaluation_rows(user, year=year)
            if user.role == Role.VILLAGE_SECRETARY
            else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_record(request, pk):
    user = request.user
    village = scoping.get_in_scope_or_404(
        scoping.villages_evaluable_by(user).select_related("township"), pk=pk
    )
    year = YearForm.year_of(request.GET, timezone.localdate().year - 1)
    sheet = selectors.evaluation_sheet(village, year=year)
    form = EvaluationForm(request.POST or None, sheet=sheet)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_record(village, actor=user, year=year, votes=form.votes())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The evaluation has been recorded."))
            return redirect(f"{request.path}?year={year}")
    return render(
        request,
        "performance/evaluation_form.html",
        {"village": village, "year": year, "form": form},
    )


# ---------------------------------------------------------------- measures (§5.3)


@login_required
def measure_list(request):
    user = request.user
    _require(scoping.may_see_settlements(user))
    kind = request.GET.get("kind", "")
    kind = kind if kind in MeasureKind.values else ""
    return render(
        request,
        "performance/measure_list.html",
        {
            "page": _page(request, selectors.measure_rows(user, kind=kind)),
            "kind": kind,
            "kinds": MeasureKind.choices,
            "may_create": scoping.cadres_measurable_by(user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def measure_create(request):
    user = request.user
    cadres = scoping.cadres_measurable_by(user)
    _require(user.role in (Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL) and cadres.exists())
    kinds = (
        MeasureKind.values if user.role == Role.COUNTY_STAFF else list(scoping.TOWNSHIP_MEASURES)
    )
    cadres = cadres.filter(status__in=selectors.SITTING).select_related("village")
    cadres = cadres.order_by("village__code", "post", "name_pinyin")
    initial = {"decided_on": timezone.localdate()}
    if request.GET.get("cadre", "").isdigit():
        initial["cadre"] = int(request.GET["cadre"])
    form = MeasureForm(request.POST or None, cadres=cadres, kinds=kinds, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            measure = services.measure_record(
                actor=user,
                cadre=data["cadre"],
                kind=data["kind"],
                decided_on=data["decided_on"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                authority=data["authority"],
                reason=data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The measure has been recorded."))
            return redirect("performance:measure_detail", pk=measure.pk)
    return render(request, "performance/measure_form.html", {"form": form})


@login_required
def measure_detail(request, pk):
    user = request.user
    measure = scoping.get_in_scope_or_404(
        scoping.measures_visible_to(user).select_related(
            "cadre__village__township", "decided_by", "withdrawn_by"
        ),
        pk=pk,
    )
    return render(
        request,
        "performance/measure_detail.html",
        {
            "measure": measure,
            "may_withdraw": scoping.measures_withdrawable_by(user).filter(pk=pk).exists(),
            "withdraw_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def measure_withdraw(request, pk):
    user = request.user
    measure = scoping.get_in_scope_or_404(scoping.measures_withdrawable_by(user), pk=pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        services.measure_withdraw(
            measure, actor=user, reason=form.cleaned_data["reason"], now=timezone.now()
        )
        messages.success(request, _("The measure has been withdrawn."))
    else:
        messages.error(request, _("Give the reason for the withdrawal."))
    return redirect("performance:measure_detail", pk=pk)


# ---------------------------------------------------------------- settlement (§5.1)


@login_required
def settlement_list(request):
    user = request.user
    _require(scoping.may_see_settlements(user))
    return render(
        request,
        "performance/settlement_list.html",
        {
            "months": selectors.settlement_months()[:24],
            "may_run": scoping.may_run_settlement(user),
            "default_month": default_month(timezone.localdate()).strftime("%Y-%m"),
        },
    )


@login_required
@require_POST
def settlement_run(request):
    user = request.user
    _require(scoping.may_run_settlement(user))
    form = SettlementRunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the month as YYYY-MM."))
        return redirect("performance:settlement_list")
    try:
        period = services.settlement_run(
            form.cleaned_data["month"], actor=user, now=timezone.now(), split=False
        )
    except rules.PerformanceError as error:
        messages.error(request, _error_text(error))
        return redirect("performance:settlement_list")
    messages.success(request, _("The month has been settled."))
    return redirect("performance:settlement_detail", pk=period.pk)


@login_required
def settlement_detail(request, pk):
    user = request.user
    _require(scoping.may_see_settlements(user))
    period = scoping.get_in_scope_or_404(SettlementMonth.objects.all(), pk=pk)
    township_id = request.GET.get("township", "")
    township_id = int(township_id) if township_id.isdigit() else None
    rows = selectors.settlement_rows(user, period, township_id=township_id)
    return render(
        request,
        "performance/settlement_detail.html",
        {
            "period": period,
            "page": _page(request, rows),
            "may_run": scoping.may_run_settlement(user),
            "townships": scoping.townships_visible_to(user).order_by("code")
            if user.role in (Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL)
            else [],
            "township_id": township_id,
        },
    )


@login_required
@require_POST
def settlement_lock(request, pk):
    user = request.user
    _require(scoping.may_run_settlement(user))
    period = scoping.get_in_scope_or_404(SettlementMonth.objects.all(), pk=pk)
    try:
        services.settlement_lock(period, actor=user, now=timezone.now())
    except rules.PerformanceError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The month is locked."))
    return redirect("performance:settlement_detail", pk=pk)


# ---------------------------------------------------------------- annual grades (§5.2)


@login_required
def grade_list(request):
    user = request.user
    _require(scoping.may_see_settlements(user))
    year = YearForm.year_of(request.GET, timezone.localdate().year - 1)
    status = request.GET.get("status", "")
    status = status if status in AnnualGrade.Status.values else ""
    grade = request.GET.get("grade", "")
    grade = grade if grade in Grade.values else ""
    by_grade, by_status = selectors.grade_summary(user, year=year)
    return render(
        request,
        "performance/grade_list.html",
        {
            "year": year,
            "page": _page(
                request, selectors.grade_rows(user, year=year, status=status, grade=grade)
            ),
            "status": status,
            "grade": grade,
            "grades": Grade.choices,
            "by_grade": [(value, label, by_grade.get(value, 0)) for value, label in Grade.choices],
            "by_status": by_status,
            "may_confirm": scoping.may_confirm_grades(user),
            "query": urlencode({"year": year, "status": status, "grade": grade}),
        },
    )


@login_required
@require_POST
def grades_propose(request):
    user = request.user
    _require(scoping.may_confirm_grades(user))
    form = YearForm(request.POST)
    _require(form.is_valid() and form.cleaned_data["year"])
    year = form.cleaned_data["year"]
    count = services.grades_propose(year, actor=user, now=timezone.now())
    messages.success(request, _("%(count)s grades proposed.") % {"count": count})
    return redirect(f"{reverse('performance:grade_list')}?year={year}")


@login_required
@require_POST
def grades_confirm_all(request):
    user = request.user
    _require(scoping.may_confirm_grades(user))
    form = YearForm(request.POST)
    _require(form.is_valid() and form.cleaned_data["year"])
    year = form.cleaned_data["year"]
    count = services.grades_confirm_as_proposed(year, actor=user, now=timezone.now())
    messages.success(request, _("%(count)s grades confirmed.") % {"count": count})
    return redirect(f"{reverse('performance:grade_list')}?year={year}")


@login_required
@require_http_methods(["GET", "POST"])
def grade_detail(request, pk):
    user = request.user
    grade = scoping.get_in_scope_or_404(
        scoping.annual_grades_visible_to(user).select_related(
            "cadre__village", "township", "confirmed_by"
        ),
        pk=pk,
    )
    may_confirm = scoping.may_confirm_grades(user) and grade.status == AnnualGrade.Status.PROPOSED
    form = GradeConfirmForm(request.POST or None, initial={"grade": grade.proposed_grade})
    if request.method == "POST":
        _require(may_confirm)
        if form.is_valid():
            try:
                services.grade_confirm(
                    grade,
                    actor=user,
                    final_grade=form.cleaned_data["grade"],
                    reason=form.cleaned_data["reason"],
                    now=timezone.now(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The grade is confirmed."))
                return redirect("performance:grade_detail", pk=pk)
    return render(
        request,
        "performance/grade_detail.html",
        {"grade": grade, "form": form, "may_confirm": may_confirm},
    )
