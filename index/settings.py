"""Numeric settings from the environment, checked: a bad value is one line naming the variable."""

from __future__ import annotations

import math
import os


class SettingError(ValueError):
    """An environment variable holds a value that cannot be used; the message names it."""


def env_number(name: str, default: float, minimum: float, integer: bool = False) -> float:
    """The number in environment variable `name` (`default` when unset or empty), at least
    `minimum`; `integer` asks for a whole number. Raises SettingError otherwise."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or value < minimum:
        kind = "a whole number" if integer else "a number"
        raise SettingError(f"{name}={raw!r} is not usable: set it to {kind} of at least {minimum:g}, or unset it "
                           f"for the default ({default:g})")
    return value
