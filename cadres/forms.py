"""Forms of the roster; they validate input, the services write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from longshan import scoping

from . import rules
from .models import Cadre, Candidate, DisqualifierItem, EventKind, Post, Relation, Village


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CadreForm(forms.ModelForm):
    """Roster record of a cadre; the village list is the user's own scope."""

    # The post held, its village, status and start date follow from the appointment
    # history (POLICY §3.6): asked only when a cadre is added, never on an edit.
    HISTORY_FIELDS = ("village", "post", "start_date")

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
            "start_date",
        ]
        widgets = {"party_join_date": DateInput(), "start_date": DateInput()}
        help_texts = {
            "id_number": _("18 characters; birth date and sex are read from it."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in self.HISTORY_FIELDS:
                del self.fields[name]
        else:
            villages = scoping.villages_open_for_new_cadres(user).select_related("township")
            self.fields["village"].queryset = villages.order_by("township__code", "code")
            self.fields["village"].label_from_instance = lambda v: f"{v.township.name} · {v.name}"
        _style(self)

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


def _style(form):
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)


class CandidateForm(forms.ModelForm):
    """A person proposed for a post (POLICY §3): the pool, with the clerk channel (§3.3)."""

    class Meta:
        model = Candidate
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
            "channel",
            "is_reappointment",
            "planned_on",
        ]
        widgets = {"party_join_date": DateInput(), "planned_on": DateInput()}
        help_texts = {
            "channel": _("Clerk candidates are drawn in this order of priority (POLICY §3.3)."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = Village.objects.select_related("township").order_by(
            "township__code", "code"
        )
        self.fields["village"].label_from_instance = lambda v: f"{v.township.name} · {v.name}"
        _style(self)

    def clean_id_number(self):
        try:
            return rules.parse_resident_id(self.cleaned_data["id_number"]).number
        except rules.ResidentIdError as error:
            raise forms.ValidationError(error.message, code=error.code) from None

    def _post_clean(self):
        pass


class AttestationForm(forms.Form):
    """The county's checklist of disqualifying situations: tick each one that applies."""

    ticked = forms.ModelMultipleChoiceField(
        queryset=DisqualifierItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Situations that apply to the candidate"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ticked"].queryset = DisqualifierItem.objects.filter(is_active=True)


class ExceptionForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the candidate is judged exceptional (特别优秀)"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class ReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Verdict"),
        choices=[("pass", _("Pass")), ("fail", _("Fail"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_("Required for a fail."),
    )

    def clean(self):
        data = super().clean()
        if data.get("verdict") == "fail" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("A fail needs the reason."))
        return data


class AppointForm(forms.Form):
    on = forms.DateField(label=_("Appointment date"), widget=DateInput())
    reason = forms.CharField(
        label=_("Decision"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For instance the number of the county's appointment document."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class EventForm(forms.Form):
    """A transfer, suspension, reinstatement, removal or departure (POLICY §3.6)."""

    kind = forms.ChoiceField(label=_("Event"))
    on = forms.DateField(label=_("Date"), widget=DateInput())
    village = forms.ModelChoiceField(
        label=_("New village (transfer)"), queryset=Village.objects.none(), required=False
    )
    post = forms.ChoiceField(
        label=_("New post (transfer)"), choices=[("", "—"), *Post.choices], required=False
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        from .services import EVENT_FORM_KINDS

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, EventKind(kind).label) for kind in EVENT_FORM_KINDS]
        self.fields["village"].queryset = Village.objects.select_related("township").order_by(
            "township__code", "code"
        )
        self.fields["village"].label_from_instance = lambda v: f"{v.township.name} · {v.name}"
        _style(self)


class RelationForm(forms.ModelForm):
    class Meta:
        model = Relation
        fields = ["id_number_a", "name_a", "kind", "id_number_b", "name_b"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def _post_clean(self):
        pass


class DisqualifierForm(forms.ModelForm):
    class Meta:
        model = DisqualifierItem
        fields = ["text", "position", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def _post_clean(self):
        pass


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (xlsx or csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv", "class": "form-control"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = upload.name.rsplit(".", 1)[-1].lower()
        if extension not in ("xlsx", "csv"):
            raise forms.ValidationError(_("Upload an .xlsx or a .csv file."))
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        upload.file_format = extension
        return upload
