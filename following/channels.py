"""How each channel delivers the alerts the dispatcher recorded (a registry, filled from the
channel modules: following/email.py, following/webhooks.py).

`deliver_new(alert_ids)` is called once the dispatcher's transaction has committed, with the ids
of the alerts it just recorded for follows of that channel. It must be safe to call twice with
the same ids (a task delivered twice): each alert is delivered once."""

from __future__ import annotations

from collections.abc import Callable

_CHANNELS: dict[str, Callable[[list[int]], None]] = {}


def channel_register(channel: str, deliver_new: Callable[[list[int]], None]) -> None:
    _CHANNELS[channel] = deliver_new


def channel_deliverer(channel: str) -> Callable[[list[int]], None] | None:
    return _CHANNELS.get(channel)
