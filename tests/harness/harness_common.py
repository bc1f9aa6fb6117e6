"""Pieces every part of the local AWS endpoint shares: AWS errors, timestamps, the clock,
opaque pagination tokens.

Imported by moto_ext.py and its extension modules (config_inventory.py, securityhub.py,
account_regions.py, moto_patches.py). Nothing here imports moto, so importing it costs nothing
at startup.
"""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime, timezone
from typing import Any


class AwsError(Exception):
    """An AWS error response: error code, message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class Clock:
    """Wall-clock time, or a fixed time set through POST /_harness/clock."""

    def __init__(self) -> None:
        self.fixed: float | None = None

    def now(self) -> float:
        return self.fixed if self.fixed is not None else time.time()


CLOCK = Clock()


def to_epoch(value: Any, field: str) -> float:
    """Epoch seconds from a JSON 1.1 timestamp (number) or an ISO 8601 string."""
    if isinstance(value, bool):
        raise AwsError("ValidationException", f"{field}: not a timestamp")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text)
        except ValueError:
            pass
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise AwsError("ValidationException", f"{field}: not a timestamp: {value!r}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed.timestamp()
    raise AwsError("ValidationException", f"{field}: not a timestamp: {value!r}")


def iso8601(epoch: float) -> str:
    """RFC 3339 UTC with milliseconds, the form Security Hub returns timestamps in."""
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def encode_token(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload, sort_keys=True).encode()).decode()


def decode_token(
    token: str, code: str = "InvalidNextTokenException", message: str = "The specified next token is invalid."
) -> dict[str, Any]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode()))
        if isinstance(payload, dict):
            return payload
    except Exception:
        pass
    raise AwsError(code, message)


def offset_page(
    items: list[Any],
    size: int,
    token: str | None,
    scope: str,
    bad_token: tuple[str, str] = ("InvalidNextTokenException", "The specified next token is invalid."),
) -> tuple[list[Any], str | None]:
    """One page of `items` from the offset in `token`; the token is bound to `scope`."""
    offset = 0
    if token:
        payload = decode_token(token, *bad_token)
        if payload.get("scope") != scope or not isinstance(payload.get("offset"), int):
            raise AwsError(*bad_token)
        offset = payload["offset"]
    page = items[offset : offset + size]
    following = encode_token({"scope": scope, "offset": offset + size}) if offset + size < len(items) else None
    return page, following


def required_string(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        field = key[0].lower() + key[1:]
        raise AwsError(
            "ValidationException",
            f"1 validation error detected: Value at '{field}' failed to satisfy constraint: Member must not be null",
        )
    return value


def json_object(body: bytes) -> dict[str, Any]:
    """A request body that must be a JSON object (an empty body is an empty object)."""
    if not body:
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        raise AwsError("SerializationException", "Request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise AwsError("SerializationException", "Request body is not a JSON object")
    return data
