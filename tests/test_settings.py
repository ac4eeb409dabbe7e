"""Settings from the environment: defaults, normalisation, and refusing unsafe setups."""

from __future__ import annotations

import pytest

from wocs.settings import ConfigError, Settings


def test_nothing_set_means_embedded_console_with_a_private_secret():
    settings = Settings.from_env({})
    assert settings.embedded and settings.transport == "console"
    assert settings.database_url.startswith("sqlite:///")
    assert settings.generated_secret and len(settings.app_secret) == 64
    assert Settings.from_env({}).app_secret != settings.app_secret


def test_admins_are_normalised_to_e164_digits():
    settings = Settings.from_env({"WOCS_ADMINS": "012-345 6789, +60 12-999 8888,0123456789"})
    assert settings.admins == ("60123456789", "60129998888")


def test_token_without_app_secret_refuses_to_start():
    with pytest.raises(ConfigError, match="WHATSAPP_APP_SECRET"):
        Settings.from_env({"WHATSAPP_TOKEN": "t", "WHATSAPP_PHONE_NUMBER_ID": "1"})


def test_cloud_needs_a_phone_number_id():
    with pytest.raises(ConfigError, match="WHATSAPP_PHONE_NUMBER_ID"):
        Settings.from_env({"WHATSAPP_TOKEN": "t", "WHATSAPP_APP_SECRET": "s"})


def test_token_selects_cloud_and_transport_can_override():
    env = {"WHATSAPP_TOKEN": "t", "WHATSAPP_APP_SECRET": "s", "WHATSAPP_PHONE_NUMBER_ID": "1"}
    assert Settings.from_env(env).transport == "cloud"
    assert Settings.from_env({**env, "WHATSAPP_TRANSPORT": "console"}).transport == "console"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"WHATSAPP_TRANSPORT": "carrier-pigeon"}, "cloud or console"),
        ({"BUSINESS_TZ": "Mars/Olympus"}, "time zone"),
        ({"PORT": "eighty"}, "PORT"),
        ({"WOCS_ADMINS": "not a phone"}, "WOCS_ADMINS"),
        ({"WOCS_SWEEP_SECONDS": "0"}, "WOCS_SWEEP_SECONDS"),
        ({"WOCS_SENDER_LIMIT": "lots"}, "WOCS_SENDER_LIMIT"),
        ({"DATABASE_TIMEOUT": "30"}, "DATABASE_TIMEOUT"),  # gunicorn's worker timeout
        ({"DATABASE_TIMEOUT": "²"}, "DATABASE_TIMEOUT"),
    ],
)
def test_bad_values_are_explained(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_the_forward_burst_is_a_few_seconds():
    assert Settings.from_env({}).forward_burst == 3
    assert Settings.from_env({"WOCS_FORWARD_BURST_SECONDS": "0"}).forward_burst == 0
    for bad in ("61", "2.5", "soon"):
        with pytest.raises(ConfigError, match="WOCS_FORWARD_BURST_SECONDS must be 0 to 60"):
            Settings.from_env({"WOCS_FORWARD_BURST_SECONDS": bad})


def test_trusted_proxies_is_a_small_number():
    assert Settings.from_env({"WOCS_TRUSTED_PROXIES": "1"}).trusted_proxies == 1
    assert Settings.from_env({}).trusted_proxies == 0
    with pytest.raises(ConfigError, match="WOCS_TRUSTED_PROXIES"):
        Settings.from_env({"WOCS_TRUSTED_PROXIES": "all"})


def test_the_drand_chain_is_pinned_to_quicknet_and_its_endpoints_configurable():
    beacon = Settings.from_env({}).beacon
    assert beacon.chain_hash == "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"
    assert (beacon.genesis, beacon.period, beacon.margin) == (1692803367, 3, 30)
    assert beacon.public_key.startswith("83cf0f2896adee7eb8b5f01fcad3912212c437e0")
    assert "https://api.drand.sh" in beacon.urls
    chosen = Settings.from_env(
        {"DRAND_URLS": " http://127.0.0.1:9/ , https://relay.example", "DRAND_MARGIN_SECONDS": "5"}
    ).beacon
    assert chosen.urls == ("http://127.0.0.1:9", "https://relay.example") and chosen.margin == 5


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("DRAND_URLS", "ftp://relay"),
        ("DRAND_MARGIN_SECONDS", "-1"),
        ("DRAND_PERIOD", "0"),
        ("DRAND_GENESIS", "soon"),
        ("DRAND_CHAIN_HASH", "abc"),
        ("DRAND_PUBLIC_KEY", "zz"),
    ],
)
def test_a_malformed_drand_setting_refuses_to_start(key, value):
    with pytest.raises(ConfigError, match="DRAND_"):
        Settings.from_env({key: value})
