"""The same outputs on every machine: the golden session replayed, the virtual patient's samples
generated, the DSP pipeline run at several rates and mains flags judged on their threshold, in
child processes under other numeric environments, must give exactly the digests they give here
(and the golden session its stored one).

The environments are those a clinic laptop, a workstation or a CI runner may differ by: the
OpenBLAS kernel (``OPENBLAS_CORETYPE``), numpy's SIMD dispatch (``NPY_DISABLE_CPU_FEATURES``),
the C library's FMA variants of its maths functions (``GLIBC_TUNABLES``) and the number of BLAS
threads. Each case first proves its setting took effect (asking the loaded libraries, not
trusting the variable), and is skipped, with the reason printed, where this CPU cannot run it.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow

PROBE = Path(__file__).with_name("numeric_probe.py")
ROOT = Path(__file__).resolve().parents[2]
STORED = json.loads(
    (ROOT / "tests" / "data" / "replays" / "quad_set_session.digest.json").read_text()
)
NUMERIC_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                     "NPY_DISABLE_CPU_FEATURES", "GLIBC_TUNABLES")


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


CPU_FLAGS = _cpu_flags()
_DISPATCH: list[str] = list(np._core._multiarray_umath.__cpu_dispatch__)
#: numpy's dispatch targets of the AVX-512 family and of the AVX2/FMA3 level, as this numpy
#: spells them (2.4 groups them as X86_V4 / X86_V3; older releases name AVX512F, AVX2, ...).
AVX512_TARGETS = [d for d in _DISPATCH if d.startswith("AVX512") or d == "X86_V4"]
AVX2_TARGETS = AVX512_TARGETS + [d for d in _DISPATCH if d in ("X86_V3", "AVX2", "FMA3")]


@dataclass(frozen=True)
class Environment:
    """Variables to set, what the CPU needs for them, and what the child must report."""

    variables: dict[str, str]
    needs_cpu: frozenset[str] = frozenset()
    openblas_cores: tuple[str, ...] = ()
    """Core names OpenBLAS may report (it names some kernels after an older alias)."""
    openblas_threads: int | None = None
    numpy_off: tuple[str, ...] = ()
    glibc_without_fma: bool = False
    skip: str | None = field(default=None)


def _openblas(core: str, *aliases: str, needs: tuple[str, ...]) -> Environment:
    return Environment({"OPENBLAS_CORETYPE": core}, frozenset(needs), (core, *aliases))


def _numpy_off(targets: list[str], needs: tuple[str, ...], level: str) -> Environment:
    # Judged by the CPU's own flags: this process may already run with numpy narrowed.
    return Environment({"NPY_DISABLE_CPU_FEATURES": " ".join(targets)}, frozenset(needs),
                       numpy_off=tuple(targets),
                       skip=None if targets else f"this numpy dispatches to no {level} code")


CORES = os.cpu_count() or 1
ENVIRONMENTS = {
    "openblas-prescott": _openblas("Prescott", "Katmai", needs=("pni",)),
    "openblas-sandybridge": _openblas("Sandybridge", needs=("avx",)),
    "openblas-haswell": _openblas("Haswell", needs=("avx2", "fma")),
    "openblas-skylakex": _openblas(
        "SkylakeX", needs=("avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd")
    ),
    "numpy-without-avx512": _numpy_off(AVX512_TARGETS, ("avx512f",), "AVX-512"),
    "numpy-without-avx2-fma3": _numpy_off(AVX2_TARGETS, ("avx2", "fma"), "AVX2/FMA3"),
    "libm-without-fma": Environment({"GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX2,-FMA"},
                                    frozenset(("fma",)), glibc_without_fma=True),
    "blas-one-thread": Environment({"OPENBLAS_NUM_THREADS": "1"}, openblas_threads=1),
    "blas-all-cores": Environment(
        {"OPENBLAS_NUM_THREADS": str(CORES)}, openblas_threads=CORES,
        skip=None if CORES > 1 else "one core: no second BLAS thread to start",
    ),
}


def _child_environment(variables: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in NUMERIC_VARIABLES}
    env.update(variables)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _probe(variables: dict[str, str]) -> dict[str, object]:
    done = subprocess.run([sys.executable, str(PROBE)], env=_child_environment(variables),
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _hwcaps_active(variables: dict[str, str]) -> str | None:
    """glibc's active hardware-capability levels (``ld.so --list-diagnostics``, glibc >= 2.33)."""
    loader = Path("/lib64/ld-linux-x86-64.so.2")
    if not loader.exists():
        return None
    done = subprocess.run([str(loader), "--list-diagnostics"], env=_child_environment(variables),
                          capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("dl_hwcaps_subdirs_active="):
            return line.split("=", 1)[1]
    return None


@pytest.fixture(scope="module")
def here() -> dict[str, object]:
    """The digests in this process's own environment, less any numeric override."""
    return _probe({})


@pytest.mark.parametrize("name", list(ENVIRONMENTS))
def test_the_same_digests_in_every_numeric_environment(name, here):
    environment = ENVIRONMENTS[name]
    if environment.skip:
        pytest.skip(environment.skip)
    if environment.needs_cpu and platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip(f"{name} is an x86-64 setting; this is {platform.machine()}")
    missing = sorted(environment.needs_cpu - CPU_FLAGS)
    if missing:
        pytest.skip(f"this CPU lacks {', '.join(missing)}, which {name} needs")
    if environment.glibc_without_fma:
        plain, narrowed = _hwcaps_active({}), _hwcaps_active(environment.variables)
        if plain is None:
            pytest.skip("this C library cannot report its hardware capabilities")
        assert narrowed != plain, "GLIBC_TUNABLES did not take effect"

    got = _probe(environment.variables)

    libraries = got["openblas"]
    assert isinstance(libraries, list)
    if environment.openblas_cores:
        assert libraries, "no OpenBLAS library is loaded to set a kernel for"
        for lib in libraries:
            assert lib["core"] in environment.openblas_cores, lib
    if environment.openblas_threads is not None:
        for lib in libraries:
            assert lib["threads"] == environment.openblas_threads, lib
    features_on = got["numpy_features_on"]
    assert isinstance(features_on, list)
    for target in environment.numpy_off:
        assert target not in features_on, f"numpy still dispatches to {target}"

    assert got["replay_sha256"] == STORED["outputs_sha256"]
    assert got["replay_sha256"] == here["replay_sha256"]
    assert got["patient_sha256"] == here["patient_sha256"]
    assert got["pipeline_sha256"] == here["pipeline_sha256"]
    assert got["boundary_sha256"] == here["boundary_sha256"]
