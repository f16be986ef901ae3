"""``myoplay scan``: list nearby Bluetooth LE EMG sensors myoplay can use."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from myoplay.option_checks import require_positive

if TYPE_CHECKING:
    from sensors.ble.scan import FoundDevice

NAME = "scan"
HELP = "list nearby Bluetooth LE EMG sensors (Myo, Ganglion, DIY): name, address, signal, type"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS",
                        help="how long to listen for advertisements (default: 5)")
    parser.add_argument("--all", action="store_true",
                        help="also list Bluetooth LE devices myoplay cannot use")


def format_table(devices: list[FoundDevice]) -> list[str]:
    """One line per device, columns aligned: name, address, RSSI, type."""
    rows = [(d.name or "(no name)", d.address, f"{d.rssi_dbm} dBm",
             d.display_name + (f" (--sensor {d.kind})" if d.kind else "")) for d in devices]
    header = ("NAME", "ADDRESS", "SIGNAL", "TYPE")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    return [f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}"
            for r in [header, *rows]]


def run(args: argparse.Namespace) -> int:
    require_positive("--timeout", args.timeout)
    # Imported here so that other commands never load the Bluetooth stack.
    from sensors.ble.scan import scan_blocking

    devices = scan_blocking(args.timeout, include_unsupported=args.all)
    if not devices:
        print(f"no supported sensors found in {args.timeout:g} s "
              "(switch them on, bring them closer, or scan longer with --timeout)")
        return 0
    for line in format_table(devices):
        print(line)
    return 0
