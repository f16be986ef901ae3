"""Packet decoders against public and published-format vectors, plus fuzzing.

Myo: the payload/sample pair is a real capture published with the community Myo decoders (raw
EMG mode, int8). Ganglion: the vectors are built by hand from OpenBCI's published packet
format (docs.openbci.com "Ganglion Data Format" for firmware 2; the firmware 3 absolute-value
compression as decoded by BrainFlow): each field value below was chosen to hit a positive and a
negative case of each rule, packed most-significant-bit first after the packet id byte, and the
expected samples were worked out from the rules in sensors/ble/ganglion.py's docstring.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import DecodeError
from sensors.ble import diy, ganglion, myo


def test_myo_public_capture():
    samples = myo.decode_emg(bytes.fromhex("090d01fefefefa0206e9fcfdfcfe0502"))
    assert samples.dtype == np.int8
    assert samples.tolist() == [[9, 13, 1, -2, -2, -2, -6, 2], [6, -23, -4, -3, -4, -2, 5, 2]]


@pytest.mark.parametrize("size", [0, 15, 17, 20])
def test_myo_wrong_length_is_a_decode_error(size):
    with pytest.raises(DecodeError, match="16 bytes"):
        myo.decode_emg(bytes(size))


def test_myo_firmware_version():
    version = myo.decode_firmware(bytes.fromhex("01000500b2070200"))
    assert (version.major, version.minor, version.patch, version.hardware_rev) == (1, 5, 1970, 2)


# Samples s = [1000, -1000, 8388607, -8388608] then [0, -1, 131072, -131073] (24-bit scale),
# each sent as its 17 (18-bit packets) or 18 (19-bit packets) most significant bits plus a sign
# bit; decoding restores them rounded down to a multiple of 2**7 or 2**6.
FW3_18 = "050003bfff17fffa000100003ffff02003f7ff00"
FW3_19 = "960003dfff85ffff4000100001ffffc08007efff"


def test_ganglion_fw3_18_bit():
    packet = ganglion.decode_fw3(bytes.fromhex(FW3_18))
    assert packet.packet_id == 5
    assert packet.kind is ganglion.PacketKind.SAMPLES
    assert packet.values is not None
    assert packet.values.tolist() == [[896, -1024, 8388480, -8388608], [0, -128, 131072, -131200]]


def test_ganglion_fw3_19_bit():
    packet = ganglion.decode_fw3(bytes.fromhex(FW3_19))
    assert packet.packet_id == 150
    assert packet.values is not None
    assert packet.values.tolist() == [[960, -1024, 8388544, -8388608], [0, -64, 131072, -131136]]


def test_ganglion_fw2_raw_packet():
    payload = bytes.fromhex("00000001ffffff7fffff800000") + bytes(7)
    packet = ganglion.decode_fw2(payload)
    assert packet.kind is ganglion.PacketKind.RAW
    assert packet.values is not None
    assert packet.values.tolist() == [[1, -1, 8388607, -8388608]]


# 18-bit delta fields [4, 0x3FFFF, 100000, 131073] then [0, 1, 262142, 3]: bit 0 set means
# negative (field - 2**18). 19-bit fields [2, 0x7FFFF, 6, 0x40001] then [0, 1, 0, 8].
FW2_18 = "0100013ffff61a820001000000001ffff8000300"
FW2_19 = "6500005ffffc0003400010000000004000000008"


def test_ganglion_fw2_delta_fields():
    d18 = ganglion.decode_fw2(bytes.fromhex(FW2_18))
    assert d18.kind is ganglion.PacketKind.DELTAS
    assert d18.values is not None
    assert d18.values.tolist() == [[4, -1, 100000, -131071], [0, -262143, 262142, -262141]]
    d19 = ganglion.decode_fw2(bytes.fromhex(FW2_19))
    assert d19.values is not None
    assert d19.values.tolist() == [[2, -1, 6, -262143], [0, -524287, 0, 8]]


def test_ganglion_fw2_tracker_integrates_new_is_last_minus_delta():
    tracker = ganglion.GanglionFw2Tracker()
    raw = bytes.fromhex("00000001ffffff7fffff800000") + bytes(7)
    first = tracker.feed(ganglion.NOTIFY_CHAR, raw, 0)
    assert first[0].samples.tolist() == [[1, -1, 8388607, -8388608]]
    (chunk,) = tracker.feed(ganglion.NOTIFY_CHAR, bytes.fromhex(FW2_18), 1)
    assert chunk.samples.tolist() == [[-3, 0, 8288607, -8257537], [-3, 262143, 8026465, -7995396]]
    assert chunk.lost_before == 0


def test_ganglion_fw2_loss_unsyncs_until_the_next_raw_packet():
    tracker = ganglion.GanglionFw2Tracker()
    raw = bytes.fromhex("00000001ffffff7fffff800000") + bytes(7)
    tracker.feed(ganglion.NOTIFY_CHAR, raw, 0)
    tracker.feed(ganglion.NOTIFY_CHAR, bytes.fromhex(FW2_18), 1)  # id 1
    delta = bytearray(20)
    for packet_id in range(4, 101):  # ids 2 and 3 lost
        delta[0] = packet_id
        assert tracker.feed(ganglion.NOTIFY_CHAR, bytes(delta), packet_id) == []
    (chunk,) = tracker.feed(ganglion.NOTIFY_CHAR, raw, 200)
    # 2 lost packets + 97 unsynced packets, two samples each.
    assert chunk.lost_before == 2 * 2 + 97 * 2
    assert chunk.exact


def test_ganglion_fw3_tracker_counts_loss_modulo_100_and_drops_duplicates():
    tracker = ganglion.GanglionFw3Tracker()
    packet = bytearray(20)
    chunks = []
    for packet_id in [98, 99, 99, 2, 3]:
        packet[0] = packet_id
        packet[5] = packet_id  # distinct payloads
        chunks += tracker.feed(ganglion.NOTIFY_CHAR, bytes(packet), packet_id)
    assert [c.lost_before for c in chunks] == [None, 0, 2 * 2, 0]
    assert tracker.duplicates == 1


def test_ganglion_impedance_and_message_packets():
    impedance = ganglion.decode_fw3(bytes([203]) + b"1234Z" + bytes(14))
    assert (impedance.channel, impedance.impedance) == (3, 1234)
    message = ganglion.decode_fw2(bytes([206]) + b"hello" + bytes(14))
    assert message.text == "hello"
    with pytest.raises(DecodeError, match="not defined"):
        ganglion.decode_fw3(bytes([250]) + bytes(19))


def test_diy_packet_layout_is_little_endian():
    payload = bytes.fromhex("01" "02" "c800" "78563412") + bytes.fromhex("0100ffff" "0080ff7f")
    packet = diy.decode_packet(payload)
    assert packet.first_sample == 0x12345678
    assert packet.rate_hz == 200
    assert packet.samples.dtype == np.dtype("<i2")
    assert packet.samples.tolist() == [[1, -1], [-32768, 32767]]
    assert diy.encode_packet(0x12345678, 200, [[1, -1], [-32768, 32767]]) == payload


def test_diy_info_round_trip():
    info = diy.DiyInfo(2, 500, 0.5, ("left quad", "right quad"))
    assert diy.decode_info(diy.encode_info(info)) == info


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (bytes.fromhex("0102c800"), "shorter"),
        (bytes.fromhex("0202c80000000000") + bytes(4), "protocol version"),
        (bytes.fromhex("0100c80000000000") + bytes(4), "channels"),
        (bytes.fromhex("0102000000000000") + bytes(4), "0 Hz"),
        (bytes.fromhex("0102c80000000000") + bytes(3), "whole number"),
        (bytes.fromhex("0102c80000000000"), "whole number"),
    ],
)
def test_diy_malformed_packets_say_what_is_wrong(payload, message):
    with pytest.raises(DecodeError, match=message):
        diy.decode_packet(payload)


def test_diy_tracker_counts_loss_and_drops_repeats():
    tracker = diy.DiyTracker(diy.DiyInfo(1, 200, 1.0, ("a",)))
    chunks = []
    for first in [10, 14, 14, 22]:
        payload = diy.encode_packet(first, 200, np.full((4, 1), first))
        chunks += tracker.feed(diy.DATA_CHAR, payload, first)
    assert [c.lost_before for c in chunks] == [None, 0, 4]
    assert tracker.duplicates == 1


def test_myo_tracker_counts_skips_from_the_round_robin():
    tracker = myo.MyoTracker()
    chunks = []
    for i, char in enumerate([0, 1, 2, 3, 1, 2]):  # char 0 lost after the first cycle
        payload = bytes([i]) * 16
        chunks += tracker.feed(myo.EMG_CHARS[char], payload, 10_000_000 * i)
    chunks += tracker.flush()
    assert [c.lost_before for c in chunks] == [None, 0, 0, 0, 2, 0]


def _valid_or_decode_error(decode, payload):
    try:
        return decode(payload)
    except DecodeError:
        return None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=48))
def test_fuzz_decoders_raise_only_decode_error(payload):
    emg = _valid_or_decode_error(myo.decode_emg, payload)
    assert emg is None or emg.shape == (2, 8)
    for decode in (ganglion.decode_fw2, ganglion.decode_fw3):
        packet = _valid_or_decode_error(decode, payload)
        if packet is not None and packet.values is not None:
            assert packet.values.shape[1] == 4
            assert packet.values.dtype == np.int32
    diy_packet = _valid_or_decode_error(diy.decode_packet, payload)
    if diy_packet is not None:
        assert diy_packet.samples.shape[0] >= 1
        assert 1 <= diy_packet.n_channels <= diy.MAX_CHANNELS
    info = _valid_or_decode_error(diy.decode_info, payload)
    assert info is None or len(info.labels) == info.n_channels


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(min_size=0, max_size=24), max_size=40))
def test_fuzz_trackers_raise_only_decode_error(payloads):
    trackers = [
        (myo.MyoTracker(), myo.EMG_CHARS[0]),
        (ganglion.GanglionFw2Tracker(), ganglion.NOTIFY_CHAR),
        (ganglion.GanglionFw3Tracker(), ganglion.NOTIFY_CHAR),
        (diy.DiyTracker(diy.DiyInfo(2, 200, 1.0, ("a", "b"))), diy.DATA_CHAR),
    ]
    for tracker, char in trackers:
        for i, payload in enumerate(payloads):
            try:
                chunks = tracker.feed(char, payload, i * 1_000_000)
            except DecodeError:
                continue
            for chunk in chunks:
                assert chunk.samples.ndim == 2
                assert chunk.lost_before is None or chunk.lost_before >= 0


def test_the_examples_in_the_profile_document_decode_as_documented():
    info = diy.decode_info(bytes.fromhex(
        "0102e8035b424e3f6c65667420717561642c72696768742071756164"))
    assert (info.n_channels, info.rate_hz, info.labels) == (2, 1000, ("left quad", "right quad"))
    assert info.uv_per_count == pytest.approx(0.8057)
    packet = diy.decode_packet(bytes.fromhex("0102e803a00f00006400ecff7800ddff5a00f6ff"))
    assert packet.first_sample == 4000
    assert packet.samples.tolist() == [[100, -20], [120, -35], [90, -10]]


def _myo_arrivals(n: int, lost: set[int], stall_at: int, interval_ms: int = 30):
    """A real-time armband (10 ms per notification) seen through a BLE link that delivers in
    bursts at each connection event, with one 80 ms host stall that is caught up afterwards."""
    for k in range(n):
        if k in lost:
            continue
        produced_ms = 10 * k
        delivered_ms = (produced_ms // interval_ms + 1) * interval_ms  # next connection event
        if stall_at <= k < stall_at + 8:
            delivered_ms = 10 * (stall_at + 8) + interval_ms  # held up, then a burst
        yield k, delivered_ms * 1_000_000 + 250_000 * (k % 3)


@pytest.mark.parametrize("interval_ms", [8, 30, 45])
def test_myo_tracker_finds_whole_lost_cycles_from_timing_despite_bursts_and_stalls(interval_ms):
    lost = {150, *range(300, 304), *range(450, 458), 600, 601}
    tracker = myo.MyoTracker()
    sizes = []
    for k, arrival_ns in _myo_arrivals(800, lost, stall_at=230, interval_ms=interval_ms):
        sizes += [c.lost_before for c in tracker.feed(myo.EMG_CHARS[k % 4], bytes([k % 256]) * 16,
                                                      arrival_ns)]
    sizes += [c.lost_before for c in tracker.flush()]
    assert sizes[0] is None
    assert [s for s in sizes[1:] if s] == [2, 8, 16, 4]  # samples: 1, 4, 8, 2 notifications
    assert len(sizes) == 800 - len(lost)


def test_myo_vibrate_command():
    assert myo.vibrate_command(2) == bytes([0x03, 0x01, 0x02])
    with pytest.raises(ValueError, match="1, 2 or 3"):
        myo.vibrate_command(4)
