"""The platform under the portal: the real database in CI, the audit trail, Celery jobs."""

import datetime
import os
import time
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from cadres.models import Cadre
from conftest import missing_service
from longshan import audit, services
from longshan.models import AuditEvent, AuditImmutableError, Job

from .factories import CadreFactory

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_the_configured_database_is_the_one_in_use():
    # Given DATABASE_URL names PostgreSQL (as in CI), the tests really run on PostgreSQL
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        missing_service("DATABASE_URL does not point at PostgreSQL")
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert "PostgreSQL" in cursor.fetchone()[0]


@pytest.mark.django_db
def test_an_audit_event_cannot_be_changed_or_deleted_through_the_model():
    event = audit.record("test.event", actor=None, changes={"x": [1, 2]})
    event.action = "tampered"
    with pytest.raises(AuditImmutableError):
        event.save()
    with pytest.raises(AuditImmutableError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


@pytest.mark.django_db
def test_postgresql_itself_refuses_to_change_or_delete_an_audit_event():
    if connection.vendor != "postgresql":
        missing_service("the append-only trigger exists on PostgreSQL only")
    event = audit.record("test.event", actor=None)
    for statement in (
        "UPDATE longshan_auditevent SET action = 'tampered' WHERE id = %s",
        "DELETE FROM longshan_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, action="test.event").exists()


@pytest.mark.django_db
def test_a_job_runs_once_and_a_second_delivery_changes_nothing(
    django_capture_on_commit_callbacks,
):
    cadre = CadreFactory(name="张三")
    Cadre.objects.filter(pk=cadre.pk).update(name_pinyin="", name_initials="")
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_start(Job.Kind.REBUILD_SEARCH_KEYS, actor=None)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.result == {"changed": 1}
    assert services.job_run(job.pk).result == {"changed": 1}  # delivered again: left alone
    cadre.refresh_from_db()
    assert (cadre.name_pinyin, cadre.name_initials) == ("zhangsan", "zs")


def test_every_beat_entry_names_a_task_the_workers_know(settings):
    # Given the worker's registry of tasks (every app's tasks module loaded)
    from longshan.celery import app

    app.loader.import_default_modules()
    # Then beat sends nothing a worker would drop as unknown
    unknown = {
        name: entry["task"]
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if entry["task"] not in app.tasks
    }
    assert not unknown


@pytest.mark.django_db
def test_beat_marks_failed_a_job_whose_worker_was_lost(settings):
    from django.utils import timezone

    from longshan import tasks

    now = timezone.now()
    limit = datetime.timedelta(seconds=settings.JOB_TASK_TIME_LIMIT)
    # Given a job taken up by a worker killed past the time limit, one still within it,
    # and one waiting in the queue
    lost, working, waiting = (
        Job.objects.create(kind=Job.Kind.REBUILD_SEARCH_KEYS, status=status, started_at=started)
        for status, started in (
            (Job.Status.RUNNING, now - limit - datetime.timedelta(minutes=2)),
            (Job.Status.RUNNING, now - limit + datetime.timedelta(minutes=2)),
            (Job.Status.QUEUED, None),
        )
    )
    # When beat looks (the task, in-process here)
    assert tasks.fail_lost_jobs_task.apply().get() == 1
    # Then only the lost job failed, saying why, and the user may start it again
    lost.refresh_from_db()
    assert lost.status == Job.Status.FAILED and lost.finished_at is not None
    assert (
        lost.error == "运行该任务的后台进程在完成前已中断（超时、内存不足或重启）；请重新启动任务。"
    )
    assert services.JOB_TRANSITIONS[lost.status] == {Job.Status.QUEUED}
    statuses = dict(Job.objects.values_list("pk", "status"))
    assert (statuses[working.pk], statuses[waiting.pk]) == (Job.Status.RUNNING, Job.Status.QUEUED)
    # and the schedule runs it every five minutes
    entry = settings.CELERY_BEAT_SCHEDULE["longshan-fail-lost-jobs"]
    assert entry["task"] == tasks.fail_lost_jobs_task.name
    assert entry["schedule"].minute == set(range(0, 60, 5))


def test_a_real_worker_runs_a_job_that_writes_to_the_database(celery_worker_process):
    # Given cadres whose search keys are stale
    cadres = [CadreFactory(name=name) for name in ("张三", "彭国华", "田小梅")]
    Cadre.objects.update(name_pinyin="", name_initials="")
    # When the job is queued on Redis for the worker process
    job = services.job_start(Job.Kind.REBUILD_SEARCH_KEYS, actor=None)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (Job.Status.DONE, Job.Status.FAILED):
            break
        if celery_worker_process.poll() is not None:
            break
        time.sleep(0.5)
    if job.status != Job.Status.DONE:
        celery_worker_process.terminate()
        output = celery_worker_process.communicate(timeout=20)[0]
        pytest.fail(f"job ended as {job.status}; worker output:\n{output[-4000:]}")
    # Then the worker, not this process, wrote the keys to the database
    assert job.result == {"changed": 3}
    assert sorted(Cadre.objects.values_list("name_initials", flat=True)) == ["pgh", "txm", "zs"]
    assert {c.pk for c in cadres} == set(Cadre.objects.values_list("pk", flat=True))
