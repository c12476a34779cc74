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
from django.utils.translation import pgettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from . import names, rules
from .choices import PARTY_STATUSES, Education, Ethnicity, PoliticalStatus, Sex


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
                condition=Q(kind__in=TownshipKind.values),
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
                condition=Q(kind__in=VillageKind.values),
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
            models.CheckConstraint(condition=Q(post__in=Post.values), name="cadre_post_valid"),
            models.CheckConstraint(
                condition=Q(status__in=CadreStatus.values),
                name="cadre_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(education__in=Education.values),
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
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid"),
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


# ---------------------------------------------------------------- appointment history (§3.6)


class EventKind(models.TextChoices):
    APPOINTMENT = "appointment", _("Appointment")
    TRANSFER = "transfer", _("Transfer")
    SUSPENSION = "suspension", _("Suspension")
    REINSTATEMENT = "reinstatement", _("Reinstatement")
    REMOVAL = "removal", _("Removal from post")
    DEPARTURE = "departure", _("Departure")


class EventStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the county")
    CONFIRMED = "confirmed", _("In effect")
    CANCELLED = "cancelled", pgettext_lazy("appointment event", "Cancelled")


class AppointmentEvent(models.Model):
    """One step of a cadre's appointment history (POLICY §3.6): 任免记录.

    The cadre's village, post, status and start date are derived from the confirmed
    events (`services._apply_history`), never typed; a pending event (a removal proposed
    by attendance or performance) changes nothing until county staff confirm it.
    """

    Kind = EventKind
    Status = EventStatus

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED
    )
    on = models.DateField(_("date"))
    village = models.ForeignKey(
        Village,
        verbose_name=_("village or community"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For an appointment or a transfer: the village of the post."),
    )
    post = models.CharField(_("post"), max_length=20, choices=Post.choices, blank=True)
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(
        "User",
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_by_name = models.CharField(_("decided by (name)"), max_length=150, blank=True)
    source = models.CharField(_("proposed by"), max_length=40, blank=True)
    source_ref = models.CharField(_("reference there"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appointment event")
        verbose_name_plural = _("appointment events")
        ordering = ["on", "id"]
        indexes = [models.Index(fields=["cadre", "status", "on"])]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="event_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=EventStatus.values), name="event_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["appointment", "transfer"])
                | (Q(village__isnull=False) & ~Q(post="")),
                name="event_post_change_has_village_and_post",
            ),
            # One open proposal per source reference (open_removal is idempotent).
            models.UniqueConstraint(
                fields=["source", "source_ref"],
                condition=~Q(source="") & ~Q(status="cancelled"),
                name="event_one_live_per_source_ref",
            ),
        ]

    def __str__(self):
        return f"{self.cadre} · {self.get_kind_display()} · {self.on}"


# ---------------------------------------------------------------- selection (§3)


class Channel(models.TextChoices):
    """Where a clerk candidate comes from, in the order of priority of POLICY §3.3."""

    VILLAGE_DIRECTOR = "village_director", _("Village director")
    PRINCIPAL_CADRE = "principal_cadre", _("Other principal village cadre")
    POVERTY_VOLUNTEER = "poverty_volunteer", _("Poverty-alleviation volunteer")
    COMMITTEE_MEMBER = "committee_member", _("Other member of the two committees")
    RESERVE_CADRE = "reserve_cadre", _("Reserve cadre")
    OTHER_VILLAGER = "other_villager", _("Other qualified villager")


CHANNEL_PRIORITY = {value: rank for rank, value in enumerate(Channel.values, start=1)}


class CandidateStatus(models.TextChoices):
    POOL = "pool", _("In the pool")
    VETTING = "vetting", _("In joint vetting")
    APPOINTED = "appointed", _("Appointed")
    REJECTED = "rejected", pgettext_lazy("selection", "Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Candidate(models.Model):
    """A person proposed for a post in a village (POLICY §3): 候选人."""

    Status = CandidateStatus
    Channel = Channel

    name = models.CharField(_("name"), max_length=30)
    id_number = models.CharField(_("resident ID number"), max_length=18)
    birth_date = models.DateField(_("birth date"), editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, editable=False)
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=Ethnicity.choices)
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
        related_name="candidates",
    )
    post = models.CharField(_("post"), max_length=20, choices=Post.choices)
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.OTHER_VILLAGER
    )
    channel_rank = models.PositiveSmallIntegerField(_("priority"), editable=False, default=6)
    is_reappointment = models.BooleanField(
        _("re-appointment of a sitting secretary"), default=False
    )
    planned_on = models.DateField(_("planned appointment date"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.POOL
    )
    exception_reason = models.TextField(_("reason for an exception (特别优秀)"), blank=True)
    exception_approved_by = models.ForeignKey(
        "User",
        verbose_name=_("exception approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    exception_approved_at = models.DateTimeField(_("exception approved at"), null=True, blank=True)
    attested_at = models.DateTimeField(_("attested at"), null=True, blank=True)
    attested_by = models.ForeignKey(
        "User",
        verbose_name=_("attested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("cadre record"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidacies",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["channel_rank", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CandidateStatus.values),
                name="candidate_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="candidate_channel_valid"
            ),
            models.UniqueConstraint(
                fields=["id_number"],
                condition=Q(status__in=["pool", "vetting"]),
                name="candidate_one_open_per_person",
                violation_error_message=_("This person is already a candidate."),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.derive_fields()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("cadres:candidate_detail", args=[self.pk])

    def derive_fields(self):
        resident_id = rules.parse_resident_id(self.id_number)
        self.id_number = resident_id.number
        self.birth_date = resident_id.birth_date
        self.sex = resident_id.sex
        self.channel_rank = CHANNEL_PRIORITY.get(self.channel, len(CHANNEL_PRIORITY))

    @property
    def exception_approved(self):
        return bool(self.exception_reason and self.exception_approved_by_id)


class DisqualifierItem(models.Model):
    """One of the disqualifying situations (十种情形, POLICY §3.2), as the county words it.

    The text is the county's own (Chinese) wording, kept as data; retiring an item keeps
    the attestations that answered it.
    """

    text = models.CharField(_("situation"), max_length=200)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("disqualifying situation")
        verbose_name_plural = _("disqualifying situations")
        ordering = ["position", "id"]

    def __str__(self):
        return self.text


class Attestation(models.Model):
    """A candidate's answer to one disqualifying situation: applies or not."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="attestations")
    item = models.ForeignKey(DisqualifierItem, on_delete=models.PROTECT, related_name="+")
    item_text = models.CharField(_("situation"), max_length=200)
    applies = models.BooleanField(_("applies"))

    class Meta:
        verbose_name = _("attestation")
        verbose_name_plural = _("attestations")
        ordering = ["item__position", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["candidate", "item"], name="attestation_once")
        ]

    def __str__(self):
        return f"{self.item_text}: {self.applies}"


class VettingStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    PASSED = "passed", _("All departments passed")
    REJECTED = "rejected", pgettext_lazy("selection", "Rejected")
    APPOINTED = "appointed", _("Appointed")


class VettingCase(models.Model):
    """A joint vetting (联审) of one candidate by the nine departments (POLICY §3.4)."""

    Status = VettingStatus

    candidate = models.ForeignKey(
        Candidate, verbose_name=_("candidate"), on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    started_by = models.ForeignKey(
        "User", verbose_name=_("started by"), on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("vetting case")
        verbose_name_plural = _("vetting cases")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=VettingStatus.values), name="vetting_status_valid"
            ),
            models.UniqueConstraint(
                fields=["candidate"],
                condition=Q(status__in=["in_progress", "passed"]),
                name="vetting_one_open_case_per_candidate",
            ),
        ]

    def __str__(self):
        return f"{self.candidate} · {self.get_status_display()}"

    def get_absolute_url(self):
        return reverse("cadres:vetting_detail", args=[self.pk])


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    PASSED = "passed", _("Passed")
    FAILED = "failed", pgettext_lazy("vetting", "Failed")


class VettingReview(models.Model):
    """One department's verdict on a vetting case."""

    Status = ReviewStatus

    case = models.ForeignKey(VettingCase, on_delete=models.CASCADE, related_name="reviews")
    department = models.CharField(_("department"), max_length=20, choices=Department.choices)
    status = models.CharField(
        _("verdict"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    reason = models.TextField(_("reason"), blank=True)
    reviewer = models.ForeignKey(
        "User",
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("vetting review")
        verbose_name_plural = _("vetting reviews")
        ordering = ["case_id", "department"]
        constraints = [
            models.UniqueConstraint(fields=["case", "department"], name="review_once_per_dept"),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(reason=""),
                name="review_fail_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.case} · {self.get_department_display()}"

    def get_absolute_url(self):
        return reverse("cadres:review_detail", args=[self.pk])


# ---------------------------------------------------------------- relatives (§3.5)


class RelationKind(models.TextChoices):
    """Immediate relatives (直系亲属) the county's avoidance rule lists (POLICY §3.5)."""

    SPOUSE = "spouse", _("Spouse")
    PARENT_CHILD = "parent_child", _("Parent and child")
    SIBLING = "sibling", _("Siblings")
    GRANDPARENT = "grandparent", _("Grandparent and grandchild")
    IN_LAW = "in_law", _("Parent-in-law and child-in-law")
    SIBLING_IN_LAW = "sibling_in_law", _("Siblings-in-law")
    UNCLE_NEPHEW = "uncle_nephew", _("Uncle or aunt and nephew or niece")
    COUSIN = "cousin", _("First cousins")


class Relation(models.Model):
    """Two people who are relatives, named by ID number so candidates count too."""

    Kind = RelationKind

    kind = models.CharField(_("relation"), max_length=20, choices=Kind.choices)
    id_number_a = models.CharField(_("resident ID number"), max_length=18, db_index=True)
    name_a = models.CharField(_("name"), max_length=30)
    id_number_b = models.CharField(_("resident ID number of the relative"), max_length=18)
    name_b = models.CharField(_("name of the relative"), max_length=30)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        indexes = [models.Index(fields=["id_number_b"])]
        constraints = [
            models.UniqueConstraint(fields=["id_number_a", "id_number_b"], name="relation_once"),
            models.CheckConstraint(
                condition=~Q(id_number_a=models.F("id_number_b")), name="relation_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.name_a} · {self.name_b} ({self.get_kind_display()})"
