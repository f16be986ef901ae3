"""Where a batch re-analysis runs: in this process, on a local process pool, or on Dask.

Every place runs the same unit of work, :func:`judge` (one recording and a protocol to rows, see
:mod:`replays.cohort_rows`), and hands the results back as they finish. At most
:data:`IN_FLIGHT_PER_WORKER` recordings per worker are submitted and not yet collected, so the
parent's memory does not grow with the size of the cohort.

``--scheduler`` chooses: nothing for a process pool over this machine's cores (no setup),
``serial`` for this process alone, ``local-dask`` for a Dask ``LocalCluster`` here, and
``tcp://host:8786`` for the scheduler of a Dask cluster (its workers must run the same myoplay
and see the recordings at the same paths); without ``--scheduler``, an address in Dask's own
configuration is used as if given.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import multiprocessing
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine import __version__
from engine.errors import ConfigError, ReplayError
from engine.messages import PlainValue
from engine.protocol import Protocol
from engine.training import TrainingConfig
from history.recording_facts import training_from_header
from myoplay.batch_analysis import analysis_rows
from replays.cohort_rows import (
    RecordingIdentity,
    RecordingRows,
    recording_rows,
    unjudged_rows,
)
from replays.segments import forks_cheaply

if TYPE_CHECKING:
    import distributed

#: How many recordings per worker may be submitted and not yet collected: enough that no worker
#: waits for the parent, few enough that the parent holds little.
IN_FLIGHT_PER_WORKER = 4

#: How long to wait for a Dask scheduler to answer, in seconds.
CONNECT_TIMEOUT_S = 10.0

#: Dask settings for the workers of a batch (``local-dask`` sets them; a cluster's workers are
#: best started with them, see the README): glibc's allocator left to size its own mmap
#: threshold (Dask's default ``MALLOC_TRIM_THRESHOLD_`` fixes it, and then every block of
#: samples is a fresh mmap and page faults: a third more CPU per recording), and no statistical
#: profiler sampling the judging thread's stack a hundred times a second.
WORKER_DASK_CONFIG: dict[str, object] = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
}

#: ``--scheduler`` values that are not a Dask address.
SERIAL = "serial"
LOCAL_DASK = "local-dask"


@dataclass(frozen=True, slots=True)
class BatchJob:
    """One recording to judge: with ``protocol``, or with its own protocol when None."""

    identity: RecordingIdentity
    protocol: Protocol | None
    keep_events: bool
    analyse: bool = False
    """Also analyse it (see :mod:`myoplay.batch_analysis`)."""


def judge(job: BatchJob) -> RecordingRows:
    """The unit of work: a pure function of the recording and the protocol (never raises for a
    bad file: that gives an error row)."""
    name = job.identity.path
    used: list[Protocol] = []  # the protocol the recording was judged with

    def training_for(config: Mapping[str, PlainValue]) -> TrainingConfig:
        try:
            training = training_from_header(config, name)
        except ReplayError as error:
            raise ReplayError(error.message, hint="it was not recorded by 'myoplay play': there "
                                                  "is no session to judge") from None
        if job.protocol is not None:
            training = dataclasses.replace(training, protocol=job.protocol)
        used.append(training.protocol)
        return training

    rows = recording_rows(job.identity, training_for, keep_events=job.keep_events)
    if not job.analyse:
        return rows
    if rows.failed:
        return dataclasses.replace(rows, analysis=(), comparison=())
    sha256 = rows.session["sha256"]
    found = analysis_rows(name, sha256 if isinstance(sha256, str) else None, used[-1])
    return dataclasses.replace(rows, analysis=found.muscles, comparison=found.comparison)


def check_scheduler(scheduler: str | None) -> None:
    """Refuse a ``--scheduler`` that is none of the kinds above, before any work."""
    if scheduler in (None, SERIAL, LOCAL_DASK) or (
        scheduler is not None and scheduler.startswith(("tcp://", "tls://"))
    ):
        return
    raise ConfigError(f"--scheduler {scheduler!r} is not a place to run",
                      hint="give serial, local-dask or a Dask scheduler address tcp://HOST:8786")


def chosen_scheduler(option: str | None) -> str | None:
    """Where to run: ``--scheduler``, else the address in Dask's own configuration
    (``scheduler-address``: a YAML file in ``~/.config/dask/`` or ``$DASK_SCHEDULER_ADDRESS``),
    else None for the local process pool."""
    if option is not None:
        return option
    import dask.config

    configured = dask.config.get("scheduler-address", None)
    return str(configured) if configured else None


def describe_place(scheduler: str | None, workers: int | None) -> str:
    """Where :func:`run_jobs` runs, in a few words for the batch's summary."""
    if scheduler is None:
        return f"a process pool of {workers or _cores()} on this machine"
    if scheduler == SERIAL:
        return "this process"
    if scheduler == LOCAL_DASK:
        return "a Dask LocalCluster of 2 workers"
    return f"the Dask cluster at {scheduler}"


def run_jobs(jobs: Iterable[BatchJob], scheduler: str | None,
             workers: int | None = None) -> Iterator[RecordingRows]:
    """Judge ``jobs`` where ``scheduler`` (see :func:`chosen_scheduler`) says, yielding each
    result as it finishes (in no particular order); ``workers`` sizes the local pool (default:
    every core)."""
    check_scheduler(scheduler)
    if scheduler == SERIAL:
        return (judge(job) for job in jobs)
    if scheduler is None:
        return _on_process_pool(jobs, workers or _cores())
    return _on_dask(jobs, scheduler)


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def _on_process_pool(jobs: Iterable[BatchJob], workers: int) -> Iterator[RecordingRows]:
    pending = iter(jobs)
    while True:
        lost: list[BatchJob] = []
        yield from _pool_pass(pending, workers, lost)
        if not lost:
            return
        # A worker died (killed for want of memory, a crash in a library) and took the pool
        # with it: each recording the pool held is judged again alone, so the one that kills its
        # worker gets an error row and the others their rows; then a new pool goes on.
        yield from _judged_alone(lost)


def _pool_context() -> multiprocessing.context.BaseContext:
    # Forked workers start at once with what this process has imported; should it have other
    # threads (which a fork could catch holding a lock), they start from a fork server instead.
    return multiprocessing.get_context("fork" if forks_cheaply() else "forkserver")


def _pool_pass(pending: Iterator[BatchJob], workers: int,
               lost: list[BatchJob]) -> Iterator[RecordingRows]:
    """Judge ``pending`` on a pool until it is exhausted or a worker dies; then the jobs the
    pool held unfinished are put in ``lost``."""
    limit = workers * IN_FLIGHT_PER_WORKER
    pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=_pool_context())
    running: dict[concurrent.futures.Future[RecordingRows], BatchJob] = {}
    try:
        while True:
            while len(running) < limit and (job := next(pending, None)) is not None:
                running[pool.submit(judge, job)] = job
            if not running:
                return
            done, _ = concurrent.futures.wait(
                running, return_when=concurrent.futures.FIRST_COMPLETED)
            broken = False
            for future in done:
                try:
                    rows = future.result()
                except concurrent.futures.process.BrokenProcessPool:
                    broken = True
                    continue
                del running[future]
                yield rows
            if broken:
                lost.extend(running.values())
                running.clear()
                return
    finally:
        for future in running:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _judged_alone(jobs: list[BatchJob]) -> Iterator[RecordingRows]:
    """``jobs`` judged one at a time by a worker of their own: their rows, or an error row for
    each whose worker dies (the next gets a new worker)."""
    pool: concurrent.futures.ProcessPoolExecutor | None = None
    try:
        for job in jobs:
            if pool is None:
                pool = concurrent.futures.ProcessPoolExecutor(1, mp_context=_pool_context())
            try:
                rows = pool.submit(judge, job).result()
            except concurrent.futures.process.BrokenProcessPool:
                pool.shutdown()
                pool = None
                rows = unjudged_rows(job.identity, f"{job.identity.path}: the process judging "
                                                   f"it died (out of memory, or a crash in a "
                                                   f"library)")
            yield rows
    finally:
        if pool is not None:
            pool.shutdown()


def _on_dask(jobs: Iterable[BatchJob], scheduler: str) -> Iterator[RecordingRows]:
    import dask.config

    # Dask logs every worker's start and stop at its own level (info); a batch's output is its
    # progress and summary, so Dask logs at myoplay's --log-level (default: warning).
    level = logging.getLogger().getEffectiveLevel()
    dask.config.set({"logging.distributed": logging.getLevelName(level).lower()})
    import distributed

    logging.getLogger("distributed").setLevel(level)

    if scheduler == LOCAL_DASK:
        with dask.config.set(WORKER_DASK_CONFIG):  # read as the workers are made
            cluster = distributed.LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=2, threads_per_worker=1, dashboard_address=None, processes=True)
        try:
            with distributed.Client(cluster) as client:  # type: ignore[no-untyped-call]
                yield from _submitted(client, jobs)
        finally:
            cluster.close()
        return
    try:
        client = distributed.Client(  # type: ignore[no-untyped-call]
            scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
    except OSError as error:
        raise ConfigError(f"--scheduler {scheduler}: no Dask scheduler answers ({error})",
                          hint="start one with 'dask scheduler' and workers with "
                               "'dask worker ADDRESS'") from None
    with client:
        yield from _submitted(client, jobs)


def _engine_version() -> str:
    """The myoplay version a worker runs (called on each worker)."""
    return __version__


def _check_versions(client: distributed.Client) -> None:
    """Refuse workers running another myoplay: their rows could differ from this one's."""
    versions: dict[str, str] = client.run(_engine_version)
    others = sorted(f"{worker} has {version}" for worker, version in versions.items()
                    if version != __version__)
    if others:
        raise ConfigError(f"the Dask workers must run myoplay {__version__}, like this machine: "
                          f"{'; '.join(others)}", hint="install the same myoplay on every worker")


def _submitted(client: distributed.Client, jobs: Iterable[BatchJob]) -> Iterator[RecordingRows]:
    import distributed

    _check_versions(client)
    workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
    limit = workers * IN_FLIGHT_PER_WORKER
    pending = iter(jobs)
    names: dict[Any, BatchJob] = {}
    finished: Any = distributed.as_completed()  # type: ignore[no-untyped-call]

    def submit_more() -> None:
        while finished.count() < limit and (job := next(pending, None)) is not None:
            future = client.submit(judge, job, pure=False)
            names[future.key] = job
            finished.add(future)

    submit_more()
    killed: list[BatchJob] = []
    future: Any
    for future in finished:
        job = names.pop(future.key)
        try:
            yield future.result()
        except distributed.KilledWorker:  # the scheduler gave up after workers died running it
            killed.append(job)
        finally:
            future.release()
        submit_more()
    # The tasks running beside a recording that kills its worker die with it: each judged
    # again alone, the others give their rows and that one its error row.
    for job in killed:
        future = client.submit(judge, job, pure=False)
        try:
            yield future.result()
        except distributed.KilledWorker:
            yield unjudged_rows(job.identity, f"{job.identity.path}: the Dask workers judging "
                                              f"it died (out of memory, or a crash in a library)")
        finally:
            future.release()
