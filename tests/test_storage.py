"""Storage: keys, the local folder, and S3 against a real S3-compatible server (moto) on loopback."""

from __future__ import annotations

import re
import socket

import pytest

import storage
from storage import BadKey, LocalStorage, StorageError, StoredFile, check_key, content_key
from storage.s3 import S3Storage
from tests.s3_server import s3_env
from wocs.settings import ConfigError, StorageSettings


def _from_env(env) -> storage.Storage:
    """The backend these environment variables name, as the app builds it at start."""
    return storage.build(StorageSettings.from_env(env))


JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4


@pytest.fixture
def s3(s3_url) -> S3Storage:
    backend = _from_env(s3_env(s3_url, "wocs-files"))
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
    default = _from_env({})
    assert isinstance(default, LocalStorage) and default.root == tmp_path / "instance" / "files"
    chosen = _from_env({"STORAGE_DIR": str(tmp_path / "elsewhere")})
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
        _from_env(env)


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
    backend = _from_env(env)
    stored = backend.save("events/2/b.png", b"png", "image/png")
    assert stored.url == "https://cdn.example.com/prod/events/2/b.png"
    raw = backend.client.get_object(Bucket="wocs-files", Key="prod/events/2/b.png")
    assert raw["Body"].read() == b"png" and backend.open_bytes("events/2/b.png") == b"png"


def test_s3_missing_bucket_is_a_storage_error(s3_url):
    backend = _from_env(s3_env(s3_url, "no-such-bucket"))
    with pytest.raises(StorageError, match="no-such-bucket"):
        backend.save("events/1/a.jpg", JPEG, "image/jpeg")
    with pytest.raises(StorageError):
        backend.open_bytes("events/1/a.jpg")


def test_s3_unreachable_endpoint_is_a_storage_error():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    backend = _from_env(s3_env(f"http://127.0.0.1:{port}", "wocs-files"))
    with pytest.raises(StorageError, match="could not save"):
        backend.save("events/1/a.jpg", JPEG, "image/jpeg")
