"""The migrations build exactly the schema the models describe, and each one reverts."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import pytest

import models

STACKS = ["embedded", "mariadb"] if os.environ.get("TEST_DATABASE_URL") else ["embedded"]


@pytest.fixture(params=STACKS)
def empty(request, tmp_path) -> Iterator[object]:
    """A database of its own with no tables, on each stack (MariaDB: beside the test one)."""
    if request.param == "embedded":
        url = f"sqlite:///{tmp_path}/migrations.sqlite3"
    else:
        server = models.open_database(os.environ["TEST_DATABASE_URL"])
        name = server.database + "_migrations"
        server.execute_sql(f"DROP DATABASE IF EXISTS `{name}`")
        server.execute_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        server.close()
        url = os.environ["TEST_DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"
    database = models.open_database(url)
    with models.bound(database):
        yield database
    database.close()


def _schema(database) -> dict[str, set[str]]:
    return {
        table: {column.name for column in database.get_columns(table)}
        for table in database.get_tables()
        if table != "schema_migration"
    }


def _described() -> dict[str, set[str]]:
    return {
        model._meta.table_name: {field.column_name for field in model._meta.sorted_fields}
        for model in models.ALL_MODELS
    }


def test_the_migrations_build_the_schema_the_models_describe(empty):
    models.upgrade()
    assert _schema(empty) == _described()
    assert models.pending() == []


def test_every_migration_reverts_and_applies_again(empty):
    applied = models.upgrade()
    reverted = []
    while step := models.downgrade():
        reverted += step
    assert reverted == applied[::-1]
    assert _schema(empty) == {}
    assert models.downgrade() == []
    assert models.upgrade() == applied
    assert _schema(empty) == _described()


def test_times_kept_the_earlier_way_move_into_their_columns_and_back(empty):
    models.upgrade()
    while "0022_times" not in models.downgrade():
        pass
    # Before 0022 a task kept its time in params and an event its time in a first note.
    note = {"text": "Starts at 7:30 pm", "by": "Aisyah", "at": "2026-12-01T02:00:00Z"}
    task = models.WocsTask.insert(
        command="agent", title="Buy ice", due=dt.date(2027, 1, 20), params={"due_time": "09:00"}
    ).execute()
    event = models.Event.insert(name="Bazar", date=dt.date(2027, 1, 20), notes=[note]).execute()
    models.upgrade()
    row = models.WocsTask.get_by_id(task)
    assert (row.due_at, row.params) == (dt.datetime(2027, 1, 20, 1, 0), {})  # 9 am in KL
    assert models.Event.get_by_id(event).starts_at == dt.datetime(2027, 1, 20, 11, 30)
    assert models.downgrade() == ["0022_times"]
    kept = models.WocsTask.select(models.WocsTask.params).where(models.WocsTask.id == task).get()
    assert kept.params == {"due_time": "09:00"}
