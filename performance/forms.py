"""Forms of fine-grained management; they validate input, the services write."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from attendance.forms import DateInput, StyledForm

from . import rules
from .models import Grade, MeasureKind

FIRST_YEAR = 2018


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (an <input type=month>), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return rules.parse_month(value)
        except ValueError:
            raise forms.ValidationError(_("Give the month as YYYY-MM.")) from None


class CadreChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, cadre):
        return f"{cadre.village.name} · {cadre.name} · {cadre.get_post_display()}"


class DispatchOrderForm(StyledForm):
    month = MonthField(label=_("Month"))
    title = forms.CharField(label=_("Title"), max_length=120)
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 4}))
    weight = forms.DecimalField(
        label=_("Weight"), min_value=0.01, max_value=100, decimal_places=2, initial=1
    )
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput())
    villages = forms.ModelMultipleChoiceField(
        label=_("Villages (whole team)"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    named_cadres = CadreChoiceField(
        label=_("Or named cadres"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args, villages, cadres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["villages"].queryset = villages
        self.fields["named_cadres"].queryset = cadres

    def clean(self):
        data = super().clean()
        if not data.get("villages") and not data.get("named_cadres"):
            raise forms.ValidationError(_("Choose at least one village or cadre."))
        return data


class ReportForm(StyledForm):
    report_text = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 4})
    )
    attachment = forms.FileField(
        label=_("Attachment (optional)"),
        required=False,
        help_text=_("PDF, JPG, PNG, DOCX or XLSX; at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx,.xlsx"}),
    )


class ScoreForm(StyledForm):
    score = forms.DecimalField(
        label=_("Score (0–100)"), min_value=0, max_value=100, decimal_places=2
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class YearForm(forms.Form):
    year = forms.IntegerField(min_value=FIRST_YEAR, max_value=2100, required=False)

    @classmethod
    def year_of(cls, data, default):
        form = cls(data)
        if form.is_valid() and form.cleaned_data["year"]:
            return form.cleaned_data["year"]
        return default


class EvaluationForm(StyledForm):
    """One row of three vote counts per cadre of the village."""

    def __init__(self, *args, sheet, **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        for cadre, existing in sheet:
            for part in ("satisfied", "basically_satisfied", "dissatisfied"):
                self.fields[f"{part}_{cadre.pk}"] = forms.IntegerField(
                    min_value=0,
                    max_value=100000,
                    required=False,
                    initial=getattr(existing, part, None),
                    widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
                )

    def rows(self):
        return [
            (
                cadre,
                [
                    self[f"{part}_{cadre.pk}"]
                    for part in ("satisfied", "basically_satisfied", "dissatisfied")
                ],
            )
            for cadre, _existing in self.sheet
        ]

    def votes(self):
        """Return {cadre id: (s, b, d)} of the rows filled in completely."""
        votes = {}
        for cadre, _existing in self.sheet:
            counts = [
                self.cleaned_data.get(f"{part}_{cadre.pk}")
                for part in ("satisfied", "basically_satisfied", "dissatisfied")
            ]
            if all(count is None for count in counts):
                continue
            votes[cadre.pk] = tuple(count or 0 for count in counts)
        return votes


class MeasureForm(StyledForm):
    cadre = forms.ModelChoiceField(label=_("Cadre"), queryset=None)
    kind = forms.ChoiceField(label=_("Measure"), choices=MeasureKind.choices)
    decided_on = forms.DateField(label=_("Decided on"), widget=DateInput())
    starts_on = forms.DateField(
        label=_("From"),
        required=False,
        widget=DateInput(),
        help_text=_("A suspension's first day; a dismissal's effective date."),
    )
    ends_on = forms.DateField(
        label=_("To"), required=False, widget=DateInput(), help_text=_("A suspension's last day.")
    )
    authority = forms.CharField(label=_("Deciding body"), max_length=100, required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, cadres, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = cadres
        self.fields["cadre"].label_from_instance = lambda cadre: (
            f"{cadre.village.name} · {cadre.name} · {cadre.get_post_display()}"
        )
        self.fields["kind"].choices = [c for c in MeasureKind.choices if c[0] in kinds]


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class GradeConfirmForm(StyledForm):
    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices)
    reason = forms.CharField(
        label=_("Reason for a change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SettlementRunForm(forms.Form):
    month = MonthField()


def default_month(today):
    """Return the month a settlement page opens on: the one before today's."""
    return rules.previous_month(today)


def this_year(today):
    return today.year if isinstance(today, datetime.date) else FIRST_YEAR
