"""The history store's schema: one SQL script per version, applied in order on open.

``PRAGMA user_version`` holds the version a file is at. Opening an older file runs the missing
scripts in one transaction (a failure leaves it as it was); a file from a newer myoplay is
refused, since this one cannot know what its columns mean. Every table is STRICT: a wrong type
is an error, never a silent conversion.
"""

from __future__ import annotations

#: Version 1: clients, their prescriptions, sessions and reps.
_V1 = """
CREATE TABLE clients (
    client_id TEXT PRIMARY KEY,
    display_name TEXT,
    involved_side TEXT CHECK (involved_side IN ('left', 'right')),
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE prescriptions (
    client_id TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    protocol TEXT NOT NULL,
    reps INTEGER CHECK (reps > 0),
    sessions_per_week INTEGER NOT NULL CHECK (sessions_per_week BETWEEN 1 AND 21),
    starts_on TEXT NOT NULL,
    PRIMARY KEY (client_id, protocol)
) STRICT;

CREATE TABLE sessions (
    recording_sha256 TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    started_at TEXT NOT NULL,
    recording_path TEXT NOT NULL,
    protocol_id TEXT NOT NULL,
    protocol_name TEXT NOT NULL,
    mode TEXT,
    sensor_kind TEXT NOT NULL,
    sensor_name TEXT NOT NULL,
    involved_side TEXT,
    target_muscle TEXT NOT NULL,
    target_side TEXT NOT NULL,
    calibration_kind TEXT,
    calibration_reused INTEGER NOT NULL,
    duration_s REAL NOT NULL,
    reps_prescribed INTEGER NOT NULL,
    reps_attempted INTEGER NOT NULL,
    reps_completed INTEGER NOT NULL,
    success_rate REAL,
    time_in_zone_s REAL NOT NULL,
    paused_s REAL NOT NULL,
    peak_pct REAL,
    mean_pct REAL,
    symmetry_lsi_pct REAL,
    compensation_metric TEXT,
    compensation_peak REAL,
    symmetry_alerts INTEGER NOT NULL,
    compensation_alerts INTEGER NOT NULL,
    quality_pauses INTEGER NOT NULL,
    progression_ready INTEGER NOT NULL,
    bar_peak_pct REAL,
    bar_symmetry_pct REAL,
    finished INTEGER NOT NULL
) STRICT;

CREATE INDEX sessions_by_client ON sessions (client_id, started_at);

CREATE TABLE reps (
    recording_sha256 TEXT NOT NULL REFERENCES sessions (recording_sha256) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    set_index INTEGER NOT NULL,
    rep INTEGER NOT NULL,
    success INTEGER NOT NULL,
    duration_s REAL NOT NULL,
    time_in_zone_s REAL NOT NULL,
    peak_pct REAL,
    mean_pct REAL,
    symmetry_lsi_pct REAL,
    low_pct REAL NOT NULL,
    high_pct REAL NOT NULL,
    compensated INTEGER,
    PRIMARY KEY (recording_sha256, n)
) STRICT;
"""

#: Version 2: the calibrations made in each session, per channel, and whole for reuse.
_V2 = """
CREATE TABLE calibrations (
    recording_sha256 TEXT PRIMARY KEY
        REFERENCES sessions (recording_sha256) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    calibration TEXT NOT NULL
) STRICT;

CREATE TABLE calibration_channels (
    recording_sha256 TEXT NOT NULL
        REFERENCES calibrations (recording_sha256) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    muscle TEXT NOT NULL,
    side TEXT NOT NULL,
    reference_uv REAL NOT NULL,
    baseline_uv REAL NOT NULL,
    noise_sd_uv REAL NOT NULL,
    PRIMARY KEY (recording_sha256, channel)
) STRICT;
"""

#: Version 3: each session's criterion across sessions and the next step its protocol declared
#: (NULL in sessions filed before: the defaults apply until they are filed again).
_V3 = """
ALTER TABLE sessions ADD COLUMN bar_sessions_needed INTEGER;
ALTER TABLE sessions ADD COLUMN bar_of_last INTEGER;
ALTER TABLE sessions ADD COLUMN bar_no_compensation_in_last INTEGER;
ALTER TABLE sessions ADD COLUMN next_protocol TEXT;
ALTER TABLE sessions ADD COLUMN next_band_low_pct REAL;
ALTER TABLE sessions ADD COLUMN next_band_high_pct REAL;
"""

#: Version 4: every muscle's peak and working-phase mean %MVC per session, not only the target's
#: (sessions filed before have none until they are filed again with ``--force``).
_V4 = """
CREATE TABLE session_muscles (
    recording_sha256 TEXT NOT NULL REFERENCES sessions (recording_sha256) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    muscle TEXT NOT NULL,
    side TEXT NOT NULL,
    peak_pct REAL,
    mean_pct REAL,
    PRIMARY KEY (recording_sha256, channel)
) STRICT;
"""

#: Version 5: each session's fatigue, the median-frequency slope per set and tracked muscle
#: (sessions filed before have none until they are filed again with ``--force``).
_V5 = """
CREATE TABLE session_fatigue (
    recording_sha256 TEXT NOT NULL REFERENCES sessions (recording_sha256) ON DELETE CASCADE,
    set_index INTEGER NOT NULL,
    channel TEXT NOT NULL,
    muscle TEXT NOT NULL,
    side TEXT NOT NULL,
    slope_pct_per_s REAL NOT NULL,
    start_hz REAL NOT NULL,
    windows INTEGER NOT NULL,
    contraction_s REAL NOT NULL,
    PRIMARY KEY (recording_sha256, set_index, channel)
) STRICT;
"""

#: Version 6: exercise comparisons (``myoplay compare``): the ranking of each analysed
#: recording, each variation's mean with its interval, each rep and each muscle in it. Keyed by
#: the recording like sessions, but a comparison may come from an imported recording that is
#: no session, so it references the client (if any) rather than a session.
_V6 = """
CREATE TABLE comparisons (
    recording_sha256 TEXT PRIMARY KEY,
    client_id TEXT REFERENCES clients (client_id) ON DELETE CASCADE,
    analysed_at TEXT NOT NULL,
    recording_path TEXT NOT NULL,
    protocol_id TEXT NOT NULL,
    protocol_name TEXT NOT NULL,
    metric TEXT NOT NULL,
    unit TEXT NOT NULL,
    confidence REAL NOT NULL,
    winner TEXT,
    verdict TEXT NOT NULL,
    cue_effect REAL,
    cue_effect_low REAL,
    cue_effect_high REAL,
    reps_outside INTEGER NOT NULL
) STRICT;

CREATE INDEX comparisons_by_client ON comparisons (client_id, analysed_at);

CREATE TABLE comparison_variations (
    recording_sha256 TEXT NOT NULL REFERENCES comparisons (recording_sha256) ON DELETE CASCADE,
    variation_id TEXT NOT NULL,
    name TEXT NOT NULL,
    rank INTEGER,
    reps INTEGER NOT NULL,
    reps_not_judged INTEGER NOT NULL,
    mean REAL,
    sd REAL,
    ci_low REAL,
    ci_high REAL,
    vs_next REAL,
    vs_next_low REAL,
    vs_next_high REAL,
    target_share_pct REAL,
    symmetry_angle_pct REAL,
    PRIMARY KEY (recording_sha256, variation_id)
) STRICT;

CREATE TABLE comparison_reps (
    recording_sha256 TEXT NOT NULL REFERENCES comparisons (recording_sha256) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    variation_id TEXT NOT NULL,
    onset_s REAL NOT NULL,
    offset_s REAL NOT NULL,
    work_start_s REAL NOT NULL,
    work_end_s REAL NOT NULL,
    judged INTEGER NOT NULL,
    value REAL,
    target_mean_pct REAL,
    target_peak_pct REAL,
    target_share_pct REAL,
    symmetry_angle_pct REAL,
    PRIMARY KEY (recording_sha256, n)
) STRICT;

CREATE TABLE comparison_rep_muscles (
    recording_sha256 TEXT NOT NULL REFERENCES comparisons (recording_sha256) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    channel TEXT NOT NULL,
    muscle TEXT NOT NULL,
    side TEXT NOT NULL,
    role TEXT NOT NULL,
    mean_pct REAL,
    peak_pct REAL,
    onset_ms REAL,
    flagged_fraction REAL NOT NULL,
    PRIMARY KEY (recording_sha256, n, channel)
) STRICT;
"""

#: The scripts that bring a file from version ``i`` to ``i + 1``.
MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5, _V6)
SCHEMA_VERSION = len(MIGRATIONS)
