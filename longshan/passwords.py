"""Password rule of the portal: letters and digits both (with at least 10 characters)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class LettersAndDigitsValidator:
    """Refuse a password that lacks either a letter or a digit."""

    def validate(self, password, user=None):
        if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
            raise ValidationError(
                _("The password must contain both letters and digits."),
                code="password_letters_and_digits",
            )

    def get_help_text(self):
        return _("Your password must contain both letters and digits.")
