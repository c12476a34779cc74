"""The audit trail pages of county auditors: the filtered list and its export (issue 11)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import audit, audit_trail, privacy
from .spreadsheets import XLSX_CONTENT_TYPE


def _filtered_events(request):
    """Return the filter form bound to the query, and the events it selects."""
    if not audit_trail.may_read_audit_trail(request.user):
        raise Http404
    form = audit_trail.AuditTrailFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    if form.is_bound and not form.is_valid():
        return form, audit_trail.audit_events_matching({}).none()
    return form, audit_trail.audit_events_matching(filters)


@login_required
@require_GET
def audit_trail_list(request):
    """List the audit trail, newest first, filtered and paged."""
    form, events = _filtered_events(request)
    page = Paginator(events, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    names = audit_trail.township_names(list(page))
    for event in page:
        event.township_name = names.get(event.township_id, event.township_id)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "longshan/audit_trail.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
        },
    )


@login_required
@require_GET
def audit_trail_export(request, file_format):
    """Download the filtered trail as csv (streamed) or xlsx; the download is itself audited."""
    form, events = _filtered_events(request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filters = request.GET.copy()
    reveal = privacy.may_view_personal_data(request.user)
    if file_format == "csv":
        audit.record_export("audit_trail", actor=request.user, file_format="csv", filters=filters)
        if reveal:
            _record_personal_data_exported(request, events)
        response = StreamingHttpResponse(
            audit_trail.csv_lines(events, reveal_personal=reveal),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
        return response
    if file_format != "xlsx":
        raise Http404
    count = events.count()
    if count > audit_trail.XLSX_MAX_ROWS:
        messages.error(
            request,
            _("%(count)s events are too many for a spreadsheet; narrow the filter or use csv.")
            % {"count": count},
        )
        return redirect(f"{reverse('audit_trail')}?{request.GET.urlencode()}")
    audit.record_export(
        "audit_trail", actor=request.user, file_format="xlsx", filters=filters, row_count=count
    )
    if reveal:
        _record_personal_data_exported(request, events)
    response = HttpResponse(
        audit_trail.xlsx_bytes(events, reveal_personal=reveal),
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.xlsx"'
    return response


def _record_personal_data_exported(request, events):
    """Record that an export showed the personal data in the changes of these events.

    Counted before the file is written (a csv streams after the view returns): the
    events that name an ID or phone field among their changes.
    """
    holding = Q()
    for name in sorted(privacy.PERSONAL_FIELDS):
        holding |= Q(changes__has_key=name)
    count = events.filter(holding).count()
    if count:
        privacy.record_viewed(request.user, page=request.get_full_path()[:500], count=count)
