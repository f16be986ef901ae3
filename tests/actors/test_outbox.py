"""The outbox: an item stepped once, each of its sends made once, across crashes."""

from __future__ import annotations

import pytest

from actors.outbox import Outbox


def test_a_send_that_raises_stays_owed_with_those_after_it():
    sent: list[str] = []
    failing = iter([True, False])

    def flaky() -> None:
        if next(failing):
            raise RuntimeError("channel full")
        sent.append("b")

    outbox = Outbox()
    item = object()
    outbox.load(item, [lambda: sent.append("a"), flaky, lambda: sent.append("c")])
    with pytest.raises(RuntimeError):
        outbox.flush()
    assert outbox.holds(item)
    outbox.flush()
    outbox.flush()
    assert sent == ["a", "b", "c"]


def test_only_the_very_item_is_held():
    outbox = Outbox()
    first, equal = [1], [1]
    assert not outbox.holds(None)
    outbox.load(first, [])
    assert outbox.holds(first)
    assert not outbox.holds(equal), "an equal message is a new delivery"
