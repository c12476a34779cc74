"""Writing many table rows as HTML in Python, where template nodes cost too much."""

import html


def escaped(value):
    """Return a value as HTML text, exactly as the templates' autoescape writes it.

    `django.utils.html.escape` and `format_html` do the same behind lazy-string wrappers,
    which cost more than the escaping when a page writes tens of thousands of cells.
    """
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))
