"""Storage: keys, the local folder, and S3 against a real S3-compatible server (moto) on loopback."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

import storage
from storage import BadKey, LocalStorage, StorageError, StoredFile, check_key, content_key
from storage.s3 import S3Storage
from wocs.settings import ConfigError

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4


@contextlib.contextmanager
def moto_server(tmp_dir: Path) -> Iterator[str]:
    """Run moto's standalone S3-compatible server in its own process; yield its URL."""
    log = tmp_dir / "moto.log"
    with log.open("wb") as out:
        cmd = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"]
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not (found := re.search(r"Running on (http://127\.0\.0\.1:\d+)", log.read_text())):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        yield found.group(1)
    finally:
        proc.terminate()
        proc.wait(10)


def s3_env(url: str, bucket: str) -> dict[str, str]:
    """The environment that points WOCS at a bucket on the test server."""
    return {
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": url,
        "S3_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test-key",
        "AWS_SECRET_ACCESS_KEY": "test-secret",
    }


def s3_client(url: str):
    """A plain boto3 client for the test server, the way an operator would use one."""
    env = s3_env(url, "")
    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name=env["S3_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


@pytest.fixture(scope="module")
def s3_url(tmp_path_factory) -> Iterator[str]:
    with moto_server(tmp_path_factory.mktemp("moto")) as url:
        s3_client(url).create_bucket(Bucket="wocs-files")
        yield url


@pytest.fixture
def s3(s3_url) -> S3Storage:
    backend = storage.from_env(s3_env(s3_url, "wocs-files"))
    assert isinstance(backend, S3Storage)
    return backend


# --- keys -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key", ["events/12/ab12.jpg", "a", "tasks/3/photo-1_x.png", "x" * 128, "a/" * 200 + "b"]
)
def test_plain_keys_are_accepted(key):
    assert check_key(key) == key


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/etc/passwd",
        "../secret",
        "events/../../x",
        "events/./x",
        "events//x",
        "events/x/",
        "events\\x",
        ".hidden",
        "x.",
        "C:/x",
        "événement.jpg",
        "a b.jpg",
        "x" * 129,
        "a/" * 300 + "b",
        None,
    ],
)
def test_unsafe_keys_are_refused(key):
    with pytest.raises(BadKey):
        check_key(key)


def test_content_key_is_named_by_content():
    key = content_key("events/7", JPEG, "image/jpeg")
    assert re.fullmatch(r"events/7/[0-9a-f]{32}\.jpg", key)
    assert content_key("events/7", JPEG, "image/jpeg") == key
    assert content_key("events/7", JPEG + b"x", "image/jpeg") != key
    assert content_key("attachments", b"%PDF", "application/pdf").endswith(".pdf")
    assert content_key("events/7", b"?", "application/x-unknown-thing")[-32:].isalnum()
    assert storage.extension_for("image/png; charset=binary") == ".png"
    for prefix in ("../x", "/events/1", "events/1/2", "Events"):
        with pytest.raises(BadKey):
            content_key(prefix, JPEG, "image/jpeg")


# --- local folder -----------------------------------------------------------------------------


def test_local_save_open_and_urls(tmp_path):
    local = LocalStorage(tmp_path / "files")
    stored = local.save("events/1/a.jpg", JPEG, "image/jpeg")
    path = tmp_path / "files" / "events" / "1" / "a.jpg"
    assert stored == StoredFile("events/1/a.jpg", path.as_uri(), len(JPEG))
    assert path.read_bytes() == JPEG and local.open_bytes("events/1/a.jpg") == JPEG
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    local.save("events/1/a.jpg", b"new", "image/jpeg")  # replaced whole, no temp file left
    assert local.open_bytes("events/1/a.jpg") == b"new"
    assert sorted(p.name for p in path.parent.iterdir()) == ["a.jpg"]
    public = LocalStorage(tmp_path / "files", "https://files.example.com/")
    assert public.url_for("events/1/a.jpg") == "https://files.example.com/events/1/a.jpg"
    with pytest.raises(FileNotFoundError):
        local.open_bytes("events/1/missing.jpg")
    with pytest.raises(BadKey):
        local.save("../escape.jpg", JPEG, "image/jpeg")
    assert not (tmp_path / "escape.jpg").exists()


def test_local_refuses_symlinks_out_of_the_folder(tmp_path):
    root, outside = tmp_path / "files", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "events").symlink_to(outside)
    local = LocalStorage(root)
    with pytest.raises(BadKey, match="outside"):
        local.save("events/x.jpg", JPEG, "image/jpeg")
    assert list(outside.iterdir()) == []


def test_local_write_failure_is_a_storage_error(tmp_path):
    (tmp_path / "events").write_text("a file where a folder should be")
    with pytest.raises(StorageError, match=r"could not write events/1/a\.jpg"):
        LocalStorage(tmp_path).save("events/1/a.jpg", JPEG, "image/jpeg")


# --- choosing the backend ---------------------------------------------------------------------


def test_from_env_defaults_to_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    default = storage.from_env({})
    assert isinstance(default, LocalStorage) and default.root == tmp_path / "instance" / "files"
    chosen = storage.from_env({"STORAGE_DIR": str(tmp_path / "elsewhere")})
    assert chosen.root == tmp_path / "elsewhere"


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"S3_ENDPOINT_URL": "http://127.0.0.1:9000"}, "S3_ENDPOINT_URL set without S3_BUCKET"),
        ({"S3_BUCKET": "b", "AWS_ACCESS_KEY_ID": "k"}, "Set both AWS_ACCESS_KEY_ID"),
        ({"S3_BUCKET": "b", "AWS_SECRET_ACCESS_KEY": "s"}, "Set both AWS_ACCESS_KEY_ID"),
        ({"S3_BUCKET": "b", "S3_ENDPOINT_URL": "minio:9000"}, "S3_ENDPOINT_URL must be"),
        ({"S3_BUCKET": "b", "S3_PREFIX": "../up"}, "S3_PREFIX"),
        ({"STORAGE_PUBLIC_URL": "files.example.com"}, "STORAGE_PUBLIC_URL must be"),
    ],
)
def test_from_env_refuses_half_configurations(env, problem):
    with pytest.raises(ConfigError, match=re.escape(problem)):
        storage.from_env(env)


def test_current_follows_the_environment(tmp_path, monkeypatch):
    for name in storage.ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STORAGE_DIR", str(tmp_path / "one"))
    first = storage.current()
    assert storage.current() is first and first.root == tmp_path / "one"
    monkeypatch.setenv("STORAGE_DIR", str(tmp_path / "two"))
    assert storage.current().root == tmp_path / "two"


# --- S3 over HTTP -----------------------------------------------------------------------------


def test_s3_save_open_and_urls(s3, s3_url):
    stored = s3.save("events/1/a.jpg", JPEG, "image/jpeg")
    assert stored == StoredFile("events/1/a.jpg", "s3://wocs-files/events/1/a.jpg", len(JPEG))
    assert s3.open_bytes("events/1/a.jpg") == JPEG
    head = s3.client.head_object(Bucket="wocs-files", Key="events/1/a.jpg")
    assert (head["ContentType"], head["ContentLength"]) == ("image/jpeg", len(JPEG))
    with pytest.raises(FileNotFoundError):
        s3.open_bytes("events/1/missing.jpg")
    with pytest.raises(BadKey):
        s3.save("../a.jpg", JPEG, "image/jpeg")


def test_s3_prefix_and_public_url(s3_url):
    env = s3_env(s3_url, "wocs-files")
    env |= {"S3_PREFIX": "/prod/", "STORAGE_PUBLIC_URL": "https://cdn.example.com/"}
    backend = storage.from_env(env)
    stored = backend.save("events/2/b.png", b"png", "image/png")
    assert stored.url == "https://cdn.example.com/prod/events/2/b.png"
    raw = backend.client.get_object(Bucket="wocs-files", Key="prod/events/2/b.png")
    assert raw["Body"].read() == b"png" and backend.open_bytes("events/2/b.png") == b"png"


def test_s3_missing_bucket_is_a_storage_error(s3_url):
    backend = storage.from_env(s3_env(s3_url, "no-such-bucket"))
    with pytest.raises(StorageError, match="no-such-bucket"):
        backend.save("events/1/a.jpg", JPEG, "image/jpeg")
    with pytest.raises(StorageError):
        backend.open_bytes("events/1/a.jpg")


def test_s3_unreachable_endpoint_is_a_storage_error():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    backend = storage.from_env(s3_env(f"http://127.0.0.1:{port}", "wocs-files"))
    with pytest.raises(StorageError, match="could not save"):
        backend.save("events/1/a.jpg", JPEG, "image/jpeg")


def test_current_builds_s3_from_the_environment(s3_url, monkeypatch):
    for name, value in s3_env(s3_url, "wocs-files").items():
        monkeypatch.setenv(name, value)
    backend = storage.current()
    assert isinstance(backend, S3Storage) and backend is storage.current()
    backend.save("events/3/c.jpg", JPEG, "image/jpeg")
    assert storage.from_env(os.environ).open_bytes("events/3/c.jpg") == JPEG
