"""``myoplay dashboard``'s own parts: the token in the user's configuration folder, the missed
sessions read from the history store, and one-line errors for bad options."""

from __future__ import annotations

import datetime
import socket
import stat
from pathlib import Path

import pytest

from engine.weekly_progress import Prescription
from history.store import ClientRecord, HistoryStore
from myoplay.cli import main
from myoplay.dashboard_command import page_address
from myoplay.dashboard_history import missed_sessions
from myoplay.dashboard_token import load_token, token_path


@pytest.fixture(autouse=True)
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("MYOPLAY_HISTORY", raising=False)
    return tmp_path / "config"


def test_the_token_is_made_once_private_and_replaced_on_rotation(config_home: Path) -> None:
    first = load_token()
    assert first.created
    assert first.path == token_path() == config_home / "myoplay" / "dashboard-token"
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    assert len(first.value) >= 43  # 32 random bytes
    again = load_token()
    assert (again.value, again.created) == (first.value, False)
    rotated = load_token(rotate=True)
    assert rotated.created
    assert rotated.value != first.value
    assert load_token().value == rotated.value


def test_a_token_file_others_can_read_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    path = load_token().path
    path.chmod(0o644)
    assert main(["dashboard"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "may be read by others (mode 644)" in err


def test_missed_prescribed_sessions_are_read_by_pseudonym(tmp_path: Path) -> None:
    store_path = tmp_path / "history.sqlite3"
    today = datetime.date(2026, 11, 25)
    with HistoryStore(store_path) as store:
        for client, name in (("P-0042", "Ann Example"), ("P-0007", None)):
            store.add_client(ClientRecord(client, name, "left", "2026-11-01T09:00:00"))
        store.prescribe(Prescription("P-0042", "quad_set", None, 3, "2026-11-09"))
    found = missed_sessions(store_path, today)
    assert found == {"P-0042": ["sessions missed in week 2 (0 of 3)"]}
    assert "Ann" not in repr(found)


@pytest.mark.parametrize(("args", "words"), [
    (["--clinician", ""], "--clinician '' is not a usable label"),
    (["--port", "70000"], "--port 70000 is not a port"),
    (["--history", "/nonexistent/h.sqlite3"], "--history /nonexistent/h.sqlite3: no such file"),
    (["--listen", "203.0.113.9"], "cannot listen on 203.0.113.9"),
])
def test_bad_options_are_one_line(args: list[str], words: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dashboard", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert words in err


def test_a_port_in_use_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["dashboard", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1 port {port}" in err
    assert "choose another --port" in err


def test_the_page_address_names_this_machine() -> None:
    assert page_address("127.0.0.1", 8765) == "http://127.0.0.1:8765/"
    assert page_address("0.0.0.0", 80) == "http://127.0.0.1:80/"
    assert page_address("::1", 8765) == "http://[::1]:8765/"
