"""The hostile files issue 13 names, one by one: each gets one line naming its record."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest

from myoplay.cli import main
from replays.verify import verify
from tests.replays.forged_files import forge, golden_bodies


def _write(tmp_path: Path, header: Any, bodies: list[Any]) -> Path:
    path = tmp_path / "hostile.myoplay"
    path.write_bytes(forge(header, bodies, sync_every=SYNC_EVERY))
    return path


SYNC_EVERY = 8


def _index(body: int) -> int:
    """Index in the file of body ``body`` (0 = the first after the header), counting the
    header and the sync records :func:`forge` puts after it and after every 8 bodies."""
    position = body + 1
    return position + 1 + (position - 1) // SYNC_EVERY


def test_the_base_file_is_valid(tmp_path):
    path = _write(tmp_path, *golden_bodies())
    assert verify(path).state == "complete"


_GAP = 37  # the gap's place among the base file's bodies


@pytest.mark.parametrize(("change", "body", "words"), [
    (lambda h, b: b[0].__setitem__(4, 1e7), 0, "rate"),
    (lambda h, b: h[5]["training"]["calibration_protocol"].__setitem__("efforts", 10**9), -1,
     "efforts"),
    (lambda h, b: h[5]["training"]["calibration"].__setitem__("reference_uv", ["a"] * 4), -1,
     "reference_uv"),
    (lambda h, b: h[5]["training"]["calibration"].__setitem__("window_s", math.nan), -1,
     "window_s"),
    (lambda h, b: b[5].__setitem__(4, 2**63), 5, "t_ns"),
    (lambda h, b: b[_GAP].__setitem__(3, -5), _GAP, "missing"),
    (lambda h, b: b[0][5][0].__setitem__(0, "\x1b[2J"), 0, "control characters"),
    (lambda h, b: h[5].__setitem__("mains_hz", math.inf), -1, "mains_hz"),
])
def test_out_of_bounds_content_is_corrupt_at_its_record(tmp_path, capsys, change, body, words):
    header, bodies = golden_bodies()
    assert bodies[_GAP][0] == "gap"
    change(header, bodies)
    record = 0 if body < 0 else _index(body)
    path = _write(tmp_path, header, bodies)
    status = verify(path)
    assert (status.state, status.record_index) == ("corrupt", record)
    assert words in status.reason
    for command in (["inspect"], ["replay", "--headless"], ["export", "-o", "-"]):
        code = main([command[0], str(path), *command[1:]])
        err = capsys.readouterr().err
        assert code == 2
        assert f"{path}: corrupt at record {record}: " in err
        assert err.count("\n") == 1


def test_a_damaged_length_with_a_valid_end_after_it_is_corrupt_not_truncated(tmp_path):
    header, bodies = golden_bodies()
    data = forge(header, bodies, sync_every=SYNC_EVERY)
    at = data.index(b"\xa5radio")  # the gap's reason
    # Declared 1 MiB long: the string swallows the rest of the file, its end record included.
    damaged = data[:at] + b"\xdb\x00\x0f\xff\xff" + data[at + 1:]
    path = tmp_path / "damaged.myoplay"
    path.write_bytes(damaged)
    status = verify(path)
    assert status.state == "corrupt"
    assert status.record_index == _index(_GAP)
    assert "damaged length" in status.reason


def test_text_from_the_file_is_escaped_and_json_is_strict(tmp_path, capsys):
    header, bodies = golden_bodies()
    bodies.insert(-1, ["error", 0, "render", "\x1b[2J\x1b[Hverdict:   complete\r\n"])
    bodies[-1][1]["ratio"] = math.nan
    path = _write(tmp_path, header, bodies)
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "\\x1b[2J" in out
    assert "\\r\\n" in out
    assert main(["inspect", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out, parse_constant=_refuse)
    assert report["summary"]["ratio"] == "NaN"


def _refuse(name: str) -> object:
    raise ValueError(name)


def test_outputs_that_are_the_input_a_device_or_nowhere_are_refused(tmp_path, capsys):
    path = _write(tmp_path, *golden_bodies())
    data = path.read_bytes()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    refused = [
        ["replay", str(path), "--headless", "--events-out", str(path)],
        ["replay", str(path), "--headless", "--events-out", os.devnull],
        ["replay", str(path), "--headless", "--events-out", str(fifo)],
        ["replay", str(path), "--headless", "--events-out", str(tmp_path / "no" / "x.jsonl")],
        ["export", str(path), "-o", str(path), "--overwrite"],
        ["export", str(path), "-o", os.devnull, "--overwrite"],
    ]
    for argv in refused:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
    assert path.read_bytes() == data
    assert os.path.exists(os.devnull)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo", "hostile.myoplay"]


def test_events_out_is_written_whole(tmp_path, capsys):
    path = _write(tmp_path, *golden_bodies())
    events = tmp_path / "events.jsonl"
    assert main(["replay", str(path), "--headless", "--events-out", str(events)]) in (0, 1)
    for line in events.read_text().splitlines():
        json.loads(line)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.jsonl", "hostile.myoplay"]
