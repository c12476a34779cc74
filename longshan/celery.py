"""The Celery application: a Redis broker from CELERY_BROKER_URL, else eager in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "longshan.settings")

app = Celery("longshan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
