"""Golden files: the stored format sample still reads to the same messages and the writer still
writes it byte for byte, and a session recorded by ``myoplay play`` still replays to the same
outputs (the ones it recorded live): neither the format nor the engine can drift unnoticed."""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from pathlib import Path

import pytest

from engine.training import TrainingConfig
from replays.format import pack
from replays.headless import replay_headless
from replays.reader import ReplayReader
from replays.verify import verify
from tests.replays.replay_fixtures import LIBRARY_VERSIONS, record, session

TEST_DATA = Path(__file__).resolve().parents[1] / "data"

#: The format samples, oldest first, with what their writer is told beyond the fixture's
#: defaults: each older version's sample is written as that version, the newest by default.
SAMPLES = {
    "quad_sets_4s": {"format_version": (1, 0), "library_versions": {}},
    "quad_sets_4s_1.1": {},
}


def _sample(name: str) -> tuple[Path, dict[str, object]]:
    folder = TEST_DATA / "replays"
    return folder / f"{name}.myoplay", json.loads((folder / f"{name}.digest.json").read_text())


@pytest.mark.parametrize("name", SAMPLES)
def test_golden_file_verifies_complete(name):
    path, _ = _sample(name)
    assert verify(path).describe() == "complete: 536 records"


@pytest.mark.parametrize("name", SAMPLES)
def test_golden_file_reads_to_the_stored_message_digest(name):
    path, digest_of = _sample(name)
    digest = hashlib.sha256()
    count = 0
    with ReplayReader(path) as reader:
        for message in reader:
            digest.update(pack(message.to_list()))
            count += 1
    assert count == digest_of["messages"]
    assert digest.hexdigest() == digest_of["messages_sha256"]
    assert reader.summary == {"holds": 2, "why": "finished"}


@pytest.mark.parametrize("name", SAMPLES)
def test_writer_reproduces_the_golden_bytes(name):
    path, digest_of = _sample(name)
    data = record(session(400, seed=11), summary={"holds": 2, "why": "finished"},
                  engine_version="0.1.0", **SAMPLES[name])
    assert hashlib.sha256(data).hexdigest() == digest_of["file_sha256"]
    assert data == path.read_bytes()


def test_the_library_versions_read_from_format_1_1_on():
    with ReplayReader(_sample("quad_sets_4s")[0]) as old, \
            ReplayReader(_sample("quad_sets_4s_1.1")[0]) as new:
        assert (old.header.version, old.header.library_versions) == ((1, 0), {})
        assert (new.header.version, new.header.library_versions) == ((1, 1), LIBRARY_VERSIONS)


SESSION = TEST_DATA / "replays" / "quad_set_session.myoplay"
SESSION_DIGEST = json.loads(
    (TEST_DATA / "replays" / "quad_set_session.digest.json").read_text()
)


def _training(config):
    return TrainingConfig.from_plain(config["training"], str(SESSION))


@pytest.mark.parametrize("read_ahead", [True, False])
def test_recorded_session_replays_to_its_stored_output_digest(read_ahead):
    assert hashlib.sha256(SESSION.read_bytes()).hexdigest() == SESSION_DIGEST["file_sha256"]
    # The read-ahead child is forked only from a process with no other thread; earlier tests
    # may leave some running for a while (Trio keeps idle worker threads for 10 s).
    alone_before = threading.active_count() == 1
    done = replay_headless(SESSION, _training, read_ahead=read_ahead)
    alone_after = threading.active_count() == 1
    packed = b"".join(pack(r.to_list()) for r in done.outputs)
    assert len(done.outputs) == SESSION_DIGEST["outputs"]
    assert hashlib.sha256(packed).hexdigest() == SESSION_DIGEST["outputs_sha256"]
    assert [r.to_list() for r in done.outputs] == [r.to_list() for r in done.recorded]
    assert (done.status.state, done.passes) == ("complete", 1)
    if alone_before == alone_after:
        assert done.read_ahead == (read_ahead and sys.platform == "linux" and alone_before)


def test_recorded_session_gives_the_same_outputs_at_any_chunk_size():
    expected = SESSION_DIGEST["outputs_sha256"]
    for chunk in (1, 333, 40_000):
        done = replay_headless(SESSION, _training, chunk_samples=chunk, read_ahead=False)
        packed = b"".join(pack(r.to_list()) for r in done.outputs)
        assert hashlib.sha256(packed).hexdigest() == expected, f"chunk {chunk}"
