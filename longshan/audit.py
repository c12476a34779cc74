"""Record who changed what: one function that every service calls after it writes.

The request's client address reaches the record through a context variable that
`AuditContextMiddleware` sets, so services keep taking only the acting user.
"""

import contextvars
import datetime
import decimal
import ipaddress

from django.conf import settings

from .models import AuditEvent

_client_address = contextvars.ContextVar("audit_client_address", default=None)
_current_request = contextvars.ContextVar("audit_current_request", default=None)


class AuditContextMiddleware:
    """Remember the client address of the current request for audit records."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _client_address.set(request_address(request))
        request_token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(request_token)
            _client_address.reset(token)


def _from_proxy(address):
    proxies = settings.LONGSHAN_TRUSTED_PROXIES
    if not proxies:  # the usual case, on every request: nothing to parse
        return False
    try:
        address = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(address in network for network in proxies)


def request_address(request):
    """Return the address of the client that sent a request.

    REMOTE_ADDR, unless it is one of the reverse proxies the portal trusts
    (LONGSHAN_TRUSTED_PROXIES): then the address that proxy forwarded, the last one of
    X-Forwarded-For, and so on back through the trusted proxies. Addresses a client wrote
    into the header itself come before those and are never taken.
    """
    address = request.META.get("REMOTE_ADDR") or None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    while address and forwarded and _from_proxy(address):
        hop = forwarded.pop().strip()
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # not an address: the proxy's own is all that is known
        address = hop
    return address


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


def record(action, *, actor, target=None, changes=None, township_id=None, actor_username=None):
    """Write one audit event; call it inside the transaction of the change it records.

    `actor_username` names who acted when there is no account to point at, e.g. the
    username typed in a failed sign-in.
    """
    if actor_username is None:
        actor_username = getattr(actor, "username", "") or ""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=actor_username[:150],
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:200] if target is not None else "",
        township_id=township_id,
        changes=changes or {},
        ip_address=_client_address.get(),
    )


def _current_user():
    request = _current_request.get()
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def record_export(kind, *, actor, file_format, filters=None, row_count=None, township_id=None):
    """Record that a user downloaded an export: which one, in which format, with which filters.

    `kind` names the export ("training_compliance", "leave_ledger"…); the action is
    "export.<kind>", so the trail filters every export with the prefix "export.".
    `filters` is the query of the export's page (a QueryDict or a dict).
    """
    if hasattr(filters, "lists"):
        filters = {key: values if len(values) > 1 else values[0] for key, values in filters.lists()}
    changes = {"format": file_format, "filters": dict(filters or {})}
    if row_count is not None:
        changes["rows"] = row_count
    return record(f"export.{kind}", actor=actor, changes=changes, township_id=township_id)


def record_scope_denial(model, lookup):
    """Record that the current user asked for an existing object outside their scope.

    Called by `scoping.get_in_scope_or_404` before it answers 404; the answer itself does
    not change. Nothing is recorded when no such object exists at all.
    """
    user = _current_user()
    try:
        target = model._base_manager.filter(**lookup).first()
    except (ValueError, TypeError):
        return None
    if target is None:
        return None
    lookup_text = {key: str(value) for key, value in lookup.items()}
    return record(
        "scope.denied",
        actor=user,
        target=target,
        changes={"lookup": lookup_text},
        township_id=_township_id_of(target),
    )


def _township_id_of(target):
    """Return the township a record belongs to, when it hangs on a township or a village."""
    if target._meta.model_name == "township":
        return target.pk
    if getattr(target, "township_id", None):
        return target.township_id
    for path in ("village", "cadre"):
        related = getattr(target, path, None)
        if related is not None and related is not target:
            return _township_id_of(related)
    return None
