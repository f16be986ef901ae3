"""The clinic dashboard end to end, as a clinician uses it: three stations running
``myoplay play --publish`` on loopback, ``myoplay dashboard``, and Debian's chromium (headless,
driven by Selenium through the system chromedriver) showing the page.

Checked in the browser: three cards whose rep counters and %MVC advance; a click shows a
station's envelopes and event log; a station killed is shown lost within 2 s and comes back when
restarted; a missed prescribed session from the history store is an alert; a band changed from
the page is confirmed by the station, recorded there as an input, and its replay gives the same
events; the page and its websocket are refused without the token.

One dashboard, three stations and one browser serve the whole module (in file order).
"""

from __future__ import annotations

import datetime
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bench.clinic_harness import chromium, clinic_env, have_chromium, start_dashboard, wait_until
from engine.messages import ConfigChange
from engine.weekly_progress import Prescription
from history.store import ClientRecord, HistoryStore
from replays.reader import ReplayReader

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION = ROOT / "tests" / "data" / "replays" / "quad_set_session.myoplay"
STATIONS = ("bay-1", "bay-2", "bay-3")
#: The station that takes remote changes, and the client whose sessions were missed.
REMOTE_STATION, MISSED_CLIENT = "bay-1", "P-0003"
CLINICIAN = "PT-7"
CLIENTS = {"bay-1": "P-0001", "bay-2": "P-0002", "bay-3": MISSED_CLIENT}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not have_chromium(),
                       reason="Debian's chromium and chromedriver are not installed"),
]

# What each card shows, as the page's data attributes say it.
CARDS_JS = """
return [...document.querySelectorAll('.card')].map((c) => ({
  station: c.dataset.station, status: c.dataset.status,
  rep: c.querySelector('.rep') ? c.querySelector('.rep').dataset.rep : null,
  pct: [...c.querySelectorAll('.pct')].map((p) => p.dataset.pct),
  alerts: [...c.querySelectorAll('ul.alerts li')].map((li) => li.textContent),
  confirm: c.querySelector('.confirm').textContent,
  answer: c.querySelector('.answer').textContent}));
"""


def wait_for(what: str, check: Callable[[], Any], timeout_s: float, every_s: float = 0.1,
             show: Callable[[], Any] | None = None) -> Any:
    """``check()``'s first truthy value within ``timeout_s``, else fail naming ``what`` (and
    what ``show()`` shows then)."""
    try:
        return wait_until(what, check, timeout_s, every_s)
    except TimeoutError as error:
        pytest.fail(f"{error}; now: {show() if show is not None else ''}")


@dataclass
class Clinic:
    """The processes and the browser of the module."""

    folder: Path
    env: dict[str, str]
    address: str = ""
    token: str = ""
    stations: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    dashboard: subprocess.Popen[bytes] | None = None
    driver: Any = None

    def start_station(self, name: str) -> None:
        out = self.folder / name
        args = [sys.executable, "-m", "myoplay", "play", "--publish", "--station", name,
                "--headless", "--autopilot", "--calibration", str(CALIBRATION), "--speed", "2",
                "--reps", "30", "--no-sound", "--out", str(out),
                "--client", CLIENTS[name]]
        if name == REMOTE_STATION:
            args.append("--allow-remote")
        log = (self.folder / f"{name}.log").open("ab")
        self.stations[name] = subprocess.Popen(args, env=self.env, stdout=log, stderr=log,
                                               cwd=self.folder)

    def cards(self) -> dict[str, dict[str, Any]]:
        return {c["station"]: c for c in self.driver.execute_script(CARDS_JS)}

    def stop(self) -> None:
        if self.driver is not None:
            self.driver.quit()
        for process in [*self.stations.values(), self.dashboard]:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.stations.values(), self.dashboard]:
            if process is not None:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def prepare_history(folder: Path) -> None:
    """The clients in the default history store, one of them prescribed three sessions a week
    for three weeks and come to none."""
    started = datetime.date.today() - datetime.timedelta(days=21)
    with HistoryStore(folder / "data" / "myoplay" / "history.sqlite3") as store:
        for client in CLIENTS.values():
            store.add_client(ClientRecord(client, None, "left", started.isoformat()))
        store.prescribe(Prescription(MISSED_CLIENT, "quad_set", None, 3, started.isoformat()))


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    folder = tmp_path_factory.mktemp("clinic")
    env = clinic_env(folder)
    prepare_history(folder)
    clinic = Clinic(folder, env)
    try:
        for name in STATIONS:
            clinic.start_station(name)
        clinic.dashboard, clinic.address, clinic.token = start_dashboard(
            folder, env, ["--clinician", CLINICIAN])
        clinic.driver = chromium()
        clinic.driver.get(f"{clinic.address}?token={clinic.token}")
        yield clinic
    finally:
        clinic.stop()


def test_three_cards_whose_reps_and_mvc_advance(clinic: Clinic) -> None:
    # The token moved from the address to a cookie: it no longer shows.
    assert "token" not in clinic.driver.current_url
    first = wait_for("three cards with reps running", lambda: (
        cards if len(cards := clinic.cards()) == 3
        and all(c["rep"] and c["pct"][0] for c in cards.values()) else None), 90, show=clinic.cards)
    assert set(first) == set(STATIONS)

    def advanced() -> dict[str, dict[str, Any]] | None:
        now = clinic.cards()
        done = all(int(now[s]["rep"]) > int(first[s]["rep"]) and now[s]["status"] == "live"
                   for s in STATIONS)
        return now if done else None

    seen_pct: dict[str, set[str]] = {s: set() for s in STATIONS}

    def mvc_moves() -> bool:
        for station, card in clinic.cards().items():
            seen_pct[station].add(card["pct"][0])
        return all(len(values - {""}) >= 3 for values in seen_pct.values())

    wait_for("%MVC moving on every card", mvc_moves, 20, show=clinic.cards)
    wait_for("every rep counter advancing", advanced, 60, every_s=0.5, show=clinic.cards)


def test_a_missed_prescribed_session_is_an_alert(clinic: Clinic) -> None:
    alerts = wait_for("the missed-session alert", lambda: [
        a for a in clinic.cards()["bay-3"]["alerts"] if "missed" in a], 10)
    assert alerts[0].startswith("Sessions missed in week")
    clients = clinic.driver.execute_script(
        "return document.getElementById('clients').textContent")
    assert f"{MISSED_CLIENT}: Sessions missed" in clients


def test_a_click_shows_the_station_envelopes_and_event_log(clinic: Clinic) -> None:
    from selenium.webdriver.common.by import By

    clinic.driver.find_element(By.CSS_SELECTOR, '.card[data-station="bay-2"]').click()
    wait_for("envelope points on the plot", lambda: int(clinic.driver.execute_script(
        "return document.getElementById('plot').dataset.points || 0")) > 50, 15)
    wait_for("events in the log", lambda: clinic.driver.execute_script(
        "return document.querySelectorAll('#log li').length"), 30)
    clinic.driver.find_element(By.ID, "dclose").click()


def test_a_band_changed_on_the_page_is_confirmed_by_the_station(clinic: Clinic) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    card = clinic.driver.find_element(By.CSS_SELECTOR, f'.card[data-station="{REMOTE_STATION}"]')
    for name, value in (("low", "25"), ("high", "45")):
        # As a clinician does it: click into the field, select what is there, type.
        field_ = card.find_element(By.CSS_SELECTOR, f"input.{name}")
        field_.click()
        field_.send_keys(Keys.CONTROL, "a")
        field_.send_keys(value)
    card.find_element(By.CSS_SELECTOR, "button.setband").click()
    wait_for("the station's confirmation", lambda: "band 25–45 %MVC by PT-7" in clinic.cards()[
        REMOTE_STATION]["confirm"], 10, show=clinic.cards)
    # A station that does not allow remote changes shows no controls at all.
    assert not card.find_element(By.XPATH, "..").find_element(
        By.CSS_SELECTOR, '.card[data-station="bay-2"] .remote').is_displayed()


def test_a_killed_station_is_lost_within_two_seconds_and_comes_back(clinic: Clinic) -> None:
    wait_for("bay-2 live", lambda: clinic.cards()["bay-2"]["status"] == "live", 10)
    clinic.stations["bay-2"].kill()
    killed = time.monotonic()
    wait_for("bay-2 lost", lambda: clinic.cards()["bay-2"]["status"] == "lost", 2.0, 0.02)
    assert time.monotonic() - killed <= 2.0
    assert "No news from this station" in clinic.cards()["bay-2"]["alerts"][0]
    clinic.stations["bay-2"].wait()
    clinic.start_station("bay-2")
    wait_for("bay-2 back", lambda: clinic.cards()["bay-2"]["status"] == "live", 30)


def test_the_remote_change_is_recorded_as_an_input_and_replays_the_same(
        clinic: Clinic) -> None:
    station = clinic.stations[REMOTE_STATION]
    station.send_signal(signal.SIGTERM)
    assert station.wait(timeout=60) == 0
    wait_for("bay-1 ended", lambda: clinic.cards()[REMOTE_STATION]["status"] == "ended", 10)
    assert clinic.cards()[REMOTE_STATION]["alerts"][0].startswith("Session ended")
    (recording,) = (clinic.folder / REMOTE_STATION).glob("session-*/session.myoplay")
    with ReplayReader(recording) as reader:
        changes = [r for r in reader if isinstance(r, ConfigChange)]
    keys = [c.key for c in changes]
    band = keys.index("rules.target_band_pct")
    assert keys[band - 1] == "remote.by"
    assert changes[band].value == [25.0, 45.0]
    who = changes[band - 1].value
    assert isinstance(who, dict)
    assert who["by"] == CLINICIAN
    replay = subprocess.run([sys.executable, "-m", "myoplay", "replay", "--fast", "--headless",
                             str(recording)], env=clinic.env, capture_output=True, text=True,
                            timeout=300)
    assert replay.returncode == 0, replay.stderr
    assert "identical to the events recorded live" in replay.stdout


def test_the_page_and_websocket_are_refused_without_the_token(clinic: Clinic) -> None:
    driver = clinic.driver
    driver.delete_all_cookies()
    driver.get(clinic.address)
    body = driver.find_element("tag name", "body").text
    assert body.startswith("403 forbidden: this dashboard needs its token")
    opened = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const socket = new WebSocket(`ws://${location.host}/ws`);
        socket.onopen = () => done("opened");
        socket.onclose = () => done("refused");
    """)
    assert opened == "refused"
