"""Golden files: the stored format sample still reads to the same messages and the writer still
writes it byte for byte, and a session recorded by ``myoplay play`` still replays to the same
outputs (the ones it recorded live): neither the format nor the engine can drift unnoticed."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest
from replay_fixtures import record, session

from engine.training import TrainingConfig
from replays.format import pack
from replays.headless import replay_headless
from replays.reader import ReplayReader
from replays.verify import verify

TEST_DATA = Path(__file__).resolve().parents[1] / "data"
GOLDEN = TEST_DATA / "replays" / "quad_sets_4s.myoplay"
DIGEST = json.loads((TEST_DATA / "replays" / "quad_sets_4s.digest.json").read_text())


def test_golden_file_verifies_complete():
    assert verify(GOLDEN).describe() == "complete: 536 records"


def test_golden_file_reads_to_the_stored_message_digest():
    digest = hashlib.sha256()
    count = 0
    with ReplayReader(GOLDEN) as reader:
        for message in reader:
            digest.update(pack(message.to_list()))
            count += 1
    assert count == DIGEST["messages"]
    assert digest.hexdigest() == DIGEST["messages_sha256"]
    assert reader.summary == {"holds": 2, "why": "finished"}


def test_writer_reproduces_the_golden_bytes():
    data = record(session(400, seed=11), summary={"holds": 2, "why": "finished"},
                  engine_version="0.1.0")
    assert hashlib.sha256(data).hexdigest() == DIGEST["file_sha256"]
    assert data == GOLDEN.read_bytes()


SESSION = TEST_DATA / "replays" / "quad_set_session.myoplay"
SESSION_DIGEST = json.loads(
    (TEST_DATA / "replays" / "quad_set_session.digest.json").read_text()
)


def _training(config):
    return TrainingConfig.from_plain(config["training"], str(SESSION))


@pytest.mark.parametrize("read_ahead", [True, False])
def test_recorded_session_replays_to_its_stored_output_digest(read_ahead):
    assert hashlib.sha256(SESSION.read_bytes()).hexdigest() == SESSION_DIGEST["file_sha256"]
    done = replay_headless(SESSION, _training, read_ahead=read_ahead)
    packed = b"".join(pack(r.to_list()) for r in done.outputs)
    assert len(done.outputs) == SESSION_DIGEST["outputs"]
    assert hashlib.sha256(packed).hexdigest() == SESSION_DIGEST["outputs_sha256"]
    assert [r.to_list() for r in done.outputs] == [r.to_list() for r in done.recorded]
    assert (done.status.state, done.passes) == ("complete", 1)
    assert done.read_ahead == (read_ahead and sys.platform == "linux")


def test_recorded_session_gives_the_same_outputs_at_any_chunk_size():
    expected = SESSION_DIGEST["outputs_sha256"]
    for chunk in (1, 333, 40_000):
        done = replay_headless(SESSION, _training, chunk_samples=chunk, read_ahead=False)
        packed = b"".join(pack(r.to_list()) for r in done.outputs)
        assert hashlib.sha256(packed).hexdigest() == expected, f"chunk {chunk}"
