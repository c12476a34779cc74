"""longshan.bulk.insert: rows written whole on PostgreSQL (COPY) and SQLite (executemany)."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from longshan import bulk
from longshan.models import Job

pytestmark = pytest.mark.django_db

KIND = Job.Kind.choices[0][0]
AWARE = timezone.make_aware(datetime.datetime(2025, 11, 3, 9, 30))


def test_text_that_copy_would_misread_comes_back_unchanged():
    # Given errors holding a tab, a newline, a carriage return, a backslash and Chinese
    tricky = "第一行\t制表\n第二行\r\\N 反斜杠 \\ 结束"
    rows = [
        ("failed", tricky, {"说明": 'a "quoted"\ttext', "n": 1}, AWARE),
        ("failed", "", {}, None),
    ]
    # When they are written in bulk with a constant kind
    written = bulk.insert(
        Job,
        ["status", "error", "result", "started_at"],
        rows,
        constants={"kind": KIND},
    )
    # Then each reads back exactly, and the left-out fields got their defaults
    assert written == 2
    jobs = list(Job.objects.order_by("pk"))
    assert [job.error for job in jobs] == [tricky, ""]
    assert jobs[0].result == {"说明": 'a "quoted"\ttext', "n": 1}
    assert jobs[0].started_at == AWARE
    assert jobs[1].started_at is None
    assert {job.kind for job in jobs} == {KIND}
    assert all(job.created_at is not None and job.finished_at is None for job in jobs)


def test_rows_of_numbers_dates_and_codes_take_the_plain_path():
    # Given rows of choice codes and times only, one with a missing time
    rows = [("done", AWARE), ("queued", None), ("running", AWARE + datetime.timedelta(days=1))]
    # When they are written
    bulk.insert(Job, ["status", "started_at"], rows, constants={"kind": KIND})
    # Then they read back as given
    assert list(Job.objects.order_by("pk").values_list("status", "started_at")) == rows


def test_plain_texts_and_texts_to_escape_mix_in_one_write():
    # Given texts with nothing to escape beside texts with a tab, a backslash, a line end
    rows = [
        ("done", "平常的说明 with spaces, commas; and 'quotes'", AWARE),
        ("done", "含\t制表", AWARE),
        ("done", "路径 C:\\temp", AWARE),
        ("done", "两行\n第二行", AWARE),
        ("done", "None", AWARE),
        ("done", "没有开始时间", None),
        ("done", "反斜杠 \\ 而且没有开始时间", None),
    ]
    # When they are written together
    bulk.insert(Job, ["status", "error", "started_at"], rows, constants={"kind": KIND})
    # Then every text reads back as given
    assert list(Job.objects.order_by("pk").values_list("status", "error", "started_at")) == rows


def test_a_bulk_write_is_one_statement_that_query_counters_see():
    seen = []

    def counter(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    rows = [("queued", None)] * 250
    with connection.execute_wrapper(counter):
        bulk.insert(Job, ["status", "started_at"], rows, constants={"kind": KIND})
    assert len(seen) == 1
    assert seen[0].startswith("COPY" if connection.vendor == "postgresql" else "INSERT")
    assert Job.objects.count() == 250


def test_nothing_to_write_runs_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert bulk.insert(Job, ["status"], []) == 0


def test_a_bulk_delete_removes_only_the_filtered_rows_in_one_statement(
    django_assert_num_queries,
):
    rows = [("done", AWARE), ("failed", AWARE), ("done", None)]
    bulk.insert(Job, ["status", "started_at"], rows, constants={"kind": KIND})
    with django_assert_num_queries(1):
        deleted = bulk.delete(Job.objects.filter(status="done"))
    assert deleted == 2
    assert list(Job.objects.values_list("status", flat=True)) == ["failed"]


def test_a_nullable_text_keeps_null_apart_from_an_empty_text():
    # Given a model with a nullable text (a failed sign-in's username): CSV could not
    # tell NULL from "" there, so these rows take COPY's escaped text format
    from axes.models import AccessAttempt

    columns = ["username", "user_agent", "ip_address", "http_accept", "path_info"]
    rows = [
        (None, "浏览器\t甲", "10.0.0.1", "text/html", "/login/"),
        ("", "浏览器 乙", None, "text/html", "/login/"),
        ("张三\\n", "", "10.0.0.2", "*/*", "/"),
    ]
    bulk.insert(
        AccessAttempt,
        columns,
        rows,
        constants={
            "attempt_time": AWARE,
            "get_data": "",
            "post_data": "",
            "failures_since_start": 1,
        },
    )
    assert list(AccessAttempt.objects.order_by("pk").values_list(*columns)) == rows
