"""`bot.py doctor`: each misconfiguration is found, against the Graph test server."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator

import pytest

import models
from cli import doctor
from tests.conftest import TOKEN
from tests.s3_server import s3_client, s3_env
from whatsapp.graph_test_server import GraphTestServer
from wocs import message_templates
from wocs.settings import Settings, StorageSettings


@pytest.fixture
def healthy(graph: GraphTestServer, tmp_path) -> Iterator[Settings]:
    """Cloud settings that pass every check: the number, WABA and templates at the stand-in."""
    account = graph.account
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/doctor.sqlite3",
        redis_url=os.environ.get("TEST_REDIS_URL", ""),
        whatsapp_token=TOKEN,
        app_secret="s3cret",
        phone_number_id=account.phone_number_id,
        waba_id=account.waba_id,
        business_number="60123456789",
        api_base=graph.base_url,
        transport="cloud",
        storage=dataclasses.replace(Settings().storage, directory=str(tmp_path / "files")),
    )
    models.init_db(settings.database_url)
    models.upgrade()
    message_templates.sync()
    for row in models.WhatsAppTemplate.select():
        graph.templates[row.name] = {"name": row.name, "status": "APPROVED", "id": str(row.id)}
    yield settings
    graph.reset()
    models.db.close()


def findings(settings: Settings, fix: bool = False) -> dict[str, doctor.Finding]:
    """The checks by name."""
    return {f.name: f for f in doctor.diagnose(settings, fix=fix, timeout=5)}


def test_a_healthy_setup_passes_every_check(healthy: Settings, capsys) -> None:
    assert doctor.run(healthy) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "WRONG" not in out and "quality rating GREEN, messaging limit TIER_1K" in out


def test_pending_migrations_are_named(healthy: Settings) -> None:
    models.db.execute_sql("DELETE FROM schema_migration WHERE name LIKE '0014%'")
    found = findings(healthy)["database"]
    assert not found.ok and "0014_staff_nickname" in found.line and "db upgrade" in found.line


def test_an_unreachable_redis_is_reported(healthy: Settings) -> None:
    found = findings(dataclasses.replace(healthy, redis_url="redis://127.0.0.1:1/0"))["redis"]
    assert not found.ok and "REDIS_URL" in found.line


def test_an_unwritable_storage_is_reported(healthy: Settings, tmp_path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    storage = dataclasses.replace(healthy.storage, directory=str(tmp_path / "a-file"))
    found = findings(dataclasses.replace(healthy, storage=storage))["storage"]
    assert not found.ok and "not writable" in found.line


def test_a_wrong_token_is_reported(healthy: Settings) -> None:
    found = findings(dataclasses.replace(healthy, whatsapp_token="expired"))["token"]
    assert not found.ok and "WHATSAPP_TOKEN" in found.line and "code 190" in found.line


def test_a_number_outside_the_waba_is_reported(healthy: Settings) -> None:
    found = findings(dataclasses.replace(healthy, waba_id="999"))["waba"]
    assert not found.ok and "WHATSAPP_WABA_ID" in found.line


def test_an_unsubscribed_app_is_reported_and_fixed(healthy: Settings, graph) -> None:
    graph.account.subscribed = False
    found = findings(healthy)["webhooks"]
    assert not found.ok and "doctor --fix" in found.line
    assert findings(healthy, fix=True)["webhooks"].ok and graph.account.subscribed
    assert findings(healthy)["webhooks"].ok


def test_a_low_quality_rating_is_reported(healthy: Settings, graph) -> None:
    graph.account.quality_rating = "RED"
    found = findings(healthy)["quality"]
    assert not found.ok and "RED" in found.line and "TIER_1K" in found.line


def test_templates_not_approved_or_not_pushed_are_reported(healthy: Settings, graph) -> None:
    name = next(iter(graph.templates))
    graph.templates[name]["status"] = "REJECTED"
    found = findings(healthy)["templates"]
    assert not found.ok and f"{name} REJECTED" in found.line
    del graph.templates[name]
    found = findings(healthy)["templates"]
    assert not found.ok and name in found.line and "templates push" in found.line


def test_an_unset_business_number_warns_of_the_contact_picker(healthy: Settings) -> None:
    found = findings(dataclasses.replace(healthy, business_number=""))["business_number"]
    assert not found.ok and "contact picker" in found.line and "60123456789" in found.line


def test_a_business_number_that_is_not_the_display_number_is_reported(healthy: Settings) -> None:
    found = findings(dataclasses.replace(healthy, business_number="60199999999"))
    assert not found["business_number"].ok and "60123456789" in found["business_number"].line


def test_an_unreachable_public_url_is_reported(healthy: Settings, graph) -> None:
    found = findings(dataclasses.replace(healthy, public_url="http://127.0.0.1:1"))["public_url"]
    assert not found.ok and "unreachable" in found.line


def test_a_bucket_is_checked_and_a_missing_lifecycle_rule_is_added(healthy, s3_url) -> None:
    client = s3_client(s3_url)
    client.create_bucket(Bucket="doctor-files")
    bucket = StorageSettings.from_env(s3_env(s3_url, "doctor-files"))
    settings = dataclasses.replace(healthy, storage=bucket)
    found = findings(settings)
    assert found["storage"].ok and "bucket doctor-files writable" in found["storage"].line
    assert not found["lifecycle"].ok and "doctor --fix" in found["lifecycle"].line
    assert findings(settings, fix=True)["lifecycle"].ok
    (rule,) = client.get_bucket_lifecycle_configuration(Bucket="doctor-files")["Rules"]
    assert (rule["Status"], rule["Expiration"]["Days"]) == ("Enabled", 365)
    assert findings(settings)["lifecycle"].ok


def test_an_unreachable_bucket_is_reported(healthy, s3_url) -> None:
    missing = StorageSettings.from_env(s3_env(s3_url, "no-such-bucket"))
    found = findings(dataclasses.replace(healthy, storage=missing))
    assert not found["storage"].ok and "bucket no-such-bucket not writable" in found["storage"].line


def test_an_unreachable_database_is_reported(healthy) -> None:
    models.init_db("mysql://root@127.0.0.1:1/none", timeout=2)
    found = findings(healthy)["database"]
    assert not found.ok and "database unreachable" in found.line and "DATABASE_URL" in found.line
