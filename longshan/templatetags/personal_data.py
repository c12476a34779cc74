"""Template tags that show ID and phone numbers only to those allowed (longshan.privacy).

{% load personal_data %}
{% personal cadre "id_number" %}            the cadre's ID number, full or masked
{% personal_value row.id_number "id_number" %}   a number that is not on a record
{% personal_changes event as changes %}     an audit event's changes, masked or noted
"""

from django import template

from longshan import privacy

register = template.Library()


@register.simple_tag(takes_context=True)
def personal(context, obj, field):
    """Return `obj.field` in full for a permitted user (and note it), else masked."""
    return privacy.reveal(context.get("request"), obj, field)


@register.simple_tag(takes_context=True)
def personal_value(context, value, field):
    """Return a personal value that belongs to no record, in full or masked."""
    return privacy.reveal_value(context.get("request"), field, value)


@register.simple_tag(takes_context=True)
def personal_changes(context, event):
    """Return an audit event's `changes`, with personal values masked unless permitted."""
    changes = event.changes or {}
    if not privacy.has_personal_data(changes):
        return changes
    request = context.get("request")
    if privacy.may_view_personal_data(getattr(request, "user", None)):
        privacy.note_shown(request, event)
        return changes
    return privacy.masked_changes(changes)
