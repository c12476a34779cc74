"""Pages of training (POLICY §6): check scope, call a selector or a service, render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cadres.models import Cadre
from longshan import audit, privacy, rulebook, scoping
from longshan.forms import add_service_errors
from longshan.spreadsheets import XLSX_CONTENT_TYPE

from . import reports, resources, selectors, services
from .forms import (
    AttendanceForm,
    ComplianceFilterForm,
    EducationEntryForm,
    EnrolForm,
    EventFilterForm,
    EventForm,
    SecondmentForm,
    SheetConfirmForm,
    SheetUploadForm,
    sheet_payload,
)
from .models import EducationProgrammeEntry, Secondment, TrainingEvent


def _page(request, rows):
    return Paginator(rows, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _managed(queryset, user):
    """Return the queryset for county staff, who keep training records, else nothing."""
    return queryset if scoping.may_manage_training(user) else queryset.none()


def _xlsx_response(content, filename):
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------- events


@login_required
def event_list(request):
    user = request.user
    if not scoping.may_list_training_events(user):
        raise Http404
    form = EventFilterForm(request.GET or None)
    chosen = form.cleaned_data if form.is_bound and form.is_valid() else {}
    events = selectors.event_rows(
        user,
        year=chosen.get("year"),
        event_type=chosen.get("event_type", ""),
        level=chosen.get("level", ""),
    )
    return render(
        request,
        "training/event_list.html",
        {
            "form": form,
            "page": _page(request, events),
            "query": _query_without_page(request),
            "may_create": scoping.may_manage_training(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request):
    if not scoping.may_manage_training(request.user):
        raise Http404
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The training event has been saved."))
            return redirect(event)
    return render(request, "training/event_form.html", {"form": form, "event": None})


@login_required
def event_detail(request, pk):
    user = request.user
    event = scoping.get_in_scope_or_404(
        scoping.training_events_visible_to(user).select_related("township"), pk=pk
    )
    cadres = scoping.cadres_visible_to(user)
    return render(
        request,
        "training/event_detail.html",
        {
            "event": event,
            "page": _page(request, selectors.event_participants(event, cadres)),
            "query": _query_without_page(request),
            "totals": selectors.event_totals(event, cadres),
            "may_edit": scoping.may_manage_training(user),
            "may_record": scoping.training_events_recordable_by(user).filter(pk=pk).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request, pk):
    event = scoping.get_in_scope_or_404(_managed(TrainingEvent.objects.all(), request.user), pk=pk)
    form = EventForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(event, actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The training event has been saved."))
            return redirect(event)
        event.refresh_from_db()
    return render(request, "training/event_form.html", {"form": form, "event": event})


@login_required
@require_http_methods(["GET", "POST"])
def event_enrol(request, pk):
    event = scoping.get_in_scope_or_404(_managed(TrainingEvent.objects.all(), request.user), pk=pk)
    form = EnrolForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            new, already = services.cadres_enrol(
                event,
                actor=request.user,
                townships=form.cleaned_data["townships"],
                villages=form.cleaned_data["villages"],
                posts=form.cleaned_data["posts"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(new)s cadres enrolled; %(already)s were already enrolled.")
                % {"new": new, "already": already},
            )
            return redirect(event)
    return render(request, "training/event_enrol.html", {"form": form, "event": event})


# ---------------------------------------------------------------- attendance


def _recordable_event(request, pk):
    return scoping.get_in_scope_or_404(
        scoping.training_events_recordable_by(request.user).select_related("township"), pk=pk
    )


# At most this many cadres on one attendance form, well below Django's 1,000 fields a POST;
# a bigger event is recorded a township at a time, or by importing a sheet.
ATTENDANCE_FORM_MAX_CADRES = 300


@login_required
@require_http_methods(["GET", "POST"])
def attendance_record(request, pk):
    event = _recordable_event(request, pk)
    scope = scoping.cadres_trainable_by(request.user)
    townships = selectors.event_participant_townships(event, scope)
    chosen = request.GET.get("township", "")
    chosen = int(chosen) if chosen.isdigit() else None
    too_many = sum(count for _id, _name, count in townships) > ATTENDANCE_FORM_MAX_CADRES
    cadres = selectors.event_participants(event, scope)
    if chosen:
        cadres = cadres.filter(village__township_id=chosen)
    elif too_many:
        cadres = cadres.none()
    form = AttendanceForm(request.POST or None, cadres=cadres)
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.attendance_record(
                event, actor=request.user, days_by_cadre=form.cleaned_data["days_by_cadre"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Attendance saved: %(count)s cadres changed.") % {"count": len(changes)},
            )
            return redirect(event)
    return render(
        request,
        "training/attendance_form.html",
        {
            "event": event,
            "form": form,
            "townships": townships,
            "chosen_township": chosen,
            "choose_township": too_many and not chosen,
        },
    )


@login_required
@require_GET
def attendance_sheet(request, pk):
    """Download a sheet to fill in: the event's cadres in the user's scope, days empty."""
    event = _recordable_event(request, pk)
    cadres = list(selectors.event_participants(event, scoping.cadres_trainable_by(request.user)))
    reveal = privacy.may_view_personal_data(request.user)
    content = reports.attendance_sheet_xlsx(cadres, reveal_personal=reveal)
    if reveal:
        privacy.record_viewed(
            request.user,
            page=request.get_full_path()[:500],
            ids={"cadres.cadre": {cadre.pk for cadre in cadres}},
        )
    return _xlsx_response(content, f"attendance-{event.pk}.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def attendance_import(request, pk):
    """Preview an attendance sheet row by row, then save all of it or nothing."""
    event = _recordable_event(request, pk)
    user = request.user
    context = {"event": event, "upload_form": SheetUploadForm(), "rows": None}
    if request.method == "POST" and "payload" in request.POST:
        confirm = SheetConfirmForm(request.POST, event=event, user=user)
        if not confirm.is_valid():
            context["sheet_error"] = confirm.errors["payload"][0]
            return render(request, "training/attendance_import.html", context)
        sheet = confirm.cleaned_data["payload"]
        try:
            saved = services.attendance_sheet_import(
                event, actor=user, rows=sheet["rows"], file_name=sheet["file"]
            )
        except services.AttendanceSheetError as error:
            context.update(rows=error.rows, bad_rows=[row for row in error.rows if not row.ok])
        else:
            messages.success(
                request,
                _("The sheet has been imported: %(count)s rows saved.") % {"count": len(saved)},
            )
            return redirect(event)
    elif request.method == "POST":
        upload = SheetUploadForm(request.POST, request.FILES)
        context["upload_form"] = upload
        if upload.is_valid():
            file = upload.cleaned_data["file"]
            try:
                rows = resources.read_attendance_sheet(file)
            except resources.SheetFileError as error:
                upload.add_error("file", error.message)
            else:
                checked = services.attendance_sheet_check(event, actor=user, rows=rows)
                bad_rows = [row for row in checked if not row.ok]
                context.update(rows=checked, bad_rows=bad_rows, file_name=file.name)
                if not bad_rows:
                    context["payload"] = sheet_payload(
                        event=event, user=user, file_name=file.name, rows=checked
                    )
    return render(request, "training/attendance_import.html", context)


# ---------------------------------------------------------------- yearly compliance


def _compliance_filters(request):
    """Return the cleaned compliance filters (falling back to this year) and the form."""
    user = request.user
    township = request.GET.get("township", "")
    townships, villages = selectors.compliance_filter_choices(
        user, township_id=int(township) if township.isdigit() else None
    )
    data = {"year": timezone.localdate().year, "show": ComplianceFilterForm.SHORT}
    data.update({key: value for key, value in request.GET.items() if key != "page" and value})
    form = ComplianceFilterForm(data, townships=townships, villages=villages)
    if form.is_valid():
        chosen = form.cleaned_data
    else:
        chosen = {"year": timezone.localdate().year, "show": ComplianceFilterForm.SHORT}
    filters = {
        "year": chosen["year"],
        "township_id": chosen["township"].pk if chosen.get("township") else None,
        "village_id": chosen["village"].pk if chosen.get("village") else None,
    }
    try:
        minimum = selectors.minimum_days(filters["year"])
    except rulebook.RuleNotInForceError:
        raise Http404 from None
    short_only = chosen.get("show") != ComplianceFilterForm.ALL
    return form, filters, minimum, short_only


@login_required
def compliance(request):
    """Who falls short of §6.1's yearly days, by township and village, in the user's scope."""
    user = request.user
    if not scoping.may_see_training_compliance(user):
        raise Http404
    form, filters, minimum, short_only = _compliance_filters(request)
    summary = selectors.compliance_summary(user, minimum=minimum, **filters)
    cadres = selectors.compliance_rows(
        user, minimum=minimum, short_only=short_only, paged=True, **filters
    )
    page = _page(request, selectors.compliance_page(cadres, summary, short_only=short_only))
    return render(
        request,
        "training/compliance.html",
        {
            "form": form,
            "year": filters["year"],
            "minimum": minimum,
            "short_only": short_only,
            "summary": summary,
            "page": page,
            "columns": reports.compliance_columns(),
            "rows": list(zip(page, reports.compliance_table(page, minimum=minimum), strict=True)),
            "query": _query_without_page(request),
        },
    )


@login_required
@require_GET
def compliance_export(request):
    """The compliance table as xlsx: the page's columns and rows, every page of them."""
    user = request.user
    if not scoping.may_see_training_compliance(user):
        raise Http404
    _form, filters, minimum, short_only = _compliance_filters(request)
    cadres = selectors.compliance_rows(user, minimum=minimum, short_only=short_only, **filters)
    content = reports.compliance_xlsx(
        reports.compliance_table(cadres, minimum=minimum), year=filters["year"]
    )
    audit.record_export("training_compliance", actor=user, file_format="xlsx", filters=request.GET)
    return _xlsx_response(content, f"training-compliance-{filters['year']}.xlsx")


# ---------------------------------------------------------------- a cadre's record


def _render_record(request, cadre):
    return render(
        request,
        "training/cadre_record.html",
        {
            "cadre": cadre,
            "may_manage": scoping.may_manage_training(request.user),
            **selectors.cadre_training_record(cadre),
        },
    )


@login_required
def cadre_record(request, pk):
    cadre = scoping.get_in_scope_or_404(
        scoping.cadres_visible_to(request.user).select_related("village__township"), pk=pk
    )
    return _render_record(request, cadre)


@login_required
def my_training(request):
    """A village cadre's own training record."""
    if not request.user.cadre_id:
        raise Http404
    cadre = scoping.get_in_scope_or_404(
        scoping.cadres_visible_to(request.user).select_related("village__township"),
        pk=request.user.cadre_id,
    )
    return _render_record(request, cadre)


def _edit_record(request, *, form, save, cadre, title):
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The record has been saved."))
            return redirect("training:cadre_record", pk=cadre.pk)
    return render(
        request, "training/record_form.html", {"form": form, "cadre": cadre, "title": title}
    )


def _managed_cadre(request, pk):
    return scoping.get_in_scope_or_404(
        _managed(Cadre.objects.select_related("village__township"), request.user), pk=pk
    )


@login_required
@require_http_methods(["GET", "POST"])
def secondment_create(request, cadre_pk):
    cadre = _managed_cadre(request, cadre_pk)
    return _edit_record(
        request,
        form=SecondmentForm(request.POST or None),
        save=lambda data: services.secondment_create(actor=request.user, cadre=cadre, data=data),
        cadre=cadre,
        title=_("Add a secondment"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def secondment_edit(request, pk):
    secondment = scoping.get_in_scope_or_404(
        _managed(Secondment.objects.select_related("cadre__village__township"), request.user),
        pk=pk,
    )
    return _edit_record(
        request,
        form=SecondmentForm(request.POST or None, instance=secondment),
        save=lambda data: services.secondment_update(secondment, actor=request.user, data=data),
        cadre=secondment.cadre,
        title=_("Edit the secondment"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def education_entry_create(request, cadre_pk):
    cadre = _managed_cadre(request, cadre_pk)
    return _edit_record(
        request,
        form=EducationEntryForm(request.POST or None),
        save=lambda data: services.education_entry_create(
            actor=request.user, cadre=cadre, data=data
        ),
        cadre=cadre,
        title=_("Add an education programme entry"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def education_entry_edit(request, pk):
    entry = scoping.get_in_scope_or_404(
        _managed(
            EducationProgrammeEntry.objects.select_related("cadre__village__township"),
            request.user,
        ),
        pk=pk,
    )
    return _edit_record(
        request,
        form=EducationEntryForm(request.POST or None, instance=entry),
        save=lambda data: services.education_entry_update(entry, actor=request.user, data=data),
        cadre=entry.cadre,
        title=_("Edit the education programme entry"),
    )
