"""Roster import and export (POLICY §1.4, DESIGN: counties live in Excel).

django-import-export reads the file, matches rows to cadres by resident ID number and
collects every bad row of a dry run (`result.invalid_rows`, with its row number and the
reasons). Nothing is written row by row: when the whole file is good, `after_import`
writes it set-based (bulk create, bulk update, the appointment events, one audit event)
inside the import's transaction; a file with any bad row writes nothing.

Export writes exactly the rows of the user's roster list, with its filters; a text cell
that a spreadsheet would run as a formula is kept as text (`longshan.spreadsheets`).
"""

import datetime
import io

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.formats import base_formats
from import_export.instance_loaders import CachedInstanceLoader

from longshan import audit, privacy, rulebook, scoping, spreadsheets
from longshan.spreadsheets import FORMULA_PREFIXES, XLSX_CONTENT_TYPE

from . import rules, services
from .choices import Education, Ethnicity, PoliticalStatus
from .models import AppointmentEvent, Cadre, CadreStatus, Post, Relation, Village

FORMATS = {"xlsx": base_formats.XLSX, "csv": base_formats.CSV}
CONTENT_TYPES = {
    "xlsx": XLSX_CONTENT_TYPE,
    "csv": "text/csv; charset=utf-8",
}


def _text(value):
    """Return a cell as stripped text; a leading apostrophe that guarded a formula goes."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.startswith("'") and text[1:2] in FORMULA_PREFIXES:
        text = text[1:]
    return text


class TextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return _text(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class IdNumberWidget(TextWidget):
    def clean(self, value, row=None, **kwargs):
        return _text(value).upper()


class ChoiceWidget(widgets.Widget):
    """A coded value, written as its label; read from its label or its code."""

    def __init__(self, choices):
        super().__init__()
        self.choices = choices

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            return ""
        for code, label in self.choices.choices:
            if text in (code, str(label)):
                return code
        raise ValueError(_("“%(value)s” is not one of the allowed values.") % {"value": text})

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        return str(dict(self.choices.choices).get(value, value))


class DateTextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = _text(value).replace("/", "-").replace(".", "-")
        try:
            return datetime.date.fromisoformat(text[:10])
        except ValueError:
            raise ValueError(
                _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": text}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class VillageCodeWidget(widgets.Widget):
    """A village by its division code; the codes are loaded once per import."""

    def __init__(self):
        super().__init__()
        self.villages = {}

    def clean(self, value, row=None, **kwargs):
        code = _text(value)
        village = self.villages.get(code)
        if village is None:
            raise ValueError(_("Unknown village code “%(code)s”.") % {"code": code})
        return village

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class CadreResource(resources.ModelResource):
    """The roster as rows, matched by resident ID number."""

    def __init__(self, *, user=None, today=None, reveal_personal=False):
        super().__init__()
        self.user = user
        # An export shows ID and phone numbers masked unless its reader may see them.
        self.reveal_personal = reveal_personal
        self.today = today or timezone.localdate()
        self.village_widget = VillageCodeWidget()
        self.fields = self._build_fields()
        self.seen_ids = set()
        self.new_cadres, self.changed_cadres = [], []

    def _build_fields(self):
        def field(attribute, column, widget, readonly=False):
            return fields.Field(
                attribute=attribute, column_name=column, widget=widget, readonly=readonly
            )

        return {
            "id_number": field("id_number", _("Resident ID number"), IdNumberWidget()),
            "name": field("name", _("Name"), TextWidget()),
            "ethnicity": field("ethnicity", _("Ethnicity"), ChoiceWidget(Ethnicity)),
            "phone": field("phone", _("Phone"), TextWidget()),
            "education": field("education", _("Education"), ChoiceWidget(Education)),
            "political_status": field(
                "political_status", _("Political status"), ChoiceWidget(PoliticalStatus)
            ),
            "party_join_date": field("party_join_date", _("Joined the Party on"), DateTextWidget()),
            "township": field("village__township__name", _("Township"), TextWidget(), True),
            "village": field("village", _("Village code"), self.village_widget),
            "village_name": field("village__name", _("Village or community"), TextWidget(), True),
            "post": field("post", _("Post"), ChoiceWidget(Post)),
            "status": field("status", _("Status"), ChoiceWidget(CadreStatus)),
            "start_date": field("start_date", _("In post since"), DateTextWidget()),
        }

    class Meta:
        model = Cadre
        fields = ()
        import_id_fields = ("id_number",)
        instance_loader_class = CachedInstanceLoader
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = True
        clean_model_instances = False

    # ------------------------------------------------------------ reading

    def get_import_id_fields(self):
        return ["id_number"]

    def get_queryset(self):
        # Every cadre, so an ID already on the roster is found whoever imports it.
        return Cadre.objects.select_related("village__township")

    def get_import_fields(self):
        return [field for name, field in self.fields.items() if not field.readonly]

    def get_export_fields(self, selected_fields=None):
        return list(self.fields.values())

    def get_fields(self, **kwargs):
        return list(self.fields.values())

    def before_import(self, dataset, **kwargs):
        """Load what every row needs in a few queries: villages, scope and rule values."""
        self.village_widget.villages = {
            village.code: village for village in Village.objects.select_related("township")
        }
        self.open_village_ids = set(
            scoping.villages_open_for_new_cadres(self.user).values_list("pk", flat=True)
        )
        keys = [
            rulebook.SELECTION_SECRETARY_NEW_MAX_AGE,
            rulebook.SELECTION_SECRETARY_REAPPOINTED_MAX_AGE,
            rulebook.SELECTION_SECRETARY_MIN_PARTY_YEARS,
            rulebook.SELECTION_CLERK_MAX_AGE,
            rulebook.SELECTION_CLERK_EXCEPTIONAL_MAX_AGE,
            rulebook.SELECTION_CLERK_MIN_EDUCATION,
            rulebook.SELECTION_POLICE_MAX_AGE,
            rulebook.SELECTION_POLICE_MIN_EDUCATION,
        ]
        self.book = rulebook.RuleBook.load(keys)
        self.seen_ids, self.new_cadres, self.changed_cadres = set(), [], []
        # For the leadership checks of new rows (one sitting secretary a village, POLICY
        # §3.5 relatives): who sits where now, and the recorded relations, in two queries.
        self.relations = {}
        for relation in Relation.objects.all():
            self.relations.setdefault(relation.id_number_a, []).append(
                (relation.id_number_b, relation)
            )
            self.relations.setdefault(relation.id_number_b, []).append(
                (relation.id_number_a, relation)
            )
        self.sitting = {
            cadre.id_number: cadre
            for cadre in Cadre.objects.filter(
                status__in=[CadreStatus.ACTIVE, CadreStatus.SUSPENDED]
            ).only("id_number", "name", "post", "village_id")
        }
        self.secretary_villages = {
            cadre.village_id for cadre in self.sitting.values() if cadre.post == Post.SECRETARY
        }

    def import_instance(self, instance, row, **kwargs):
        """Read the row into the cadre, then check it: every problem of the row at once."""
        is_new = instance.pk is None
        before = {f: getattr(instance, f) for f in services.HISTORY_FIELDS} if not is_new else {}
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except Exception as error:  # a ValidationError of the fields that did not parse
            errors = dict(getattr(error, "error_dict", {"__all__": [error]}))
        messages = [message for field_errors in errors.values() for message in _flat(field_errors)]
        messages += self._check(instance, is_new, before, row)
        if messages:
            from django.core.exceptions import ValidationError

            raise ValidationError(messages)

    def _check(self, cadre, is_new, before, row):
        problems = []
        try:
            rules.parse_resident_id(cadre.id_number, today=self.today)
        except rules.ResidentIdError as error:
            return [str(error.message)]
        if cadre.id_number in self.seen_ids:
            problems.append(
                _("The resident ID number %(id)s appears twice in the file.")
                % {"id": cadre.id_number}
            )
        self.seen_ids.add(cadre.id_number)
        cadre.derive_fields()
        if not cadre.name:
            problems.append(_("The name is missing."))
        village = getattr(cadre, "village", None) if cadre.village_id else None
        if village is not None and village.pk not in self.open_village_ids:
            problems.append(
                _("%(village)s is outside your scope: you may not import cadres there.")
                % {"village": village.name}
            )
        if not is_new and before.get("village").pk not in self.open_village_ids:
            problems.append(_("This person is on the roster of a village outside your scope."))
        if is_new:
            problems += self._check_new(cadre)
        else:
            moved = [
                field for field in services.HISTORY_FIELDS if before[field] != getattr(cadre, field)
            ]
            if moved:
                problems.append(
                    _(
                        "Village, post, status and start date change only through the "
                        "appointment history, not by import."
                    )
                )
        party = cadre.political_status in (
            PoliticalStatus.PARTY_MEMBER,
            PoliticalStatus.PROBATIONARY_MEMBER,
        )
        if party != bool(cadre.party_join_date):
            problems.append(
                _("A Party member needs a Party join date, and only a Party member has one.")
            )
        for field in ("ethnicity", "education", "political_status"):
            if not getattr(cadre, field):
                problems.append(
                    _("The column “%(column)s” is empty.")
                    % {"column": self.fields[field].column_name}
                )
        return problems

    def _check_new(self, cadre):
        problems = []
        if not cadre.post:
            problems.append(_("The post is missing."))
        if not cadre.start_date:
            problems.append(_("The start date is missing."))
            return problems
        if cadre.status and cadre.status != CadreStatus.ACTIVE:
            problems.append(_("A new cadre on the roster must be in post."))
        cadre.status = CadreStatus.ACTIVE
        problems += self._check_leadership(cadre)
        if cadre.post and cadre.birth_date:
            try:
                limits = services.limits_on(cadre.start_date, book=self.book)
            except rulebook.RuleNotInForceError as error:
                return [*problems, str(error)]
            limit = rules.age_limit_for(cadre.post, limits)
            age = rules.age_on(cadre.birth_date, cadre.start_date)
            if age > limit:
                problems.append(
                    _("Aged %(age)s on %(date)s: over the age limit of %(limit)s for the post.")
                    % {"age": age, "date": cadre.start_date.isoformat(), "limit": limit}
                )
        return problems

    def _check_leadership(self, cadre):
        """A new row may not give a village a second sitting secretary, nor put relatives
        in one village's leadership (§3.5), counting the rows above it in the file."""
        if not cadre.village_id:
            return []
        problems = []
        if cadre.post == Post.SECRETARY:
            if cadre.village_id in self.secretary_villages:
                problems.append(_("This village already has a sitting party secretary."))
            self.secretary_villages.add(cadre.village_id)
        for other_id, relation in self.relations.get(cadre.id_number, []):
            relative = self.sitting.get(other_id)
            if relative is not None and relative.village_id == cadre.village_id:
                problems.append(
                    services.relatives_clash(cadre.name, relative, relation, cadre.village)
                )
        self.sitting[cadre.id_number] = cadre
        return problems

    def save_instance(self, instance, is_create, row, **kwargs):
        """Collect the row; `after_import` writes them all at once when the file is good."""
        (self.new_cadres if is_create else self.changed_cadres).append(instance)

    def after_import(self, dataset, result, **kwargs):
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        self.write(result)

    @transaction.atomic
    def write(self, result):
        """Write the whole good file in one transaction, set-based (POLICY §3.6 events)."""
        new, changed = self.new_cadres, self.changed_cadres
        Cadre.objects.bulk_create(new, batch_size=500)
        ids = dict(
            Cadre.objects.filter(id_number__in=[c.id_number for c in new]).values_list(
                "id_number", "pk"
            )
        )
        now = timezone.now()
        AppointmentEvent.objects.bulk_create(
            [
                AppointmentEvent(
                    cadre_id=ids[cadre.id_number],
                    kind=AppointmentEvent.Kind.APPOINTMENT,
                    on=cadre.start_date,
                    village_id=cadre.village_id,
                    post=cadre.post,
                    reason=_("Imported with the roster file"),
                    decided_by=self.user,
                    decided_by_name=services._actor_name(self.user),
                    decided_at=now,
                )
                for cadre in new
            ],
            batch_size=500,
        )
        personal = [f for f in services.EDITABLE_CADRE_FIELDS if f != "id_number"]
        Cadre.objects.bulk_update(changed, [*personal, "name_pinyin", "name_initials"], 500)
        townships = {cadre.village.township_id for cadre in [*new, *changed]}
        audit.record(
            "roster.imported",
            actor=self.user,
            changes={
                "created": [None, len(new)],
                "updated": [None, len(changed)],
                "rows": [None, result.total_rows],
            },
            township_id=townships.pop() if len(townships) == 1 else None,
        )

    # ------------------------------------------------------------ writing a file

    def export_field(self, field, instance, **kwargs):
        value = field.export(instance)
        if not self.reveal_personal:
            value = privacy.mask(field.attribute, value)
        return spreadsheets.neutralise(value)


def _flat(errors):
    for error in errors if isinstance(errors, list) else [errors]:
        if hasattr(error, "messages"):
            yield from (str(message) for message in error.messages)
        else:
            yield str(error)


def read_dataset(content, file_format):
    """Return the tablib Dataset of an uploaded file's bytes, or raise ValueError."""
    format_class = FORMATS[file_format]()
    if file_format == "csv":
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            content = content.decode("gb18030")
    try:
        return format_class.create_dataset(content)
    except Exception as error:
        raise ValueError(
            _("The file cannot be read as %(format)s.") % {"format": file_format}
        ) from error


def import_roster(content, file_format, *, user, dry_run, today=None):
    """Import a roster file; return the import-export Result.

    A dry run writes nothing; a real run writes only when every row is good.
    """
    dataset = read_dataset(content, file_format)
    resource = CadreResource(user=user, today=today)
    return resource.import_data(dataset, dry_run=dry_run, use_transactions=True)


def export_roster(queryset, file_format, *, reveal_personal=False):
    """Return the bytes of a roster file of exactly these cadres.

    ID and phone numbers are masked unless `reveal_personal` (longshan.privacy).
    """
    resource = CadreResource(reveal_personal=reveal_personal)
    dataset = resource.export(queryset.select_related("village__township"))
    if file_format == "csv":
        return ("\ufeff" + dataset.export("csv")).encode("utf-8")
    return _xlsx(dataset)


def _xlsx(dataset):
    """Write the dataset to xlsx, every text cell typed as text (never a formula)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("Roster"))[:31]
    sheet.append(list(dataset.headers))
    for row in dataset:
        sheet.append([None] * len(row))
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=sheet.max_row, column=column)
            if isinstance(value, str) and value.startswith("'") and value[1:2] in FORMULA_PREFIXES:
                value = value[1:]  # the csv guard: xlsx types the cell as text instead
            cell.value = value
            spreadsheets.keep_as_text(cell)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
