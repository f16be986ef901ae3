"""A clinic on this machine for the dashboard's browser test and benchmark: an isolated LSL
configuration, ``myoplay dashboard`` as a user starts it, and Debian's chromium driven by
Selenium through the system chromedriver (never a downloaded browser or driver).

LSL on loopback still sees every stream of every program on the machine; tests and benchmarks
running side by side would find each other's stations. :func:`isolated_lsl_config` gives this
run ports of its own, so only its own stations and dashboards meet.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sensors.lsl_loopback import LOOPBACK_CONFIG

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
#: LSL ports a run may take: a range of :data:`PORTS_PER_RUN` from here, chosen by process id.
FIRST_PORT, PORTS_PER_RUN, RUNS = 20000, 40, 900


def have_chromium() -> bool:
    return CHROMIUM.exists() and CHROMEDRIVER.exists()


def isolated_lsl_config(folder: Path) -> Path:
    """A liblsl configuration on loopback with ports of this process's own (written into
    ``folder``)."""
    base = FIRST_PORT + PORTS_PER_RUN * (os.getpid() % RUNS)
    text = LOOPBACK_CONFIG.replace(
        "[ports]\n", f"[ports]\nMulticastPort = {base}\nBasePort = {base + 1}\n"
                     f"PortRange = {PORTS_PER_RUN - 2}\n")
    path = folder / "lsl_api.cfg"
    path.write_text(text, encoding="utf-8")
    return path


def clinic_env(folder: Path) -> dict[str, str]:
    """The environment of every process of the clinic: the isolated LSL configuration, and
    configuration and data folders inside ``folder`` (the token, the history store)."""
    env = dict(os.environ, LSLAPICFG=str(isolated_lsl_config(folder)),
               XDG_CONFIG_HOME=str(folder / "config"), XDG_DATA_HOME=str(folder / "data"),
               SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "MYOPLAY_HISTORY"):
        env.pop(name, None)
    return env


def wait_until(what: str, check: Callable[[], Any], timeout_s: float,
               every_s: float = 0.1) -> Any:
    """``check()``'s first truthy value within ``timeout_s``; else :class:`TimeoutError`
    naming ``what``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout_s} s (last: {value!r})")
        time.sleep(every_s)


def start_dashboard(folder: Path, env: dict[str, str], args: Sequence[str] = ()
                    ) -> tuple[subprocess.Popen[bytes], str, str]:
    """``myoplay dashboard --port 0 ARGS`` with its first token; the process, the page's
    address and the token."""
    stdout = folder / "dashboard.out"
    process = subprocess.Popen([sys.executable, "-m", "myoplay", "dashboard", "--port", "0",
                                *args], env=env, stdout=stdout.open("wb"),
                               stderr=(folder / "dashboard.err").open("wb"))
    opened = wait_until("the dashboard's address", lambda: re.search(
        r"open (http://\S+)\?token=(\S+)", stdout.read_text(encoding="utf-8")), 60, 0.2)
    return process, opened.group(1), opened.group(2)


def chromium() -> Any:
    """Headless chromium under Selenium, both Debian's."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
