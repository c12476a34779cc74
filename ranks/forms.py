"""Forms of the rank ladder; they validate input, the services write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from attendance.forms import DateInput, StyledForm

from . import rules

LEVEL_CHOICES = [
    (level, _("Level %(level)s") % {"level": level})
    for level in range(rules.HIGHEST_LEVEL, rules.LOWEST_LEVEL + 1)
]


class YearForm(StyledForm):
    year = forms.IntegerField(label=_("Assessment year"), min_value=2018, max_value=2100)


class ApproveForm(StyledForm):
    effective_from = forms.DateField(label=_("The moves take effect from"), widget=DateInput())
    township = forms.ModelChoiceField(
        label=_("Township"),
        queryset=None,
        required=False,
        empty_label=_("Every township"),
    )

    def __init__(self, *args, townships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships


class ProposalChangeForm(StyledForm):
    level = forms.TypedChoiceField(label=_("Level"), choices=LEVEL_CHOICES, coerce=int)
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PlacementForm(StyledForm):
    on = forms.DateField(label=_("Placed on"), widget=DateInput())
    level = forms.TypedChoiceField(
        label=_("Level"),
        choices=[("", _("As the rule gives")), *LEVEL_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason for a level other than the rule's"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
