"""Form helpers shared by every app."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import rulebook


def add_service_errors(form, error):
    """Show a service's ValidationError on the form: by field where the form has it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_errors in error.error_dict.items():
        target = field if field in form.fields else None
        for field_error in field_errors:
            form.add_error(target, field_error)


class RuleValueForm(forms.Form):
    """A new value of one county rule, in force from a date, with the reason."""

    value = forms.CharField(label=_("New value"), max_length=200)
    effective_from = forms.DateField(
        label=_("In force from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, definition, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def clean_value(self):
        try:
            self.definition.parse(self.cleaned_data["value"])
        except rulebook.RuleValueError as error:
            raise ValidationError(str(error)) from None
        return self.cleaned_data["value"]
