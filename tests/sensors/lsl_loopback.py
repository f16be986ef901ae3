"""LSL kept on loopback for tests (:func:`sensors.lsl_loopback.use_loopback`): import this
before any stream is made or resolved. Each test names its streams uniquely
(:func:`unique_name`), since other test runs on the same machine see them too."""

from __future__ import annotations

import threading
import time
import uuid

import pylsl

from sensors.lsl_loopback import use_loopback

use_loopback()


def unique_name(prefix: str) -> str:
    """A stream or station name no other test run uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class Collector:
    """An inlet on one stream, pulling in a thread until told to stop and the stream is dry."""

    def __init__(self, source_id: str) -> None:
        self.source_id = source_id
        self.values: list[list[float] | list[str]] = []
        self.stamps: list[float] = []
        self.info: pylsl.StreamInfo | None = None
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            found = pylsl.resolve_byprop("source_id", self.source_id, 1, 20.0)
            assert found, f"no stream {self.source_id}"
            inlet = pylsl.StreamInlet(found[0], max_buflen=60)
            self.info = inlet.info(5.0)
            inlet.open_stream(5.0)
            quiet_since = time.monotonic()
            while True:
                values, stamps = inlet.pull_chunk(timeout=0.05, max_samples=4096)
                if stamps:
                    self.values.extend(values)
                    self.stamps.extend(stamps)
                    quiet_since = time.monotonic()
                elif self.stop.is_set() and time.monotonic() - quiet_since > 1.0:
                    return
        except BaseException as error:  # reported by finish()
            self.error = error

    def finish(self) -> None:
        self.stop.set()
        self.thread.join(30.0)
        if self.error is not None:
            raise self.error
