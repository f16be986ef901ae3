"""``myoplay play --client ID``: file the session under a client, in the recording and the store.

Before the session: the client's id and the start time go into the session settings (so the
recording alone says whose session it is), the client's involved side is used when ``--involved``
is not given, ``--prescribed`` plays the client's prescription, and ``--reuse-calibration``
takes the client's last calibration of the target muscle with the same kind of sensor, saying
how old it is. After it: the session's facts, from the outputs it recorded, are filed in the
history store, and the summary screen and report show the change since the client's last
session (:mod:`engine.since_last_session`).

Without ``--client``, a station that keeps a history offers its clients on the start screen
(:func:`plan_client_menu`); a session filed by that choice is compared and filed the same way.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from engine.calibration import Calibration
from engine.errors import ConfigError
from engine.session_filing import SessionFiling, checked_client_id, checked_started_at
from engine.training import TrainingConfig
from engine.weekly_progress import Prescription, SessionPoint
from history.store_location import history_help, history_path

if TYPE_CHECKING:
    from engine.progression_across_sessions import NextStep
    from engine.since_last_session import ClientHistory
    from modes.menu import ClientChoice

#: ``--sensor`` names to the source kind recordings hold (only the simulated one differs).
_SOURCE_KINDS = {"sim": "simulated"}


def add_client_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--client", metavar="ID",
                        help="file the session under this pseudonymous client id (e.g. P-0042)")
    parser.add_argument("--history", type=Path, metavar="FILE", help=history_help())
    parser.add_argument("--reuse-calibration", action="store_true",
                        help="with --client: reuse the client's last calibration of the target "
                             "muscle with the same kind of sensor instead of calibrating")
    parser.add_argument("--prescribed", action="store_true",
                        help="with --client: play the client's prescription (its protocol, and "
                             "its reps unless --reps is given)")
    parser.add_argument("--next-step", action="store_true",
                        help="with --client: play the next step the client's progression "
                             "criterion offers (another protocol or a higher band); only once "
                             "the criterion is met, and only when asked")
    parser.add_argument("--session-date", metavar="DATE",
                        help="with --client: file the session under this date, YYYY-MM-DD or "
                             "YYYY-MM-DDTHH:MM (default: now)")


@dataclass(frozen=True)
class ClientPlan:
    """Where a filed session goes: the store, and what its settings carry."""

    store_path: Path
    filing: SessionFiling
    calibration: Calibration | None
    band_pct: tuple[float, float] | None = None
    """The higher band the clinician chose to step up to (``--next-step``), else None."""
    earlier: tuple[SessionPoint, ...] = ()
    """The client's sessions filed before this one, oldest first."""

    def apply(self, training: TrainingConfig) -> TrainingConfig:
        """``training`` filed under the client (with the reused calibration, and at the band
        the next step took)."""
        from engine.progression_across_sessions import protocol_at_band

        calibration = self.calibration or training.calibration
        protocol = training.protocol
        if self.band_pct is not None:
            protocol = protocol_at_band(protocol, self.band_pct)
        return dataclasses.replace(training, filing=self.filing, calibration=calibration,
                                   protocol=protocol)

    def file(self, recording: Path) -> None:
        """File the finished session from its recording and say so."""
        from history.filing import file_live_session
        from history.store import HistoryStore

        with HistoryStore(self.store_path) as store:
            file_live_session(store, recording)
        print(f"history:   filed under {self.filing.client_id} in {self.store_path}")

    def history(self, training: TrainingConfig) -> ClientHistory:
        """What the summary screen and the report compare the session of ``training`` with:
        the client's sessions filed before it."""
        from engine.since_last_session import client_history

        return client_history(self.filing.client_id, self.earlier, training,
                              self.filing.started_at)


@dataclass(frozen=True)
class ClientMenu:
    """The start screen's client row on a station that keeps a history (``play`` without
    ``--client``): the store's clients offered, and where a session filed under one goes."""

    store_path: Path
    choice: ClientChoice

    def file(self, recording: Path) -> None:
        """File the finished session under the client chosen on the start screen (the
        recording names them), as ``--client`` files it; nothing when none was chosen."""
        from history.filing import file_recording
        from history.recording_facts import recorded_facts_if_filed
        from history.store import HistoryStore

        filed = recorded_facts_if_filed(recording)
        if filed is None:
            return
        with HistoryStore(self.store_path) as store:
            file_recording(store, filed)  # a new pseudonym becomes a client here
        print(f"history:   filed under {filed.facts.client_id} in {self.store_path}")


def plan_client_menu(args: argparse.Namespace, *, menu: bool) -> ClientMenu | None:
    """The client row a start screen (``menu``) offers when no ``--client`` is given and the
    station keeps a history (the store file exists): its clients, a new pseudonym, or none.

    Each client's filed sessions are read with the list, now: the summary compares the session
    with the chosen client's as it does for ``--client``, and the session never waits on the
    store."""
    if not menu or args.client is not None:
        return None
    path = history_path(args.history)
    if not path.is_file():
        return None
    from history.store import HistoryStore
    from modes.menu import ClientChoice

    with HistoryStore(path, create=False) as store:
        clients = tuple(c.client_id for c in store.clients())
        earlier = MappingProxyType({c: tuple(store.session_points(c)) for c in clients})
    return ClientMenu(path, ClientChoice(clients, _now(), earlier=earlier))


def _now() -> str:
    """The local time now, to the second: when a session filed under a client started."""
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def plan_client_session(args: argparse.Namespace) -> ClientPlan | None:
    """The filing ``--client`` asks for (None without it); fills ``args.involved`` from the
    client's record when the option was not given."""
    if args.client is None:
        for option in ("reuse_calibration", "session_date", "prescribed", "next_step"):
            if getattr(args, option):
                raise ConfigError(f"--{option.replace('_', '-')} needs --client ID")
        return None
    from history.store import HistoryStore
    from myoplay.protocol_choice import resolve_protocol

    client_id = checked_client_id(args.client, "--client")
    if args.reuse_calibration and args.calibration is not None:
        raise ConfigError("--reuse-calibration and --calibration both choose a calibration",
                          hint="give one of them")
    started_at = (checked_started_at(args.session_date, "--session-date") if args.session_date
                  else _now())
    path = history_path(args.history)
    calibration = None
    band = None
    with HistoryStore(path, create=False) as store:
        client = store.require_client(client_id)
        if args.involved is None and client.involved_side is not None:
            args.involved = client.involved_side
        given_reps = args.reps
        if args.prescribed:
            _use_prescription(args, store.prescriptions(client_id), client_id)
        earlier = tuple(store.session_points(client_id))
        step = _offered_step(earlier, client_id, take=args.next_step)
        if step is not None:
            band = _take_step(args, step, given_reps)
        if args.reuse_calibration:
            target_muscle = resolve_protocol(args.protocol, None).target.muscle
            sensor = _SOURCE_KINDS.get(args.sensor, args.sensor)
            kept = store.latest_calibration(client_id, target_muscle, sensor)
            if kept is None:
                raise ConfigError(
                    f"client {client_id} has no calibration of the {target_muscle} with a "
                    f"{args.sensor} sensor", hint="leave out --reuse-calibration to calibrate")
            calibration = Calibration.from_plain(kept.calibration)
            print(f"myoplay: reusing the {calibration.kind} calibration of "
                  f"{kept.started_at[:16]} ({_age(kept.started_at, started_at)})",
                  file=sys.stderr)
    return ClientPlan(path, SessionFiling(client_id, started_at), calibration, band, earlier)


def _offered_step(sessions: Sequence[SessionPoint], client_id: str,
                  *, take: bool) -> NextStep | None:
    """The next step the client's criterion offers, said with why; returned only when the
    clinician takes it (``--next-step``), which is refused when none is offered."""
    from engine.progression_across_sessions import criterion_status

    status = criterion_status(sessions)
    step = status.next_step if status is not None else None
    if status is None or step is None:
        if take:
            why = status.describe() if status is not None else "no session with a criterion"
            raise ConfigError(f"client {client_id} is offered no next step ({why})",
                              hint="leave out --next-step")
        return None
    if not take:
        print(f"myoplay: next step offered to {client_id}: {step.describe()}, because "
              f"{status.reason()}; play it with --next-step (the clinician decides)",
              file=sys.stderr)
        return None
    print(f"myoplay: taking the next step: {step.describe()} ({status.reason()})",
          file=sys.stderr)
    return step


def _take_step(args: argparse.Namespace, step: NextStep,
               given_reps: int | None) -> tuple[float, float] | None:
    """Point ``args`` at the step's protocol (a prescription's reps stay only when the
    protocol does; ``--reps`` always); returns the band to play it at, if the step is one."""
    from engine.protocol import builtin_protocol_names

    if step.protocol_id not in builtin_protocol_names():
        if Path(args.protocol).stem != step.protocol_id:
            raise ConfigError(f"the next step {step.protocol_id!r} is a protocol file",
                              hint="give it with --protocol FILE")
    elif args.protocol != step.protocol_id:
        args.reps = given_reps
        args.protocol = step.protocol_id
    return step.band_pct


def _use_prescription(args: argparse.Namespace, prescriptions: Sequence[Prescription],
                      client_id: str) -> None:
    """Set ``args.protocol`` (and ``args.reps`` when not given) from the client's newest
    prescription."""
    from engine.protocol import builtin_protocol_names

    if not prescriptions:
        raise ConfigError(f"client {client_id} has no prescription",
                          hint=f"prescribe one with 'myoplay history prescribe {client_id} "
                               f"PROTOCOL --per-week N', or give --protocol")
    newest = max(prescriptions, key=lambda p: p.starts_on)
    if newest.protocol not in builtin_protocol_names():
        raise ConfigError(f"client {client_id}'s prescription {newest.protocol!r} is a protocol "
                          f"file", hint="give it with --protocol FILE instead of --prescribed")
    args.protocol = newest.protocol
    if args.reps is None and newest.reps is not None:
        args.reps = newest.reps


def _age(then: str, now: str) -> str:
    """How long before ``now`` ``then`` was, in days ("today", "1 day ago", "12 days ago")."""
    days = (datetime.datetime.fromisoformat(now).date()
            - datetime.datetime.fromisoformat(then).date()).days
    if days <= 0:
        return "today"
    return f"{days} day{'s' if days != 1 else ''} ago"

