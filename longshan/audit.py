"""Record who changed what: one function that every service calls after it writes.

The request's client address reaches the record through a context variable that
`AuditContextMiddleware` sets, so services keep taking only the acting user.
"""

import contextvars
import datetime
import decimal

from .models import AuditEvent

_client_address = contextvars.ContextVar("audit_client_address", default=None)


class AuditContextMiddleware:
    """Remember the client address of the current request for audit records."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # REMOTE_ADDR, not X-Forwarded-For: a client can write that header itself.
        token = _client_address.set(request.META.get("REMOTE_ADDR") or None)
        try:
            return self.get_response(request)
        finally:
            _client_address.reset(token)


def client_address():
    """Return the client address of the request being served, or None outside a request."""
    return _client_address.get()


def _plain(value):
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time, decimal.Decimal)):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    return value


def snapshot(instance, fields):
    """Return the plain values of some fields of a model instance, for a before/after diff."""
    return {field: _plain(getattr(instance, field)) for field in fields}


def diff(before, after):
    """Return {field: [before, after]} for the fields whose value changed."""
    return {
        field: [before.get(field), value]
        for field, value in after.items()
        if before.get(field) != value
    }


def record(action, *, actor, target=None, changes=None, township_id=None):
    """Write one audit event; call it inside the transaction of the change it records."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=getattr(actor, "username", "") or "",
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:200] if target is not None else "",
        township_id=township_id,
        changes=changes or {},
        ip_address=_client_address.get(),
    )
