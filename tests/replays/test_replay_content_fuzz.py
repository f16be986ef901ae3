"""Hostile content behind valid CRCs: verify, inspect, replay and export answer in one line.

Issue 13's acceptance: files forged with correct sync points and end totals (so every check of
the bytes passes) and content made hostile (:mod:`tests.replays.forged_files`) go through all
four commands in-process, through ``myoplay.cli.main``: verify, inspect, the headless replay and
export, and for a sample the windowed replay too (SDL's dummy driver standing in for a screen).
Any exception out of ``main`` fails the test (the commands' own errors are one line and an exit
status); every error line names the file and a record by its index; nothing reaches the terminal
unescaped; ``--json`` parses as strict JSON. A sample runs in subprocesses under a 300 MB
address-space limit (the windowed replay among the commands) and must finish within a timeout.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import resource
import subprocess
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from myoplay.cli import main
from tests.replays.forged_files import damage_a_length, forge, golden_bodies, mutate

#: Forged files; each goes through the four commands, so the cases are four times as many.
FILES = 2500
SEED = 13
#: Files run again in subprocesses with a memory limit (each through one command, in turn).
SUBPROCESS_SAMPLE = 20
ADDRESS_SPACE_BYTES = 300 << 20
SUBPROCESS_TIMEOUT_S = 120
PARALLEL = 2

#: Files replayed in the window too (one in this many).
WINDOW_EVERY = 25

#: How an error or verdict names a record: by its index ("records up to N" is no index).
NAMES_A_RECORD = re.compile(r"records? \d+|before record 0")


def _commands(path: Path, out: Path, case: int) -> list[list[str]]:
    """The four commands on ``path``; options vary with the case number."""
    inspect = ["inspect", str(path), *(["--json"] if case % 2 else [])]
    export = ["export", str(path), "-o", str(out), "--overwrite",
              *(["--processed"] if case % 3 == 0 else []),
              *(["--allow-truncated"] if case % 5 == 0 else [])]
    replay = ["replay", str(path), "--headless", "--events-out", str(out.with_suffix(".jsonl"))]
    return [["verify", str(path)], inspect, replay, export]


def _window_replay(path: Path) -> list[str]:
    """The windowed replay, as fast as it goes (run with :func:`_a_screen` in force)."""
    return ["replay", str(path), "--fast"]


@contextlib.contextmanager
def _a_screen() -> Iterator[None]:
    """SDL's dummy driver, and the replay command told a screen is there."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SDL_VIDEODRIVER", "dummy")
        patch.setenv("SDL_AUDIODRIVER", "dummy")
        patch.setattr("myoplay.replay_command.has_screen", lambda: True)
        yield


def _case(rng: random.Random, header: object, bodies: list[object], case: int) -> bytes:
    hostile_header, hostile_bodies = mutate(rng, header, bodies)
    data = forge(hostile_header, hostile_bodies, sync_every=rng.choice((3, 8, 50)))
    if case % 10 == 9:
        data = damage_a_length(rng, data)
    return data


def _cases() -> Iterator[tuple[int, bytes]]:
    rng = random.Random(SEED)
    header, bodies = golden_bodies()
    for case in range(FILES):
        yield case, _case(rng, header, bodies, case)


def _printable(text: str) -> bool:
    """No control character but the newline (a label must not clear the screen)."""
    return all(c == "\n" or unicodedata.category(c)[0] != "C" for c in text)


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def _check_answer(argv: list[str], path: Path, status: int, out: str, err: str) -> None:
    command = argv[0]
    where = f"{command} on {path.name}"
    assert _printable(out + err), f"{where}: unescaped control characters"
    if status == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1, f"{where}: {err!r}"
        assert str(path) in lines[0], f"{where}: the error does not name the file: {err!r}"
        assert NAMES_A_RECORD.search(lines[0]), f"{where}: no record named: {err!r}"
        return
    allowed = {"verify": {0, 1}, "inspect": {0, 1}, "replay": {0, 1}, "export": {0}}[command]
    assert status in allowed, f"{where}: exit {status}: {err!r}"
    if command == "verify" and status == 1:
        assert NAMES_A_RECORD.search(out), f"{where}: {out!r}"
    if command == "inspect" and status == 1:
        # A truncated file's report, and one warning line saying where it stops.
        assert err.count("\n") == 1, f"{where}: {err!r}"
        assert NAMES_A_RECORD.search(err), f"{where}: {err!r}"
    if command == "inspect" and "--json" in argv:
        report = json.loads(out, parse_constant=_no_constants)
        assert status == 0 or NAMES_A_RECORD.search(report["status"]["verdict"])


@pytest.mark.slow
def test_hostile_content_behind_valid_crcs_gets_one_line_naming_a_record(tmp_path: Path) -> None:
    path, out = tmp_path / "case.myoplay", tmp_path / "out.csv"
    statuses: Counter[tuple[str, int]] = Counter()
    runs = 0
    for case, data in _cases():
        path.write_bytes(data)
        window = [_window_replay(path)] if case % WINDOW_EVERY == 0 else []
        for argv in [*_commands(path, out, case), *window]:
            try:
                with _a_screen() if argv in window else contextlib.nullcontext():
                    status, stdout, stderr = _run(argv)
            except BaseException as error:
                raise AssertionError(f"case {case}: {' '.join(argv)} raised {error!r}") from error
            _check_answer(argv, path, status, stdout, stderr)
            statuses[argv[0] if argv not in window else "window", status] += 1
            runs += 1
        assert path.read_bytes() == data, f"case {case}: a command changed its input"
    assert runs >= 10_000
    # The mutations reach every verdict: some files stay valid, most are refused.
    assert statuses["verify", 0] > 0
    assert statuses["verify", 1] > FILES // 2
    assert statuses["replay", 0] + statuses["replay", 1] > 0  # replayed to the end
    assert statuses["replay", 2] > 0
    assert statuses["window", 0] + statuses["window", 1] > 0
    assert statuses["window", 2] > 0


#: The command line in a subprocess.
_MAIN = "import sys; from myoplay.cli import main; sys.exit(main(sys.argv[1:]))"


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_BYTES, ADDRESS_SPACE_BYTES))


@pytest.mark.slow
def test_a_sample_finishes_within_300_mb_in_subprocesses(tmp_path: Path) -> None:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    chosen = range(0, FILES, FILES // SUBPROCESS_SAMPLE)
    jobs = []
    for number, (case, data) in enumerate(c for c in _cases() if c[0] in chosen):
        path = tmp_path / f"case{case}.myoplay"
        path.write_bytes(data)
        # The windowed replay is fuzzed in process (see above), not here: SDL and pygame alone
        # reserve more than 300 MB of address space (about 440 MB at its peak on the golden
        # session), whatever the file holds.
        commands = _commands(path, tmp_path / f"out{case}.csv", case)
        jobs.append((case, commands[number % len(commands)]))
    for batch in range(0, len(jobs), PARALLEL):  # two at a time: the machine has two cores
        running = [
            (case, argv, subprocess.Popen(
                [sys.executable, "-c", _MAIN,
                 *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                preexec_fn=_limit_memory,
            ))
            for case, argv in jobs[batch:batch + PARALLEL]
        ]
        for case, argv, process in running:
            _finished(case, argv, process)


def _finished(case: int, argv: list[str], process: subprocess.Popen[str]) -> None:
    try:
        _, stderr = process.communicate(timeout=SUBPROCESS_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise AssertionError(f"case {case}: {' '.join(argv)} did not finish") from None
    assert process.returncode in (0, 1, 2), f"case {case}: {argv}: {stderr[-2000:]}"
    assert "Traceback" not in stderr, f"case {case}: {argv}: {stderr[-2000:]}"
