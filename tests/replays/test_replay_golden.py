"""The stored recording still reads to the same messages, and the writer still writes it byte for
byte: the format cannot drift without this failing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from replay_fixtures import record, session

from replays.format import pack
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
