"""Pages of full-time duty: check scope, call a selector or a service, render."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cadres.models import Cadre, CadreStatus, Role
from longshan import audit, rulebook, scoping
from longshan.forms import add_service_errors

from . import reports, rules, selectors, services
from .forms import (
    CalendarOverrideForm,
    CalendarYearForm,
    DayForm,
    DutyCorrectionForm,
    DutySpanForm,
    InspectionForm,
    LeaveDecisionForm,
    LeaveRequestForm,
    LeaveReturnForm,
    RosterDayForm,
    WithdrawForm,
    month_of,
)
from .models import CalendarOverride, LeaveStatus

ROSTER_WEEKS = 6


def _error_text(error):
    return " ".join(str(message) for message in getattr(error, "messages", [str(error)]))


# ---------------------------------------------------------------- duty (§4.1)


@login_required
def duty_home(request):
    """The "Duty" menu entry: the secretary's day sheet, a cadre's own duty, or the overview."""
    user = request.user
    if user.role == Role.VILLAGE_SECRETARY and user.cadre_id:
        return village_duty(request, user.cadre.village_id)
    if user.role == Role.VILLAGE_CADRE:
        return my_duty(request)
    if scoping.may_see_duty_overview(user):
        return duty_overview(request)
    raise Http404


def _sheet_context(request, village, day):
    user = request.user
    today = timezone.localdate()
    may_record = scoping.cadres_on_duty_sheet_of(user).filter(village=village).exists()
    return {
        "village": village,
        "day": day,
        "today": today,
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1) if day < today else None,
        "may_record": may_record,
        "is_today": day == today,
        "may_correct": scoping.duty_logs_correctable_by(user)
        .filter(cadre__village=village)
        .exists()
        if user.role != Role.VILLAGE_CADRE
        else False,
        **selectors.village_duty_sheet(user, village, day),
    }


@login_required
def village_duty(request, pk):
    """A village's duty sheet of a day; the village secretary records it here (phone-first)."""
    village = scoping.get_in_scope_or_404(
        scoping.villages_with_duty_visible_to(request.user).select_related("township"), pk=pk
    )
    day = DayForm.day(request.GET, timezone.localdate())
    return render(request, "attendance/village_duty.html", _sheet_context(request, village, day))


def _duty_row_response(request, cadre, day, error=None):
    """Answer a duty write: the cadre's row for htmx, else back to the day sheet."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        url = reverse("attendance:village_duty", args=[cadre.village_id])
        return redirect(f"{url}?date={day.isoformat()}")
    context = _sheet_context(request, cadre.village, day)
    row = next(row for row in context["rows"] if row.cadre.pk == cadre.pk)
    return render(
        request, "attendance/includes/duty_row.html", {**context, "row": row, "error": error}
    )


def _recordable_cadre(request, pk):
    cadre = scoping.get_in_scope_or_404(
        scoping.cadres_visible_to(request.user).select_related("village__township"), pk=pk
    )
    return cadre


@login_required
@require_POST
def duty_sign_in(request, pk):
    """Sign a cadre in now."""
    cadre = _recordable_cadre(request, pk)
    now = timezone.localtime()
    error = None
    try:
        services.duty_log_create(
            cadre, actor=request.user, day=now.date(), time_in=now.time(), now=now
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        error = _error_text(exc)
    if request.POST.get("next") == "me":
        if error:
            messages.error(request, error)
        return redirect("attendance:my_duty")
    return _duty_row_response(request, cadre, now.date(), error)


@login_required
@require_POST
def duty_span_add(request, pk):
    """Record a span with its times, for today or an earlier day (the secretary)."""
    cadre = _recordable_cadre(request, pk)
    now = timezone.localtime()
    day = DayForm.day(request.POST, now.date())
    form = DutySpanForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.duty_log_create(
                cadre,
                actor=request.user,
                day=day,
                time_in=form.cleaned_data["time_in"],
                time_out=form.cleaned_data["time_out"],
                now=now,
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            error = _error_text(exc)
    else:
        error = _("Enter the times as HH:MM.")
    return _duty_row_response(request, cadre, day, error)


@login_required
@require_POST
def duty_sign_out(request, pk):
    """Sign a cadre out now (or at the time given)."""
    log = scoping.get_in_scope_or_404(
        scoping.duty_logs_visible_to(request.user).select_related("cadre__village__township"),
        pk=pk,
    )
    now = timezone.localtime()
    form = DutySpanForm({"time_in": "00:00", "time_out": request.POST.get("time_out", "")})
    time_out = (form.is_valid() and form.cleaned_data["time_out"]) or now.time()
    error = None
    try:
        services.duty_log_sign_out(log, actor=request.user, time_out=time_out, now=now)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        error = _error_text(exc)
    if request.POST.get("next") == "me":
        if error:
            messages.error(request, error)
        return redirect("attendance:my_duty")
    return _duty_row_response(request, log.cadre, log.date, error)


@login_required
@require_http_methods(["GET", "POST"])
def duty_log_correct(request, pk):
    """Correct a duty log entry with a reason; the old values are kept."""
    log = scoping.get_in_scope_or_404(
        scoping.duty_logs_correctable_by(request.user).select_related("cadre__village__township"),
        pk=pk,
    )
    form = DutyCorrectionForm(
        request.POST or None, initial={"time_in": log.time_in, "time_out": log.time_out}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.duty_log_correct(
                log,
                actor=request.user,
                time_in=form.cleaned_data["time_in"],
                time_out=form.cleaned_data["time_out"],
                reason=form.cleaned_data["reason"],
                now=timezone.localtime(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The correction has been saved."))
            url = reverse("attendance:village_duty", args=[log.cadre.village_id])
            return redirect(f"{url}?date={log.date.isoformat()}")
    return render(
        request,
        "attendance/duty_log_correct.html",
        {"form": form, "log": log, "corrections": log.corrections.select_related("corrected_by")},
    )


@login_required
def my_duty(request):
    """A cadre's own duty of the last weeks; sign in and out here where the county allows it."""
    user = request.user
    if not user.cadre_id:
        raise Http404
    cadre = Cadre.objects.select_related("village__township").get(pk=user.cadre_id)
    today = timezone.localdate()
    self_sign_in = rulebook.rule_value(rulebook.DUTY_SELF_SIGN_IN, today)
    days = selectors.cadre_duty_days(cadre, start=today - datetime.timedelta(days=30), end=today)
    today_logs = days[0]["logs"] if days and days[0]["date"] == today else []
    return render(
        request,
        "attendance/my_duty.html",
        {
            "cadre": cadre,
            "days": days,
            "today": today,
            "self_sign_in": self_sign_in and cadre.status == CadreStatus.ACTIVE,
            "open_log": next((log for log in today_logs if log.time_out is None), None),
        },
    )


@login_required
def duty_overview(request):
    """The township's or county's duty of a day: per village, cadres logged and compliant."""
    user = request.user
    if not scoping.may_see_duty_overview(user):
        raise Http404
    today = timezone.localdate()
    day = DayForm.day(request.GET, today)
    township_id = request.GET.get("township", "")
    township_id = int(township_id) if township_id.isdigit() else None
    villages = selectors.duty_overview(user, day, township_id=township_id)
    page = Paginator(villages, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    check, items = selectors.duty_check_of(user, day)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "attendance/duty_overview.html",
        {
            "day": day,
            "today": today,
            "page": page,
            "query": query.urlencode(),
            "townships": scoping.townships_visible_to(user).order_by("code"),
            "township_id": township_id,
            "check": check,
            "item_count": len(items),
        },
    )


@login_required
def duty_check(request):
    """The daily duty check of a date, in the user's scope."""
    user = request.user
    if not (scoping.may_see_duty_overview(user) or user.role == Role.VILLAGE_SECRETARY):
        raise Http404
    day = DayForm.day(request.GET, timezone.localdate() - datetime.timedelta(days=1))
    check, items = selectors.duty_check_of(user, day)
    page = Paginator(items, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "attendance/duty_check.html",
        {
            "day": day,
            "check": check,
            "page": page,
            "query": f"date={day.isoformat()}",
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
        },
    )


# ---------------------------------------------------------------- roster (§4.2)


@login_required
@require_http_methods(["GET", "POST"])
def roster_gaps(request):
    """The coming week's weekend and holiday days with nobody planned, by village (§4.2)."""
    user = request.user
    if user.role not in (Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL):
        raise Http404
    gaps = selectors.coming_roster_gaps(user, today=timezone.localdate())
    page = Paginator(gaps, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "attendance/roster_gaps.html", {"page": page, "count": len(gaps)})


@login_required
@require_http_methods(["GET", "POST"])
def roster(request, pk):
    """A village's weekend and holiday roster for the coming weeks; the secretary plans it."""
    user = request.user
    village = scoping.get_in_scope_or_404(
        scoping.villages_with_roster_visible_to(user).select_related("township"), pk=pk
    )
    today = timezone.localdate()
    may_plan = scoping.villages_roster_plannable_by(user).filter(pk=village.pk).exists()
    cadres = Cadre.objects.filter(village=village, status=CadreStatus.ACTIVE).order_by(
        "post", "name_pinyin"
    )
    if request.method == "POST":
        if not may_plan:
            raise Http404
        form = RosterDayForm(request.POST, cadres=cadres)
        if form.is_valid():
            try:
                services.roster_plan(
                    village,
                    actor=user,
                    day=form.cleaned_data["date"],
                    cadres=form.cleaned_data["cadres"],
                    today=today,
                )
            except ValidationError as error:
                messages.error(request, _error_text(error))
            else:
                messages.success(request, _("The roster has been saved."))
        else:
            messages.error(request, _("The roster could not be saved."))
        return redirect("attendance:roster", pk=village.pk)
    try:
        days = selectors.roster_days(
            village, start=today, end=today + datetime.timedelta(weeks=ROSTER_WEEKS)
        )
        calendar_error = None
    except rules.CalendarUnknownError as error:
        days, calendar_error = [], error.message
    cadre_list = list(cadres)
    return render(
        request,
        "attendance/roster.html",
        {
            "village": village,
            "days": days,
            "cadres": cadre_list,
            "may_plan": may_plan,
            "calendar_error": calendar_error,
        },
    )


# ---------------------------------------------------------------- leave (§4.3)


@login_required
def leave_list(request):
    user = request.user
    if not scoping.may_read_roster(user):
        raise Http404
    status = request.GET.get("status", "")
    status = status if status in LeaveStatus.values else ""
    to_decide = request.GET.get("to_decide") == "1"
    requests = selectors.leave_list(user, status=status, to_decide=to_decide)
    page = Paginator(requests, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "attendance/leave_list.html",
        {
            "page": page,
            "query": query.urlencode(),
            "statuses": LeaveStatus.choices,
            "status": status,
            "to_decide": to_decide,
            "may_decide": scoping.leave_requests_decidable_by(user).exists(),
            "may_ask": scoping.may_ask_for_leave(user),
            "ledger_townships": selectors.townships_for_ledger(user)[:30],
            "this_month": timezone.localdate().strftime("%Y-%m"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def leave_create(request):
    user = request.user
    if not scoping.may_ask_for_leave(user):
        raise Http404
    form = LeaveRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            leave = services.leave_request(actor=user, now=timezone.now(), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your leave request has been sent for approval."))
            return redirect("attendance:leave_detail", pk=leave.pk)
    return render(request, "attendance/leave_form.html", {"form": form})


def _visible_leave(request, pk):
    return scoping.get_in_scope_or_404(
        scoping.leave_requests_visible_to(request.user).select_related(
            "cadre__village__township", "decided_by", "requested_by", "closed_by"
        ),
        pk=pk,
    )


@login_required
def leave_detail(request, pk):
    user = request.user
    leave = _visible_leave(request, pk)
    now = timezone.now()
    may_decide = (
        leave.status == LeaveStatus.PENDING
        and user.cadre_id != leave.cadre_id
        and scoping.leave_requests_decidable_by(user).filter(pk=leave.pk).exists()
    )
    own = user.cadre_id == leave.cadre_id
    may_cancel = own and (
        leave.status == LeaveStatus.PENDING
        or (leave.status == LeaveStatus.APPROVED and now < leave.starts_at)
    )
    may_report_back = (
        leave.status == LeaveStatus.APPROVED
        and now >= leave.starts_at
        and (own or scoping.leave_requests_decidable_by(user).filter(pk=leave.pk).exists())
    )
    return render(
        request,
        "attendance/leave_detail.html",
        {
            "leave": leave,
            "approvers": list(selectors.leave_approvers(leave)),
            "may_decide": may_decide,
            "may_cancel": may_cancel,
            "may_report_back": may_report_back,
            "decision_form": LeaveDecisionForm(),
            "return_form": LeaveReturnForm(
                initial={"returned_at": timezone.localtime(min(now, leave.ends_at))}
            ),
        },
    )


def _leave_action(request, pk, action):
    leave = _visible_leave(request, pk)
    try:
        action(leave)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect("attendance:leave_detail", pk=leave.pk)


@login_required
@require_POST
def leave_decide(request, pk):
    form = LeaveDecisionForm(request.POST)

    def decide(leave):
        if not form.is_valid():
            raise ValidationError(_("Choose approve or reject."))
        services.leave_decide(
            leave,
            actor=request.user,
            approve=form.cleaned_data["approve"],
            comment=form.cleaned_data["comment"],
            now=timezone.now(),
        )
        messages.success(request, _("Your decision has been saved."))

    return _leave_action(request, pk, decide)


@login_required
@require_POST
def leave_cancel(request, pk):
    def cancel(leave):
        services.leave_cancel(leave, actor=request.user, now=timezone.now())
        messages.success(request, _("The leave has been cancelled."))

    return _leave_action(request, pk, cancel)


@login_required
@require_POST
def leave_report_back(request, pk):
    form = LeaveReturnForm(request.POST)

    def report_back(leave):
        if not form.is_valid():
            raise ValidationError(_("Enter the time of the return."))
        services.leave_report_back(
            leave,
            actor=request.user,
            returned_at=form.cleaned_data["returned_at"],
            now=timezone.now(),
        )
        messages.success(request, _("The return has been recorded; the leave is closed."))

    return _leave_action(request, pk, report_back)


def _ledger_township(request, pk):
    township = scoping.get_in_scope_or_404(scoping.townships_with_ledger_for(request.user), pk=pk)
    today = timezone.localdate()
    year, month = month_of(request.GET.get("month"), (today.year, today.month))
    return township, year, month, request.GET.get("posts") == "all"


@login_required
def ledger(request, pk):
    """A township's leave ledger of a month (请销假报备台账), to read and to print."""
    township, year, month, all_posts = _ledger_township(request, pk)
    context = selectors.ledger_context(township, year=year, month=month, all_posts=all_posts)
    first = context["first"]
    previous = (first - datetime.timedelta(days=1)).strftime("%Y-%m")
    following = (context["last"] + datetime.timedelta(days=1)).strftime("%Y-%m")
    return render(
        request,
        "attendance/ledger.html",
        {
            **context,
            "month_text": first.strftime("%Y-%m"),
            "previous": previous,
            "following": following,
        },
    )


@login_required
def ledger_pdf(request, pk):
    """The ledger as a PDF, rendered at once: a township's month is a few dozen rows."""
    township, year, month, all_posts = _ledger_township(request, pk)
    content = reports.leave_ledger_pdf(township, year=year, month=month, all_posts=all_posts)
    audit.record_export(
        "leave_ledger",
        actor=request.user,
        file_format="pdf",
        filters=request.GET,
        township_id=township.pk,
    )
    response = HttpResponse(content, content_type="application/pdf")
    filename = reports.leave_ledger_filename(township, year=year, month=month)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------- inspections (§4.4)


@login_required
def inspection_list(request):
    user = request.user
    if user.role not in (Role.COUNTY_STAFF, Role.TOWNSHIP_OFFICIAL):
        raise Http404
    page = Paginator(selectors.inspection_list(user), settings.LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "attendance/inspection_list.html",
        {"page": page, "may_create": scoping.villages_inspectable_by(user).exists()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def inspection_create(request):
    """Record a visit: choose the village, then tick who was absent."""
    user = request.user
    villages = selectors.village_options_for_inspection(user)
    if not villages.exists():
        raise Http404
    village_id = request.GET.get("village", "")
    village = None
    if village_id.isdigit():
        village = scoping.get_in_scope_or_404(villages, pk=int(village_id))
    if village is None:
        return render(request, "attendance/inspection_village.html", {"villages": villages})
    cadres = Cadre.objects.filter(village=village, status=CadreStatus.ACTIVE).order_by(
        "post", "name_pinyin"
    )
    form = InspectionForm(
        request.POST or None,
        cadres=cadres,
        initial={"at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            inspection = services.inspection_record(
                actor=user,
                village=village,
                at=form.cleaned_data["at"],
                absent_cadre_ids=[cadre.pk for cadre in form.cleaned_data["absent"]],
                note=form.cleaned_data["note"],
                now=timezone.now(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The inspection has been recorded."))
            return redirect("attendance:inspection_detail", pk=inspection.pk)
    return render(request, "attendance/inspection_form.html", {"form": form, "village": village})


@login_required
def inspection_detail(request, pk):
    inspection = scoping.get_in_scope_or_404(
        scoping.inspections_visible_to(request.user).select_related(
            "village__township", "inspector", "withdrawn_by"
        ),
        pk=pk,
    )
    return render(
        request,
        "attendance/inspection_detail.html",
        {
            "inspection": inspection,
            "findings": selectors.inspection_with_findings(inspection),
            "may_withdraw": scoping.inspections_withdrawable_by(request.user)
            .filter(pk=inspection.pk)
            .exists(),
            "withdraw_form": WithdrawForm(),
        },
    )


@login_required
@require_POST
def inspection_withdraw(request, pk):
    inspection = scoping.get_in_scope_or_404(
        scoping.inspections_withdrawable_by(request.user).select_related("village"), pk=pk
    )
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the withdrawal."))
    else:
        services.inspection_withdraw(
            inspection, actor=request.user, reason=form.cleaned_data["reason"], now=timezone.now()
        )
        messages.success(
            request, _("The inspection has been withdrawn; the ladder is derived again.")
        )
    return redirect("attendance:inspection_detail", pk=inspection.pk)


@login_required
def violation_list(request):
    user = request.user
    if not scoping.may_read_roster(user) or user.role == Role.PUBLIC_SECURITY:
        raise Http404
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() else None
    page = Paginator(selectors.violation_list(user, year=year), settings.LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    removals = selectors.waiting_for_county(scoping.removal_orders_visible_to(user)).select_related(
        "cadre__village__township", "violation"
    )
    return render(
        request,
        "attendance/violation_list.html",
        {"page": page, "removals": removals, "query": f"year={year}" if year else ""},
    )


# ---------------------------------------------------------------- calendar (§4.1)


def _calendar_editor(request):
    if not scoping.may_edit_calendar(request.user):
        raise Http404


@login_required
def calendar(request):
    """The working-day calendar of a year: the library's holidays and the county's overrides."""
    _calendar_editor(request)
    today = timezone.localdate()
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and 2004 <= int(year) <= 2100 else today.year
    return render(
        request,
        "attendance/calendar.html",
        {
            **selectors.calendar_year(year),
            "override_form": CalendarOverrideForm(),
            "year_form": CalendarYearForm(initial={"year": year}),
        },
    )


@login_required
@require_POST
def calendar_override_add(request):
    _calendar_editor(request)
    form = CalendarOverrideForm(request.POST)
    if form.is_valid():
        services.calendar_override_set(actor=request.user, **form.cleaned_data)
        messages.success(request, _("The calendar has been saved."))
        year = form.cleaned_data["date"].year
    else:
        messages.error(request, _error_text(ValidationError(list(form.errors.values()))))
        year = timezone.localdate().year
    return redirect(f"{reverse('attendance:calendar')}?year={year}")


@login_required
@require_POST
def calendar_override_delete(request, pk):
    _calendar_editor(request)
    override = scoping.get_in_scope_or_404(CalendarOverride.objects.all(), pk=pk)
    services.calendar_override_delete(override, actor=request.user)
    messages.success(request, _("The override has been removed."))
    return redirect(f"{reverse('attendance:calendar')}?year={override.date.year}")


@login_required
@require_http_methods(["GET", "POST"])
def calendar_year_enter(request):
    _calendar_editor(request)
    form = CalendarYearForm(request.POST or None, initial={"year": request.GET.get("year")})
    if request.method == "POST" and form.is_valid():
        try:
            services.calendar_year_enter(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The year's calendar has been entered."))
            return redirect(f"{reverse('attendance:calendar')}?year={form.cleaned_data['year']}")
    return render(request, "attendance/calendar_year_form.html", {"form": form})
