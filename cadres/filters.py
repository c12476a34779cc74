"""Filters, search and sorting of the roster list."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from longshan import privacy
from longshan.forms import QuickSelect

from .choices import Education
from .models import Cadre, CadreStatus, Post, Township, Village

# A select of more villages than this is no use to anyone (a county has about 400; a
# province tens of thousands): above it, the village filter waits for a township.
VILLAGE_CHOICES_LIMIT = 500


class RosterOrdering(django_filters.OrderingFilter):
    # Declared here so that the portal's own catalogue translates it.
    descending_fmt = _("%s (descending)")


class CadreFilter(django_filters.FilterSet):
    """Filter a scoped roster; choices offered are drawn from the same scope."""

    q = django_filters.CharFilter(method="search", label=_("Name, pinyin initials or ID number"))
    township = django_filters.ModelChoiceFilter(
        field_name="village__township",
        queryset=Township.objects.none(),
        label=_("Township"),
        empty_label=_("All"),
        widget=QuickSelect(label_field="name"),
    )
    village = django_filters.ModelChoiceFilter(
        queryset=Village.objects.none(),
        label=_("Village"),
        empty_label=_("All"),
        widget=QuickSelect(label_field="name"),
    )
    post = django_filters.ChoiceFilter(choices=Post.choices, label=_("Post"), empty_label=_("All"))
    status = django_filters.ChoiceFilter(
        choices=CadreStatus.choices, label=_("Status"), empty_label=_("All")
    )
    education = django_filters.ChoiceFilter(
        choices=Education.choices, label=_("Education"), empty_label=_("All")
    )
    sort = RosterOrdering(
        fields=(
            ("name_pinyin", "name"),
            ("village__code", "village"),
            ("post", "post"),
            ("birth_date", "birth_date"),
            ("start_date", "start_date"),
        ),
        field_labels={
            "name_pinyin": _("Name"),
            "village__code": _("Village"),
            "post": _("Post"),
            "birth_date": _("Birth date"),
            "start_date": _("In post since"),
        },
        label=_("Sort by"),
        empty_label=_("Default order"),
    )

    class Meta:
        model = Cadre
        fields = []

    def __init__(self, data=None, queryset=None, *, townships, villages, user=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        # Part of an ID number finds cadres only for those who see ID numbers in full; the
        # others must type the whole number, so the search cannot reveal its digits.
        self.partial_id_search = privacy.may_view_personal_data(user)
        self.filters["township"].queryset = townships
        villages = self._villages_following_the_township(data or {}, villages)
        self.filters["village"].queryset = villages
        for name, field in self.form.fields.items():
            field.widget.attrs.setdefault("class", "form-control" if name == "q" else "form-select")

    @staticmethod
    def _villages_following_the_township(data, villages):
        """Return the villages of the chosen township, else of the chosen village's."""
        chosen_township = str(data.get("township") or "")
        chosen_village = str(data.get("village") or "")
        if chosen_township.isdigit():
            return villages.filter(township_id=int(chosen_township))
        if chosen_village.isdigit():
            return villages.filter(
                township_id__in=Village.objects.filter(pk=int(chosen_village)).values("township")
            )
        return villages

    def offer_village_choices(self):
        """Offer the villages as choices unless there are too many for one select.

        For a page that shows the form; one query whatever the scope: a county's 397
        villages are all offered, as before; a province's tens of thousands are not, and
        the select asks for a township first. Validation still reads the whole queryset,
        so a linked `?village=` keeps working.
        """
        field = self.form.fields["village"]
        offered = list(field.queryset[: VILLAGE_CHOICES_LIMIT + 1])
        if len(offered) > VILLAGE_CHOICES_LIMIT:
            offered = []
            field.empty_label = _("Choose a township first")
        field.widget.choices = [("", field.empty_label)] + [
            (village.pk, field.label_from_instance(village)) for village in offered
        ]

    def search(self, queryset, name, value):
        """Match a name, the start of its pinyin or initials, or part of an ID number."""
        value = value.strip()
        if not value:
            return queryset
        ascii_value = value.lower().replace(" ", "")
        if ascii_value.isascii() and ascii_value.isalpha():
            return queryset.filter(
                Q(name_initials__startswith=ascii_value) | Q(name_pinyin__startswith=ascii_value)
            )
        if value[:-1].isdigit() or value.isdigit():
            if not self.partial_id_search:
                return queryset.filter(id_number=value.upper())
            return queryset.filter(id_number__contains=value.upper())
        return queryset.filter(name__contains=value)
