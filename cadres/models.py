"""The organisation tree (POLICY §1.1), the full-time cadres (§1.2) and the users (§1.4)."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Substr
from django.db.models.lookups import Exact, GreaterThan, In
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from . import names, rules
from .choices import PARTY_STATUSES, Education, Ethnicity, PoliticalStatus, Sex


def _choice_values(choices):
    return [value for value, _label in choices.choices]


class TownshipKind(models.TextChoices):
    TOWN = "town", _("Town or township")
    SUBDISTRICT = "subdistrict", _("Subdistrict")


class VillageKind(models.TextChoices):
    VILLAGE = "village", _("Village")
    COMMUNITY = "community", _("Community")


class Post(models.TextChoices):
    SECRETARY = "secretary", _("Party secretary")
    CLERK = "clerk", _("Full-time clerk")
    AUXILIARY_POLICE = "auxiliary_police", _("Auxiliary police")


class CadreStatus(models.TextChoices):
    ACTIVE = "active", _("In post")
    SUSPENDED = "suspended", _("Suspended")
    REMOVED = "removed", _("Removed from post")
    DEPARTED = "departed", _("Departed")


class Role(models.TextChoices):
    COUNTY_STAFF = "county_staff", _("County organization department staff")
    VETTING_REVIEWER = "vetting_reviewer", _("Joint-vetting reviewer")
    PUBLIC_SECURITY = "public_security", _("Public security bureau staff")
    TOWNSHIP_OFFICIAL = "township_official", _("Township official")
    VILLAGE_SECRETARY = "village_secretary", _("Village party secretary")
    VILLAGE_CADRE = "village_cadre", _("Village cadre")


class Department(models.TextChoices):
    """The nine joint-vetting departments (POLICY §3.4)."""

    DISCIPLINE = "discipline", _("Discipline inspection")
    ORGANIZATION = "organization", _("Organization department")
    POLITICAL_LEGAL = "political_legal", _("Political and legal affairs")
    PUBLIC_SECURITY = "public_security", _("Public security")
    PROCURATORATE = "procuratorate", _("Procuratorate")
    COURT = "court", _("Court")
    PETITIONS = "petitions", _("Letters and visits")
    HEALTH = "health", _("Health commission")
    AGRICULTURE = "agriculture", _("Agriculture and rural affairs")


class County(models.Model):
    """The county: the root of the tree and the scope of county staff."""

    name = models.CharField(_("name"), max_length=50)
    code = models.CharField(_("division code"), max_length=12, unique=True)

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")

    def __str__(self):
        return self.name


class Township(models.Model):
    """A township (乡镇) or subdistrict (街道) of the county."""

    Kind = TownshipKind

    county = models.ForeignKey(
        County,
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="townships",
    )
    name = models.CharField(_("name"), max_length=50)
    code = models.CharField(_("division code"), max_length=12, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)

    class Meta:
        verbose_name = _("township")
        verbose_name_plural = _("townships")
        ordering = ["code"]
        permissions = [("manage_township", _("Can manage the township's roster"))]
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="township_name_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=_choice_values(TownshipKind)),
                name="township_kind_valid",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="township_name_not_empty"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("cadres:township_detail", args=[self.pk])


class Village(models.Model):
    """A village (村) or community (社区); population and area drive its quota (§2.3)."""

    Kind = VillageKind

    township = models.ForeignKey(
        Township,
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        related_name="villages",
    )
    name = models.CharField(_("name"), max_length=50)
    code = models.CharField(_("division code"), max_length=12, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    population = models.PositiveIntegerField(_("population"))
    area_km2 = models.DecimalField(_("area (km²)"), max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("village or community")
        verbose_name_plural = _("villages and communities")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="village_name_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=_choice_values(VillageKind)),
                name="village_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(population__gt=0),
                name="village_population_positive",
                violation_error_message=_("The population must be above zero."),
            ),
            models.CheckConstraint(
                condition=Q(area_km2__gt=0),
                name="village_area_positive",
                violation_error_message=_("The area must be above zero."),
            ),
            models.CheckConstraint(condition=~Q(name=""), name="village_name_not_empty"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("cadres:village_detail", args=[self.pk])

    @property
    def is_community(self):
        return self.kind == self.Kind.COMMUNITY


class TownshipUserObjectPermission(UserObjectPermissionBase):
    """A user's grant on one township (direct foreign key, so scope filters join cheaply)."""

    content_object = models.ForeignKey(Township, on_delete=models.CASCADE)


class TownshipGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Township, on_delete=models.CASCADE)


class VillageUserObjectPermission(UserObjectPermissionBase):
    """A user's grant on one village."""

    content_object = models.ForeignKey(Village, on_delete=models.CASCADE)


class VillageGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Village, on_delete=models.CASCADE)


phone_validator = RegexValidator(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$",
    _("Enter an 11-digit mobile number or a landline number with its area code."),
)


class Cadre(models.Model):
    """A full-time village cadre on the county roster (POLICY §1.2).

    Birth date and sex are never typed: `save()` derives them from the resident ID number,
    so they cannot disagree with it; a database check holds sex to the ID's 17th digit.
    """

    Post = Post

    Status = CadreStatus

    name = models.CharField(_("name"), max_length=30)
    name_pinyin = models.CharField(
        _("name in pinyin"), max_length=120, editable=False, db_index=True
    )
    name_initials = models.CharField(
        _("pinyin initials"), max_length=30, editable=False, db_index=True
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, editable=False)
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=Ethnicity.choices)
    id_number = models.CharField(_("resident ID number"), max_length=18, unique=True)
    birth_date = models.DateField(_("birth date"), editable=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    education = models.CharField(_("education"), max_length=20, choices=Education.choices)
    political_status = models.CharField(
        _("political status"), max_length=20, choices=PoliticalStatus.choices
    )
    party_join_date = models.DateField(_("joined the Party on"), null=True, blank=True)
    village = models.ForeignKey(
        Village,
        verbose_name=_("village or community"),
        on_delete=models.PROTECT,
        related_name="cadres",
    )
    post = models.CharField(_("post"), max_length=20, choices=Post.choices)
    is_full_time = models.BooleanField(_("full-time"), default=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    start_date = models.DateField(_("in post since"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("cadre")
        verbose_name_plural = _("cadres")
        ordering = ["village__code", "post", "name"]
        indexes = [models.Index(fields=["village", "post", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("id_number"), 18),
                name="cadre_id_number_length",
                violation_error_message=_("A resident ID number has 18 characters."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(sex=Sex.MALE) & In(Substr("id_number", 17, 1), ["1", "3", "5", "7", "9"])
                )
                | (Q(sex=Sex.FEMALE) & In(Substr("id_number", 17, 1), ["0", "2", "4", "6", "8"])),
                name="cadre_sex_matches_id_number",
                violation_error_message=_("The sex does not match the resident ID number."),
            ),
            models.CheckConstraint(
                condition=Q(post__in=_choice_values(Post)), name="cadre_post_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=_choice_values(CadreStatus)),
                name="cadre_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(education__in=_choice_values(Education)),
                name="cadre_education_valid",
            ),
            models.CheckConstraint(
                condition=Q(political_status__in=PARTY_STATUSES, party_join_date__isnull=False)
                | (~Q(political_status__in=PARTY_STATUSES) & Q(party_join_date__isnull=True)),
                name="cadre_party_date_iff_member",
                violation_error_message=_(
                    "A Party member needs a Party join date, and only a Party member has one."
                ),
            ),
            models.CheckConstraint(
                condition=Q(party_join_date__isnull=True)
                | GreaterThan(models.F("party_join_date"), models.F("birth_date")),
                name="cadre_party_date_after_birth",
                violation_error_message=_("The Party join date must be after the birth date."),
            ),
            models.CheckConstraint(
                condition=GreaterThan(models.F("start_date"), models.F("birth_date")),
                name="cadre_start_after_birth",
                violation_error_message=_("The start date must be after the birth date."),
            ),
            # One sitting party secretary per village (POLICY §1.2).
            models.UniqueConstraint(
                fields=["village"],
                condition=Q(post="secretary", status__in=["active", "suspended"]),
                name="cadre_one_sitting_secretary_per_village",
                violation_error_message=_("This village already has a sitting party secretary."),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.derive_fields()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("cadres:cadre_detail", args=[self.pk])

    def clean(self):
        errors = {}
        if self.id_number:
            try:
                rules.parse_resident_id(self.id_number)
            except rules.ResidentIdError as error:
                errors["id_number"] = error.message
        if self.political_status in PARTY_STATUSES and not self.party_join_date:
            errors["party_join_date"] = _("Enter the date this Party member joined the Party.")
        if self.political_status not in PARTY_STATUSES and self.party_join_date:
            errors["party_join_date"] = _("Only a Party member has a Party join date.")
        too_young = (
            self.party_join_date
            and self.birth_date
            and rules.age_on(self.birth_date, self.party_join_date) < 18
        )
        if too_young:
            errors["party_join_date"] = _("One joins the Party at 18 or older.")
        if errors:
            raise ValidationError(errors)

    def derive_fields(self):
        """Set birth date and sex from the ID number and the search keys from the name."""
        resident_id = rules.parse_resident_id(self.id_number)
        self.id_number = resident_id.number
        self.birth_date = resident_id.birth_date
        self.sex = resident_id.sex
        self.name_pinyin, self.name_initials = names.search_keys(self.name)


class User(AbstractUser):
    """A portal account with one role (POLICY §1.4); its scope comes from grants on units."""

    Role = Role

    Department = Department

    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    department = models.CharField(
        _("vetting department"), max_length=20, choices=Department.choices, blank=True
    )
    is_township_principal = models.BooleanField(_("township principal"), default=False)
    cadre = models.OneToOneField(
        Cadre,
        verbose_name=_("cadre record"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="user",
    )

    REQUIRED_FIELDS = ["email", "role"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=_choice_values(Role)), name="user_role_valid"
            ),
            models.CheckConstraint(
                condition=(Q(role="vetting_reviewer") & ~Q(department=""))
                | (~Q(role="vetting_reviewer") & Q(department="")),
                name="user_department_iff_reviewer",
            ),
            models.CheckConstraint(
                condition=Q(is_township_principal=False) | Q(role="township_official"),
                name="user_principal_only_township_official",
            ),
            models.CheckConstraint(
                condition=(
                    Q(role__in=["village_secretary", "village_cadre"]) & Q(cadre__isnull=False)
                )
                | (~Q(role__in=["village_secretary", "village_cadre"]) & Q(cadre__isnull=True)),
                name="user_cadre_iff_village_role",
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username
