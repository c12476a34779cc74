"""Personal data (issue 11): resident ID numbers and phone numbers, masked unless permitted.

Whoever lacks `longshan.view_personal_data` (granted by the group "personal data",
migration 0007) sees `433130********123X` and `138****5678` on every page, PDF, export
and in the audit trail. Whoever holds it sees the numbers, and every request that showed
them is itself recorded (`personal_data.viewed`, with the page and the records' ids):
templates reveal through `{% personal %}` and exports through `reveal_value`, which
note what they showed on the request; `PersonalDataAuditMiddleware` writes one event
per request. Without a request (a PDF rendered by a worker) nothing is revealed.
"""

from . import audit

PERMISSION = "longshan.view_personal_data"
GROUP_NAME = "personal data"
ACTION = "personal_data.viewed"

# Field names whose values are ID or phone numbers, wherever they appear (models, the
# audit trail's `changes`, an import sheet's rows).
ID_FIELDS = frozenset({"id_number", "id_number_a", "id_number_b", "cadre_id_number"})
PHONE_FIELDS = frozenset({"phone"})
PERSONAL_FIELDS = ID_FIELDS | PHONE_FIELDS

_SHOWN_ATTRIBUTE = "_longshan_personal_data_shown"
# More ids than this in one event are counted, not listed (a county-wide export).
MAX_IDS_LISTED = 2000


def may_view_personal_data(user):
    """Return whether the user sees ID and phone numbers in full."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(PERMISSION))


def mask_id_number(value):
    """Return an ID number with the first 6 and last 4 characters kept: 433130********123X.

    The first six are the place of registration (public on any county roster), the last
    four tell two people apart when a clerk compares the paper with the screen.
    """
    text = "" if value is None else str(value)
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def mask_phone(value):
    """Return a phone number with the first 3 and last 4 digits kept: 138****5678."""
    text = "" if value is None else str(value)
    if len(text) <= 7:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def mask(field, value):
    """Return the masked value of a personal field; other fields' values unchanged."""
    if value in (None, ""):
        return value
    if field in ID_FIELDS:
        return mask_id_number(value)
    if field in PHONE_FIELDS:
        return mask_phone(value)
    return value


def masked_changes(changes):
    """Return an audit event's `changes` with every personal value masked, at any depth."""
    if isinstance(changes, dict):
        return {
            key: _masked_values(key, value) if key in PERSONAL_FIELDS else masked_changes(value)
            for key, value in changes.items()
        }
    if isinstance(changes, list):
        return [masked_changes(value) for value in changes]
    return changes


def _masked_values(field, value):
    if isinstance(value, list):
        return [_masked_values(field, item) for item in value]
    if isinstance(value, dict):
        return {key: _masked_values(field, item) for key, item in value.items()}
    return mask(field, value)


def has_personal_data(changes):
    """Return whether an audit event's `changes` hold an ID or phone number anywhere."""
    if isinstance(changes, dict):
        return any(
            (key in PERSONAL_FIELDS and value not in (None, "", [], [None, None]))
            or has_personal_data(value)
            for key, value in changes.items()
        )
    if isinstance(changes, list):
        return any(has_personal_data(value) for value in changes)
    return False


# ---------------------------------------------------------------- revealing, and its record


def note_shown(request, obj=None, *, count=1):
    """Note on the request that personal data of `obj` (or of `count` rows) was shown."""
    if request is None:
        return
    shown = getattr(request, _SHOWN_ATTRIBUTE, None)
    if shown is None:
        shown = {"ids": {}, "count": 0}
        setattr(request, _SHOWN_ATTRIBUTE, shown)
    if obj is not None and getattr(obj, "pk", None) is not None:
        ids = shown["ids"].setdefault(obj._meta.label_lower, set())
        if obj.pk not in ids:
            ids.add(obj.pk)
            shown["count"] += 1
    else:
        shown["count"] += count


def reveal_value(request, field, value, *, obj=None):
    """Return the value in full for a permitted user (noted on the request), else masked."""
    if value in (None, ""):
        return value
    user = getattr(request, "user", None)
    if not may_view_personal_data(user):
        return mask(field, value)
    note_shown(request, obj)
    return value


def reveal(request, obj, field):
    """Return `obj.field` for the request's user: in full and noted, or masked."""
    return reveal_value(request, field, getattr(obj, field, ""), obj=obj)


def record_viewed(user, *, page, ids=None, count=None, extra=None):
    """Write one `personal_data.viewed` event: who saw whose ID or phone numbers, where.

    `ids` maps a model label ("cadres.cadre") to the ids of the records shown.
    """
    ids = {label: sorted(values) for label, values in (ids or {}).items() if values}
    total = count if count is not None else sum(len(values) for values in ids.values())
    changes = {"page": page, "count": total}
    for label, values in ids.items():
        key = "cadre_ids" if label == "cadres.cadre" else f"{label}_ids"
        changes[key] = values if len(values) <= MAX_IDS_LISTED else values[:MAX_IDS_LISTED]
    changes.update(extra or {})
    return audit.record(ACTION, actor=user, changes=changes)


class PersonalDataAuditMiddleware:
    """Record, once per request, the personal data the response showed in full.

    Place after AuditContextMiddleware (for the client address) and authentication.
    A streamed response is rendered after this returns: its view records it itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        shown = getattr(request, _SHOWN_ATTRIBUTE, None)
        if shown and shown["count"] and response.status_code < 400:
            record_viewed(
                request.user,
                page=request.get_full_path()[:500],
                ids=shown["ids"],
                count=shown["count"],
            )
        return response
