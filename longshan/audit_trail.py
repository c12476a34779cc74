"""Reading the audit trail: who may, the filter, the selector and the csv/xlsx export.

The trail is read by county auditors: users holding `longshan.view_audit_trail`, which
the "county auditor" group grants (migration 0005). Every read here is set-based: a
page costs a count, the rows and one query for the township names, whatever its size.
"""

import csv
import datetime
import io
import json

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cadres.models import Township

from . import privacy, spreadsheets
from .models import AuditEvent

PERMISSION = "longshan.view_audit_trail"
# A spreadsheet is built in memory; more rows than this go to csv, which streams.
XLSX_MAX_ROWS = 100_000

# Characters that make a spreadsheet read a cell as a formula (CSV/formula injection).


def may_read_audit_trail(user):
    """Return whether the user may read and export the audit trail."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(PERMISSION))


class AuditTrailFilterForm(forms.Form):
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=60,
        help_text=_("The start of the action's name, e.g. auth. or export."),
    )
    actor = forms.CharField(label=_("By (username)"), required=False, max_length=150)
    object_type = forms.CharField(
        label=_("Object type"), required=False, max_length=60, help_text=_("e.g. cadres.cadre")
    )
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=40)
    township = forms.ModelChoiceField(
        label=_("Township"), queryset=Township.objects.none(), required=False
    )
    date_from = forms.DateField(
        label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ip_address = forms.GenericIPAddressField(label=_("Client address"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = Township.objects.order_by("code")
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")
        self.fields["township"].widget.attrs["class"] = "form-select form-select-sm"

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return cleaned


def _start_of_day(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_events_matching(filters):
    """Return the audit events matching the cleaned filters of AuditTrailFilterForm."""
    events = AuditEvent.objects.all()
    if filters.get("action"):
        events = events.filter(action__startswith=filters["action"].strip())
    if filters.get("actor"):
        events = events.filter(actor_username__iexact=filters["actor"].strip())
    if filters.get("object_type"):
        events = events.filter(object_type=filters["object_type"].strip().lower())
    if filters.get("object_id"):
        events = events.filter(object_id=filters["object_id"].strip())
    if filters.get("township"):
        events = events.filter(township_id=filters["township"].pk)
    if filters.get("date_from"):
        events = events.filter(created_at__gte=_start_of_day(filters["date_from"]))
    if filters.get("date_to"):
        following = filters["date_to"] + datetime.timedelta(days=1)
        events = events.filter(created_at__lt=_start_of_day(following))
    if filters.get("ip_address"):
        events = events.filter(ip_address=filters["ip_address"])
    return events.order_by("-created_at", "-id")


def township_names(events):
    """Return {township id: name} for the townships the given events name, in one query."""
    ids = {event.township_id for event in events if event.township_id}
    return dict(Township.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def neutralise(value):
    """Return a cell's text such that no spreadsheet reads it as a formula."""
    return spreadsheets.neutralise("" if value is None else str(value))


def export_columns():
    return [
        _("Time"),
        _("Action"),
        _("By (username)"),
        _("Object type"),
        _("Object id"),
        _("Object"),
        _("Township"),
        _("Client address"),
        _("Changes"),
    ]


def export_rows(events, names, *, reveal_personal=False):
    """Yield the export's rows of events, every cell text neutralised.

    ID and phone numbers in the changes are masked unless `reveal_personal`.
    """
    for event in events:
        local = timezone.localtime(event.created_at)
        changes = event.changes if reveal_personal else privacy.masked_changes(event.changes)
        yield [
            neutralise(value)
            for value in (
                local.strftime("%Y-%m-%d %H:%M:%S"),
                event.action,
                event.actor_username,
                event.object_type,
                event.object_id,
                event.object_repr,
                names.get(event.township_id, event.township_id or ""),
                event.ip_address or "",
                json.dumps(changes, ensure_ascii=False, sort_keys=True) if changes else "",
            )
        ]


class _Echo:
    def write(self, value):
        return value


def csv_lines(events, *, chunk_size=2000, reveal_personal=False):
    """Yield the csv export line by line, a chunk of events read at a time."""
    names = dict(Township.objects.values_list("pk", "name"))
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so that Excel opens the UTF-8 file as UTF-8
    yield writer.writerow([str(column) for column in export_columns()])
    rows = export_rows(
        events.iterator(chunk_size=chunk_size), names, reveal_personal=reveal_personal
    )
    for row in rows:
        yield writer.writerow(row)


def xlsx_bytes(events, *, reveal_personal=False):
    """Return the xlsx export of events (at most XLSX_MAX_ROWS of them)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    names = dict(Township.objects.values_list("pk", "name"))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(_("Audit trail")))
    sheet.append([str(column) for column in export_columns()])
    rows = export_rows(
        events[:XLSX_MAX_ROWS].iterator(chunk_size=2000), names, reveal_personal=reveal_personal
    )
    for row in rows:
        # Control characters (a username typed at the sign-in, say) are not allowed in xlsx.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
