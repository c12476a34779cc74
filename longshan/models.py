"""The shared base: effective-dated rule values, the audit trail and background jobs."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleValue(models.Model):
    """One value of a county rule, in force from a date until the next value of that rule.

    The rules and their defaults are declared in `longshan.rulebook`; the county adds a
    row to change one, so that a past date keeps the value that was in force then.
    """

    key = models.CharField(_("rule"), max_length=80)
    value = models.CharField(_("value"), max_length=200)
    effective_from = models.DateField(_("in force from"))
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("set at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rule value")
        verbose_name_plural = _("rule values")
        ordering = ["key", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "effective_from"], name="rule_value_one_per_key_and_date"
            ),
        ]

    def __str__(self):
        return f"{self.key} = {self.value} ({self.effective_from})"


class AuditEvent(models.Model):
    """Who changed what, when, from where, with the values before and after.

    Append-only: the model refuses to update or delete a saved row, and on PostgreSQL a
    trigger makes the database itself refuse (migration 0002).
    """

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    township_id = models.BigIntegerField(_("township"), null=True, blank=True, db_index=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        # Held through the "county auditor" group (migration 0005), not through a role.
        permissions = [
            ("view_audit_trail", _("Can read and export the audit trail")),
            # Held through the "personal data" group (migration 0007): see longshan.privacy.
            ("view_personal_data", _("Can see resident ID and phone numbers in full")),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditImmutableError(_("An audit event cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError(_("An audit event cannot be deleted."))


class AuditImmutableError(Exception):
    """Somebody tried to change or delete an audit event."""


class Job(models.Model):
    """A piece of long work run in the background, with its state and result."""

    class Kind(models.TextChoices):
        REBUILD_SEARCH_KEYS = "rebuild_search_keys", _("Rebuild the name search keys")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "done", "failed"]),
                name="job_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"
