"""The clinic dashboard (``myoplay dashboard``): stations found over LSL, shown on a web page.

Pure parts (no Trio, no pylsl, no web framework), each with one job:
:mod:`~actors.dashboard.state_row` (the wire format's state rows, checked),
:mod:`~actors.dashboard.station_liveness` (live / lost / ended),
:mod:`~actors.dashboard.alert_wording` (alerts in words),
:mod:`~actors.dashboard.station_table` (the latest card per station, with change tracking),
:mod:`~actors.dashboard.access_token` (who may see the page),
:mod:`~actors.dashboard.control_rows` (remote changes as control rows),
:mod:`~actors.dashboard.plot_decimation` (envelopes thinned for the page's plot).

Thin shells around them: the discovery actor (pylsl), the detail feeds (a station's envelopes
and events on demand), the control outlet, the Starlette app and the Hypercorn actor, and the
supervision tree that runs them (:mod:`~actors.dashboard.dashboard_tree`). The wire format
between stations and dashboards is documented in ``docs/dashboard.md``.
"""
