"""Forms of the roster; they validate input, the services write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from longshan import scoping

from . import rules
from .models import Cadre, Village


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CadreForm(forms.ModelForm):
    """Roster record of a cadre; the village list is the user's own scope."""

    class Meta:
        model = Cadre
        fields = [
            "name",
            "id_number",
            "ethnicity",
            "phone",
            "education",
            "political_status",
            "party_join_date",
            "village",
            "post",
            "is_full_time",
            "status",
            "start_date",
        ]
        widgets = {"party_join_date": DateInput(), "start_date": DateInput()}
        help_texts = {
            "id_number": _("18 characters; birth date and sex are read from it."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        villages = scoping.villages_open_for_new_cadres(user).select_related("township")
        self.fields["village"].queryset = villages.order_by("township__code", "code")
        self.fields["village"].label_from_instance = lambda v: f"{v.township.name} · {v.name}"
        for field in self.fields.values():
            css = (
                "form-check-input"
                if isinstance(field.widget, forms.CheckboxInput)
                else ("form-select" if isinstance(field.widget, forms.Select) else "form-control")
            )
            field.widget.attrs.setdefault("class", css)

    def clean_id_number(self):
        try:
            return rules.parse_resident_id(self.cleaned_data["id_number"]).number
        except rules.ResidentIdError as error:
            raise forms.ValidationError(error.message, code=error.code) from None

    def _post_clean(self):
        # The service validates the whole model (derived fields and constraints included).
        pass


class VillageForm(forms.ModelForm):
    class Meta:
        model = Village
        fields = ["name", "kind", "population", "area_km2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def _post_clean(self):
        pass
