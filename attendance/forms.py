"""Forms of full-time duty; they validate input, the services write."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from . import rules
from .models import LeaveKind


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _style(form):
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class CalendarOverrideForm(StyledForm):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    is_working_day = forms.TypedChoiceField(
        label=_("The day is"),
        choices=[("1", _("a working day")), ("0", _("a day off"))],
        coerce=lambda value: value == "1",
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)


class CalendarYearForm(StyledForm):
    year = forms.IntegerField(label=_("Year"), min_value=2004, max_value=2100)
    holidays = forms.CharField(
        label=_("Holidays (days off)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Dates as YYYY-MM-DD, separated by spaces or new lines; a span as "
            "2027-10-01..2027-10-07. Weekends need not be listed."
        ),
    )
    makeup_days = forms.CharField(
        label=_("Make-up working days"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Weekend days that are working days, in the same form."),
    )
    reason = forms.CharField(
        label=_("Source"), max_length=200, help_text=_("For example the State Council notice.")
    )

    def _dates(self, name):
        try:
            return rules.parse_date_list(self.cleaned_data.get(name) or "")
        except ValueError as error:
            raise forms.ValidationError(
                _("“%(entry)s” is not a date or a span of dates.") % {"entry": error.args[0]}
            ) from None

    def clean_holidays(self):
        return self._dates("holidays")

    def clean_makeup_days(self):
        return self._dates("makeup_days")


class DutySpanForm(StyledForm):
    """A span at the service centre with its times (the secretary's editable times)."""

    time_in = forms.TimeField(label=_("In"), widget=TimeInput())
    time_out = forms.TimeField(label=_("Out"), widget=TimeInput(), required=False)


class DutyCorrectionForm(StyledForm):
    time_in = forms.TimeField(label=_("Signed in"), widget=TimeInput())
    time_out = forms.TimeField(label=_("Signed out"), widget=TimeInput(), required=False)
    reason = forms.CharField(
        label=_("Reason for the correction"), widget=forms.Textarea(attrs={"rows": 2})
    )


class RosterDayForm(forms.Form):
    cadres = forms.ModelMultipleChoiceField(
        label=_("On duty"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    date = forms.DateField(widget=forms.HiddenInput)

    def __init__(self, *args, cadres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadres"].queryset = cadres


class LeaveRequestForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind of leave"), choices=LeaveKind.choices)
    starts_at = forms.DateTimeField(label=_("From"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("To"), widget=DateTimeInput())
    reason = forms.CharField(label=_("Reason for leave"), widget=forms.Textarea(attrs={"rows": 3}))


class LeaveDecisionForm(StyledForm):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Approve")), ("0", _("Reject"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class LeaveReturnForm(StyledForm):
    returned_at = forms.DateTimeField(label=_("Back on duty at"), widget=DateTimeInput())


class InspectionForm(StyledForm):
    at = forms.DateTimeField(label=_("Time of the visit"), widget=DateTimeInput())
    absent = forms.ModelMultipleChoiceField(
        label=_("Absent"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick who was not at the service centre; everybody else was present."),
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, cadres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["absent"].queryset = cadres


class WithdrawForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason for the withdrawal"), widget=forms.Textarea(attrs={"rows": 2})
    )


class DayForm(forms.Form):
    """The date a page shows (?date=YYYY-MM-DD); an invalid date falls back to today."""

    date = forms.DateField(required=False)

    @classmethod
    def day(cls, data, default):
        form = cls(data)
        if form.is_valid() and form.cleaned_data["date"]:
            return form.cleaned_data["date"]
        return default


def month_of(text, default):
    """Return (year, month) of a YYYY-MM text, else the default."""
    try:
        day = datetime.date.fromisoformat(f"{text}-01")
    except (TypeError, ValueError):
        return default
    return day.year, day.month
