"""Choosing a transport by name: Meta's Cloud API, the console, or a recording for tests."""

from __future__ import annotations

from typing import TextIO

from whatsapp.cloud import CloudTransport
from whatsapp.transports import DEFAULT_API_BASE, ConsoleTransport, RecordingTransport, Transport


def make_transport(
    kind: str,
    *,
    token: str = "",
    phone_number_id: str = "",
    api_base: str = DEFAULT_API_BASE,
    stream: TextIO | None = None,
    timeout: float = 10.0,
    connect_timeout: float = 3.0,
) -> Transport:
    """Build a transport by name: "cloud", "console" or "recording"."""
    if kind == "cloud":
        missing = [n for n, v in (("token", token), ("phone_number_id", phone_number_id)) if not v]
        if missing:
            raise ValueError(f"cloud transport needs {' and '.join(missing)} (WhatsApp Cloud API)")
        return CloudTransport(token, phone_number_id, api_base, timeout, connect_timeout)
    if kind == "console":
        return ConsoleTransport(stream)
    if kind == "recording":
        return RecordingTransport()
    raise ValueError(f"unknown transport {kind!r}; expected cloud, console or recording")
