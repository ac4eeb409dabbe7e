"""A real S3-compatible server (moto) on loopback, and what points WOCS or boto3 at it."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3


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
