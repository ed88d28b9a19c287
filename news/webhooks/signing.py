"""Signing a webhook body, and checking a signature as a receiver does.

    X-Newsroom-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">

The timestamp is signed with the body, so a receiver that refuses old timestamps refuses
replays too.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Newsroom-Signature"
EVENT_HEADER = "X-Newsroom-Event"
DELIVERY_HEADER = "X-Newsroom-Delivery"
USER_AGENT = "Newsroom-Webhooks/1.0"


def signature_header(body: bytes, secret: str, timestamp: int) -> str:
    """The ``X-Newsroom-Signature`` value for ``body`` signed at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    header: str, body: bytes, secret: str, *, tolerance: int = 300, now: float | None = None
) -> bool:
    """What a receiver does: check the HMAC and refuse anything older than ``tolerance`` s."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        received = parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature_header(body, secret, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, received)


def request_headers(
    body: bytes, *, event: str, event_id: str, secret: str, timestamp: int
) -> dict[str, str]:
    """Every header of one webhook POST, the signature made at ``timestamp``."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: event,
        DELIVERY_HEADER: event_id,
        SIGNATURE_HEADER: signature_header(body, secret, timestamp),
    }
