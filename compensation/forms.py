"""Forms of pay and benefits; they validate input, the services write."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from attendance.forms import StyledForm
from performance.forms import MonthField

from .models import BenefitKind, HonourLevel, RewardKind


class MonthForm(forms.Form):
    month = MonthField(label=_("Month"))


class CadreChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.village.name} · {obj.get_post_display()}"


def _cadre_field(queryset):
    return CadreChoiceField(
        label=_("Cadre"),
        queryset=queryset.select_related("village").order_by("village__code", "post"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class PayStandardForm(StyledForm):
    annual_amount = forms.DecimalField(
        label=_("Annual pay standard"), max_digits=12, decimal_places=2
    )
    effective_from = MonthField(label=_("In force from the month"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, cadres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"cadre": _cadre_field(cadres), **self.fields}


class RewardForm(StyledForm):
    village = forms.ModelChoiceField(label=_("Village or community"), queryset=None)
    kind = forms.ChoiceField(label=_("Reward"), choices=RewardKind.choices)
    level = forms.ChoiceField(
        label=_("Honour level"), choices=[("", "—"), *HonourLevel.choices], required=False
    )
    year = forms.IntegerField(label=_("Year"), min_value=2018, max_value=2100)
    title = forms.CharField(label=_("Honour or achievement"), max_length=120)
    pay_month = MonthField(label=_("Paid with the payroll of"))

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages.order_by("code")


class FirstClassForm(StyledForm):
    year = forms.IntegerField(label=_("Year"), min_value=2018, max_value=2100)
    pay_month = MonthField(label=_("Paid with the payroll of"))


class BenefitForm(StyledForm):
    kind = forms.ChoiceField(label=_("Benefit"), choices=BenefitKind.choices)
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    pay_month = MonthField(label=_("Paid with the payroll of"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, cadres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"cadre": _cadre_field(cadres), **self.fields}


class CollectiveShareForm(StyledForm):
    pay_month = MonthField(label=_("Paid with the payroll of"))
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, cadres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"cadre": _cadre_field(cadres), **self.fields}


class AdjustmentForm(StyledForm):
    pay_month = MonthField(label=_("Paid with the payroll of"))
    refers_to_month = MonthField(label=_("Corrects the month"), required=False)
    amount = forms.DecimalField(
        label=_("Amount (negative to take back)"), max_digits=12, decimal_places=2
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, cadres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"cadre": _cadre_field(cadres), **self.fields}
