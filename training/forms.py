"""Forms of training; they validate input, the services write."""

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from cadres.forms import DateInput
from cadres.models import Post, Township, Village
from longshan.forms import QuickSelect

from . import rules
from .models import EducationProgrammeEntry, Secondment, TrainingEvent

SHEET_SALT = "training.attendance_sheet"
SHEET_PREVIEW_MAX_AGE = 60 * 60  # seconds a previewed sheet may wait for its confirmation
FIRST_YEAR = 2018  # the pilot's start (POLICY §2.2); the minimum is in force from then


def _style(form):
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple)):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)


class EventForm(forms.ModelForm):
    class Meta:
        model = TrainingEvent
        fields = [
            "title",
            "event_type",
            "level",
            "township",
            "start_date",
            "end_date",
            "place",
            "days",
            "note",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "note": forms.Textarea(attrs={"rows": 3}),
            "days": forms.NumberInput(attrs={"step": "0.5", "min": "0.5"}),
        }
        help_texts = {
            "level": _("Only days at county level or above count toward the yearly minimum."),
            "days": _("Half days are 0.5."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = Township.objects.order_by("code")
        _style(self)

    def _post_clean(self):
        # The service checks the event against the rules and the model's constraints.
        pass


class EventFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=FIRST_YEAR)
    event_type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("All"))] + TrainingEvent.Type.choices,
    )
    level = forms.ChoiceField(
        label=_("Level"),
        required=False,
        choices=[("", _("All"))] + TrainingEvent.Level.choices,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class EnrolForm(forms.Form):
    """Whom to enrol: the full-time cadres in post of some townships or villages, of some posts."""

    townships = forms.ModelMultipleChoiceField(
        label=_("Townships"),
        queryset=Township.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    villages = forms.ModelMultipleChoiceField(
        label=_("Villages and communities"),
        queryset=Village.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    posts = forms.MultipleChoiceField(
        label=_("Posts"),
        choices=Post.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for every post."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["townships"].queryset = Township.objects.order_by("code")
        villages = Village.objects.select_related("township").order_by("code")
        self.fields["villages"].queryset = villages
        self.fields["villages"].label_from_instance = lambda v: f"{v.township.name} · {v.name}"
        _style(self)

    def clean(self):
        data = super().clean()
        if not (data.get("townships") or data.get("villages") or data.get("posts")):
            raise forms.ValidationError(_("Choose townships, villages or posts to enrol."))
        return data


class AttendanceForm(forms.Form):
    """The days each listed cadre attended; an empty box means no attendance."""

    def __init__(self, *args, cadres, **kwargs):
        super().__init__(*args, **kwargs)
        self.cadres = list(cadres)
        for cadre in self.cadres:
            self.fields[self.field_name(cadre.pk)] = forms.CharField(
                label=cadre.name,
                required=False,
                initial=cadre.days,
                widget=forms.TextInput(
                    attrs={
                        "class": "form-control form-control-sm days-input",
                        "inputmode": "decimal",
                        "autocomplete": "off",
                    }
                ),
            )

    @staticmethod
    def field_name(cadre_id):
        return f"days_{cadre_id}"

    def rows(self):
        return [(cadre, self[self.field_name(cadre.pk)]) for cadre in self.cadres]

    def clean(self):
        data = super().clean()
        days_by_cadre = {}
        for cadre in self.cadres:
            name = self.field_name(cadre.pk)
            text = (data.get(name) or "").strip()
            if not text:
                days_by_cadre[cadre.pk] = None
                continue
            try:
                days_by_cadre[cadre.pk] = rules.parse_days(text)
            except rules.DaysError as error:
                self.add_error(name, error.message)
        data["days_by_cadre"] = days_by_cadre
        return data


class SheetUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Attendance sheet (xlsx or csv)"),
        help_text=_("Columns 身份证号, 姓名, 天数 under a header row; at most 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv", "class": "form-control"}),
    )


def sheet_payload(*, event, user, file_name, rows):
    """Return a signed, tamper-proof copy of a previewed sheet, for its confirmation."""
    return signing.dumps(
        {
            "event": event.pk,
            "user": user.pk,
            "file": file_name,
            "rows": [[row.row_number, row.id_number, row.name, row.days_text] for row in rows],
        },
        salt=SHEET_SALT,
        compress=True,
    )


class SheetConfirmForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, event, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.event, self.user = event, user

    def clean_payload(self):
        try:
            data = signing.loads(
                self.cleaned_data["payload"], salt=SHEET_SALT, max_age=SHEET_PREVIEW_MAX_AGE
            )
        except signing.BadSignature:
            raise forms.ValidationError(
                _("The preview has expired or was changed: upload the file again.")
            ) from None
        if data.get("event") != self.event.pk or data.get("user") != self.user.pk:
            raise forms.ValidationError(_("This preview belongs to another event: upload again."))
        rows = [
            rules.SheetRow(row_number=number, id_number=id_number, name=name, days=days)
            for number, id_number, name, days in data["rows"]
        ]
        return {"file": data["file"], "rows": rows}


class ComplianceFilterForm(forms.Form):
    SHORT, ALL = "short", "all"

    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=2100)
    township = forms.ModelChoiceField(
        label=_("Township"),
        queryset=Township.objects.none(),
        required=False,
        empty_label=_("All"),
        widget=QuickSelect(label_field="name"),
    )
    village = forms.ModelChoiceField(
        label=_("Village"),
        queryset=Village.objects.none(),
        required=False,
        empty_label=_("All"),
        widget=QuickSelect(label_field="name"),
    )
    show = forms.ChoiceField(
        label=_("Show"),
        choices=[(SHORT, _("Only cadres short of the minimum")), (ALL, _("Every cadre"))],
        required=False,
    )

    def __init__(self, *args, townships, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships
        self.fields["village"].queryset = villages
        _style(self)


class SecondmentForm(forms.ModelForm):
    class Meta:
        model = Secondment
        fields = ["township", "office", "start_date", "end_date", "note"]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "note": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"office": _("For example 党政综合办公室 or 社会事务办公室.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = Township.objects.order_by("code")
        _style(self)

    def _post_clean(self):
        pass


class EducationEntryForm(forms.ModelForm):
    class Meta:
        model = EducationProgrammeEntry
        fields = ["institution", "major", "start_date", "graduation_date", "note"]
        widgets = {
            "start_date": DateInput(),
            "graduation_date": DateInput(),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def _post_clean(self):
        pass
