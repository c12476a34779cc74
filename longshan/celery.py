"""The Celery application: a Redis broker from CELERY_BROKER_URL, else eager in-process."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "longshan.settings")

app = Celery("longshan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def preload_pdf_renderer(**kwargs):
    """Load WeasyPrint and its fonts in the worker's main process before it forks its pool,
    so that no pool process pays for them in its first document (issue 10)."""
    from longshan.pdf import warm_up

    warm_up()
