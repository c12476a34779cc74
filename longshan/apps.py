from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LongshanConfig(AppConfig):
    name = "longshan"
    verbose_name = _("Portal base")

    def ready(self):
        from . import security

        security.connect_signals()
