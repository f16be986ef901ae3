"""The history store: one SQLite file holding clients, prescriptions, sessions, reps,
calibrations, per-muscle figures and fatigue per set.

It is an index of recordings, never the only copy: every session row is derived from a
recording (:mod:`history.recording_facts`) and keyed by the recording's SHA-256, so filing the
same recording again replaces its rows instead of adding more, and a lost store is rebuilt with
``myoplay history rebuild``.

Each session is filed in one transaction: a writer killed half-way leaves the file as it was
before that session. The file is in WAL mode with a busy timeout, so a session writing while a
report reads (two processes) both work.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.comparison_analysis import (
    REP_COLUMNS,
    REP_MUSCLE_COLUMNS,
    VARIATION_COLUMNS,
    ComparisonRows,
)
from engine.errors import HistoryStoreError
from engine.rules.session_summary import SetFatigue
from engine.session_facts import MuscleFacts, SessionFacts
from engine.weekly_progress import Prescription, SessionPoint, SidePoint
from history.schema import MIGRATIONS, SCHEMA_VERSION

#: How long a write waits for another process's write to finish, in seconds.
BUSY_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class ClientRecord:
    """A client as the station knows them; ``display_name`` never leaves this file."""

    client_id: str
    display_name: str | None
    involved_side: str | None
    created_at: str


@dataclass(frozen=True, slots=True)
class StoredCalibration:
    """A calibration kept from an earlier session, and when that session started."""

    calibration: dict[str, Any]
    started_at: str
    recording_path: str


class HistoryStore:
    """An open history file (see the module docstring)."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        """Open the store at ``path``; without ``create``, a missing file is an error (commands
        that only read or change existing rows leave no empty store behind)."""
        self.path = path
        if not create and not path.is_file():
            raise HistoryStoreError(
                f"no history store at {path}",
                hint="play a session with --client, add a client with 'myoplay history "
                     "client ID', or give --history FILE",
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except (OSError, sqlite3.Error) as error:
            raise HistoryStoreError(f"cannot open the history store {path}: {error}",
                                    hint="check the path, or set --history") from None
        try:
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._migrate()
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise HistoryStoreError(
                f"{path} is not a usable history store ({error})",
                hint="move it aside and run 'myoplay history rebuild DIR' on the recordings",
            ) from None
        except BaseException:
            self._db.close()
            raise

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema -------------------------------------------------------------------------------

    def _migrate(self) -> None:
        with self._writing():
            version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise HistoryStoreError(
                    f"{self.path} has history schema version {version}, newer than this "
                    f"myoplay knows ({SCHEMA_VERSION})",
                    hint="upgrade myoplay, or point --history at another file",
                )
            for script in MIGRATIONS[version:]:
                for statement in script.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
            if version < SCHEMA_VERSION:
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One write transaction, taken at once (BEGIN IMMEDIATE) so that two writers queue on
        the busy timeout instead of failing half-way; rolled back on any error."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.OperationalError as error:  # locked past the timeout, disk full, ...
            raise HistoryStoreError(
                f"cannot write to the history store {self.path}: {error}",
                hint="nothing was filed; file the recording later with 'myoplay history add'",
            ) from None

    # -- clients and prescriptions ----------------------------------------------------------

    def add_client(self, client: ClientRecord) -> None:
        """Add a client, or update the display name and involved side of a known one (a value
        left None keeps what the store has)."""
        with self._writing():
            self._db.execute(
                "INSERT INTO clients VALUES (?, ?, ?, ?) ON CONFLICT (client_id) DO UPDATE SET "
                "display_name = coalesce(excluded.display_name, display_name), "
                "involved_side = coalesce(excluded.involved_side, involved_side)",
                (client.client_id, client.display_name, client.involved_side, client.created_at),
            )

    def client(self, client_id: str) -> ClientRecord | None:
        row = self._db.execute("SELECT * FROM clients WHERE client_id = ?",
                               (client_id,)).fetchone()
        return ClientRecord(*row) if row else None

    def clients(self) -> list[ClientRecord]:
        return [ClientRecord(*row) for row in
                self._db.execute("SELECT * FROM clients ORDER BY client_id")]

    def require_client(self, client_id: str) -> ClientRecord:
        found = self.client(client_id)
        if found is None:
            raise HistoryStoreError(
                f"no client {client_id!r} in {self.path}",
                hint=f"add one with 'myoplay history client {client_id}'",
            )
        return found

    def prescribe(self, prescription: Prescription) -> None:
        """Set (or replace) the prescription of one protocol for a known client."""
        self.require_client(prescription.client_id)
        with self._writing():
            self._db.execute(
                "INSERT OR REPLACE INTO prescriptions VALUES (?, ?, ?, ?, ?)",
                (prescription.client_id, prescription.protocol, prescription.reps,
                 prescription.sessions_per_week, prescription.starts_on),
            )

    def prescriptions(self, client_id: str) -> list[Prescription]:
        return [Prescription(*row) for row in self._db.execute(
            "SELECT * FROM prescriptions WHERE client_id = ? ORDER BY starts_on, protocol",
            (client_id,))]

    # -- sessions ---------------------------------------------------------------------------

    def file_session(self, facts: SessionFacts, *, started_at: str, recording_path: str,
                     sha256: str, created_at: str) -> None:
        """File one session under ``facts.client_id`` (a client unknown so far is added),
        replacing whatever the same recording filed before; all or nothing."""
        if facts.client_id is None:
            raise HistoryStoreError(f"{recording_path} is filed under no client",
                                    hint="give --client ID")
        with self._writing():
            self._db.execute("INSERT OR IGNORE INTO clients VALUES (?, NULL, ?, ?)",
                             (facts.client_id, facts.involved_side, created_at))
            self._db.execute("DELETE FROM sessions WHERE recording_sha256 = ?", (sha256,))
            band = facts.next_band_pct or (None, None)
            self._db.execute(
                f"INSERT INTO sessions VALUES ({', '.join('?' * 39)})",
                (sha256, facts.client_id, started_at, recording_path, facts.protocol_id,
                 facts.protocol_name, facts.mode, facts.sensor_kind, facts.sensor_name,
                 facts.involved_side, facts.target_muscle, facts.target_side,
                 facts.calibration_kind, int(facts.calibration_reused), facts.duration_s,
                 facts.reps_prescribed, facts.reps_attempted, facts.reps_completed,
                 facts.success_rate, facts.time_in_zone_s, facts.paused_s, facts.peak_pct,
                 facts.mean_pct, facts.symmetry_lsi_pct, facts.compensation_metric,
                 facts.compensation_peak, facts.symmetry_alerts, facts.compensation_alerts,
                 facts.quality_pauses, int(facts.progression_ready), facts.bar_peak_pct,
                 facts.bar_symmetry_pct, int(facts.finished), facts.bar_sessions_needed,
                 facts.bar_of_last, _optional_int(facts.bar_no_compensation_in_last),
                 facts.next_protocol, band[0], band[1]),
            )
            self._db.executemany(
                "INSERT INTO reps VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(sha256, n, r.set_index, r.rep, int(r.success), r.duration_s,
                  r.time_in_zone_s, r.peak_pct, r.mean_pct, r.symmetry_lsi_pct, r.low_pct,
                  r.high_pct, _optional_int(r.compensated))
                 for n, r in enumerate(facts.reps)],
            )
            self._db.executemany(
                "INSERT INTO session_muscles VALUES (?, ?, ?, ?, ?, ?)",
                [(sha256, m.channel, m.muscle, m.side, m.peak_pct, m.mean_pct)
                 for m in facts.muscles],
            )
            self._db.executemany(
                "INSERT INTO session_fatigue VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(sha256, f.set_index, f.channel, f.muscle, f.side, f.slope_pct_per_s,
                  f.start_hz, f.windows, f.contraction_s) for f in facts.fatigue],
            )
            if facts.calibration is not None:
                self._db.execute(
                    "INSERT INTO calibrations VALUES (?, ?, ?)",
                    (sha256, facts.calibration_kind,
                     json.dumps(facts.calibration, sort_keys=True)),
                )
                self._db.executemany(
                    "INSERT INTO calibration_channels VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(sha256, c.channel, c.muscle, c.side, c.reference_uv, c.baseline_uv,
                      c.noise_sd_uv) for c in facts.calibrations],
                )

    def filed_sha256s(self) -> set[str]:
        """The SHA-256 of every recording filed so far."""
        return {row[0] for row in self._db.execute("SELECT recording_sha256 FROM sessions")}

    def session_points(self, client_id: str) -> list[SessionPoint]:
        """Every session of ``client_id``, oldest first, as the progress figures take them
        (with each side's figures of the target muscle when the target is both sides)."""
        sides: dict[str, list[SidePoint]] = {}
        for sha256, side, peak, mean in self._db.execute(
            "SELECT m.recording_sha256, m.side, m.peak_pct, m.mean_pct "
            "FROM session_muscles AS m JOIN sessions AS s USING (recording_sha256) "
            "WHERE s.client_id = ? AND s.target_side = 'both' AND m.muscle = s.target_muscle "
            "ORDER BY m.rowid", (client_id,)):
            sides.setdefault(sha256, []).append(SidePoint(side, peak, mean))
        return [dataclasses.replace(SessionPoint(*row[:-1]), sides=tuple(sides.get(row[-1], ())))
                for row in self._db.execute(
            "SELECT started_at, protocol_id, target_muscle, target_side, calibration_kind, "
            "reps_prescribed, reps_attempted, reps_completed, peak_pct, mean_pct, "
            "symmetry_lsi_pct, compensation_alerts, progression_ready, bar_peak_pct, "
            "bar_symmetry_pct, finished, bar_sessions_needed, bar_of_last, "
            "bar_no_compensation_in_last, next_protocol, next_band_low_pct, next_band_high_pct, "
            "recording_sha256 FROM sessions WHERE client_id = ? "
            "ORDER BY started_at, recording_sha256", (client_id,))]

    def latest_muscles(self, client_id: str) -> tuple[str, str, list[MuscleFacts]] | None:
        """The newest session of ``client_id`` that filed per-muscle figures: its start time,
        protocol and every muscle's peak and mean %MVC (channel order); None if none did."""
        row = self._db.execute(
            "SELECT s.recording_sha256, s.started_at, s.protocol_id FROM sessions AS s "
            "WHERE s.client_id = ? AND EXISTS (SELECT 1 FROM session_muscles AS m "
            "WHERE m.recording_sha256 = s.recording_sha256) "
            "ORDER BY s.started_at DESC, s.recording_sha256 DESC LIMIT 1", (client_id,)).fetchone()
        if row is None:
            return None
        muscles = [MuscleFacts(*m) for m in self._db.execute(
            "SELECT channel, muscle, side, peak_pct, mean_pct FROM session_muscles "
            "WHERE recording_sha256 = ? ORDER BY rowid", (row[0],))]
        return row[1], row[2], muscles

    def session_fatigue(self, client_id: str) -> list[tuple[str, SetFatigue]]:
        """Every set's median-frequency slope per muscle that ``client_id``'s sessions filed,
        with each session's start time, oldest session first, then by set and channel."""
        return [(row[0], SetFatigue(*row[1:])) for row in self._db.execute(
            "SELECT s.started_at, f.set_index, f.channel, f.muscle, f.side, f.slope_pct_per_s, "
            "f.start_hz, f.windows, f.contraction_s FROM session_fatigue AS f "
            "JOIN sessions AS s USING (recording_sha256) WHERE s.client_id = ? "
            "ORDER BY s.started_at, s.recording_sha256, f.set_index, f.rowid", (client_id,))]

    def file_comparison(self, rows: ComparisonRows, *, recording_sha256: str,
                        client_id: str | None, analysed_at: str, recording_path: str,
                        protocol_id: str, protocol_name: str) -> None:
        """File one analysed comparison (``myoplay compare``), replacing what the same
        recording filed before; a ``client_id`` must be a known client."""
        if client_id is not None:
            self.require_client(client_id)
        summary = rows.summary
        with self._writing():
            self._db.execute("DELETE FROM comparisons WHERE recording_sha256 = ?",
                             (recording_sha256,))
            self._db.execute(
                "INSERT INTO comparisons VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (recording_sha256, client_id, analysed_at, recording_path, protocol_id,
                 protocol_name, summary["metric"], summary["unit"], summary["confidence"],
                 summary["winner"], summary["verdict"], summary["cue_effect"],
                 summary["cue_effect_low"], summary["cue_effect_high"],
                 summary["reps_outside"]))
            for table, columns, items in (
                    ("comparison_variations", VARIATION_COLUMNS, rows.variations),
                    ("comparison_reps", REP_COLUMNS, rows.reps),
                    ("comparison_rep_muscles", REP_MUSCLE_COLUMNS, rows.rep_muscles)):
                marks = ", ".join("?" * (len(columns) + 1))
                self._db.executemany(
                    f"INSERT INTO {table} (recording_sha256, {', '.join(columns)}) "
                    f"VALUES ({marks})",
                    [(recording_sha256, *(item[c] for c in columns)) for item in items])

    def table(self, name: str, client_id: str | None = None) -> list[dict[str, Any]]:
        """Every row of one table (of one client, for the session-keyed tables) as mappings,
        in a stable order: what ``history export`` writes and what tests compare."""
        if name not in _TABLE_ORDER:
            raise HistoryStoreError(f"no table {name!r} in the history store")
        where, params = "", ()  # type: tuple[str, tuple[str, ...]]
        if client_id is not None:
            where, params = _CLIENT_FILTER[name], (client_id,)
        cursor = self._db.execute(f"SELECT * FROM {name} {where} ORDER BY {_TABLE_ORDER[name]}",
                                  params)
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor]

    def latest_calibration(self, client_id: str, muscle: str,
                           sensor_kind: str) -> StoredCalibration | None:
        """The newest calibration ``client_id`` made of ``muscle`` with a sensor of
        ``sensor_kind``, or None (a channel of the muscle that the calibration did not measure,
        its reference 0, does not count)."""
        row = self._db.execute(
            "SELECT c.calibration, s.started_at, s.recording_path FROM calibrations c "
            "JOIN sessions s USING (recording_sha256) "
            "WHERE s.client_id = ? AND s.sensor_kind = ? AND EXISTS (SELECT 1 FROM "
            "calibration_channels ch WHERE ch.recording_sha256 = c.recording_sha256 "
            "AND ch.muscle = ? AND ch.reference_uv > 0) "
            "ORDER BY s.started_at DESC, s.recording_sha256 LIMIT 1",
            (client_id, sensor_kind, muscle),
        ).fetchone()
        return StoredCalibration(json.loads(row[0]), row[1], row[2]) if row else None

    def forget(self, client_id: str) -> list[str]:
        """Remove the client and every row filed under them; returns their recordings' paths
        (the caller deletes those only when asked)."""
        self.require_client(client_id)
        with self._writing():
            paths = [row[0] for row in self._db.execute(
                "SELECT recording_path FROM sessions WHERE client_id = ? ORDER BY started_at",
                (client_id,))]
            self._db.execute("DELETE FROM clients WHERE client_id = ?", (client_id,))
        return paths

    def integrity(self) -> str:
        """SQLite's own check of the file ("ok" when sound)."""
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])


def _optional_int(flag: bool | None) -> int | None:
    return None if flag is None else int(flag)


#: Stable row order of each table (session rows by client and time, child rows by session).
_TABLE_ORDER = {
    "clients": "client_id",
    "prescriptions": "client_id, protocol",
    "sessions": "client_id, started_at, recording_sha256",
    "reps": "recording_sha256, n",
    "calibrations": "recording_sha256",
    "calibration_channels": "recording_sha256, channel",
    "session_muscles": "recording_sha256, channel",
    "session_fatigue": "recording_sha256, set_index, channel",
    "comparisons": "client_id, analysed_at, recording_sha256",
    "comparison_variations": "recording_sha256, rank, variation_id",
    "comparison_reps": "recording_sha256, n",
    "comparison_rep_muscles": "recording_sha256, n, channel",
}
_BY_SESSION = ("WHERE recording_sha256 IN "
               "(SELECT recording_sha256 FROM sessions WHERE client_id = ?)")
_BY_COMPARISON = ("WHERE recording_sha256 IN "
                  "(SELECT recording_sha256 FROM comparisons WHERE client_id = ?)")
_CLIENT_FILTER = {
    "clients": "WHERE client_id = ?",
    "prescriptions": "WHERE client_id = ?",
    "sessions": "WHERE client_id = ?",
    "reps": _BY_SESSION,
    "calibrations": _BY_SESSION,
    "calibration_channels": _BY_SESSION,
    "session_muscles": _BY_SESSION,
    "session_fatigue": _BY_SESSION,
    "comparisons": "WHERE client_id = ?",
    "comparison_variations": _BY_COMPARISON,
    "comparison_reps": _BY_COMPARISON,
    "comparison_rep_muscles": _BY_COMPARISON,
}

#: The tables ``history export`` writes, in order.
EXPORTED_TABLES: Sequence[str] = tuple(_TABLE_ORDER)
