"""Session folders: numbered, and taken back only when nothing was played and only what this
run made."""

from __future__ import annotations

from pathlib import Path

from myoplay.session_folders import discard_unplayed, next_session_dir


def test_folders_are_numbered_from_the_first_free_one(tmp_path: Path):
    (tmp_path / "session-001").mkdir()
    assert next_session_dir(tmp_path).path == tmp_path / "session-002"
    assert next_session_dir(tmp_path).path == tmp_path / "session-003"


def test_an_unplayed_session_takes_back_its_recording_folder_and_the_folders_made_for_it(
    tmp_path: Path,
):
    folder = next_session_dir(tmp_path / "out" / "nested")
    recording = folder.path / "session.myoplay"
    recording.write_bytes(b"header")
    assert discard_unplayed(folder, recording)
    assert list(tmp_path.iterdir()) == [], "out/ and out/nested/ were made by this run"


def test_a_folder_that_existed_before_stays(tmp_path: Path):
    folder = next_session_dir(tmp_path)
    assert discard_unplayed(folder, folder.path / "session.myoplay")
    assert tmp_path.is_dir()
    assert not folder.path.exists()


def test_anything_else_in_the_folder_keeps_it_whole(tmp_path: Path):
    folder = next_session_dir(tmp_path)
    recording = folder.path / "session.myoplay"
    recording.write_bytes(b"header")
    (folder.path / "frames").mkdir()
    (folder.path / "frames" / "screenshot_000010.png").write_bytes(b"png")
    assert not discard_unplayed(folder, recording)
    assert recording.is_file()


def test_a_recording_written_elsewhere_is_never_deleted(tmp_path: Path):
    elsewhere = tmp_path / "today.myoplay"
    elsewhere.write_bytes(b"the user's file")
    folder = next_session_dir(tmp_path / "out")
    assert discard_unplayed(folder, elsewhere)
    assert elsewhere.read_bytes() == b"the user's file"
    assert not (tmp_path / "out").exists()
