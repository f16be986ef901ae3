from __future__ import annotations

import msgpack
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import MessageFormatError
from engine.messages import (
    ChannelInfo,
    ConfigChange,
    ErrorReport,
    FrameTick,
    Gap,
    RuleEvent,
    SampleFrame,
    Side,
    SourceInfo,
    UserInput,
    message_from_list,
)

SOURCE = SourceInfo(
    source_id="sim",
    name="Virtual patient",
    kind="sim",
    rate_hz=2000.0,
    channels=(
        ChannelInfo("L-quad", "quadriceps", Side.LEFT),
        ChannelInfo("R-quad", "quadriceps", Side.RIGHT),
    ),
)

RECORDS = [
    SOURCE,
    SampleFrame("sim", 3, 120, 60_000_000, np.arange(8, dtype="<i2").reshape(4, 2), device_t_ns=7),
    SampleFrame("myo", 0, 0, 0, np.array([[1, -2], [3, -128]], dtype=np.int8)),
    Gap("sim", 100, 20, 50_000_000, 10_000_000, "ring overflow"),
    UserInput(5, "activation", {"R-quad": 0.5, "L-quad": np.float64(0.25)}),
    ConfigChange(9, "calibration", {"mvc_uv": [1.0, 2.0], "kind": "mvc"}),
    FrameTick(11, 42),
    RuleEvent(13, "hold_completed", "L-quad", {"duration_s": 5.0, "peak_pct_mvc": 61.5}),
    ErrorReport(15, "render", "boom"),
]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.TAG)
def test_round_trip_through_msgpack_is_exact(record):
    packed = msgpack.packb(record.to_list(), use_bin_type=True)
    back = message_from_list(msgpack.unpackb(packed, raw=False))
    assert back == record
    assert msgpack.packb(back.to_list(), use_bin_type=True) == packed


def test_mapping_order_does_not_change_bytes():
    a = RuleEvent(1, "x", data={"b": 1, "a": 2})
    b = RuleEvent(1, "x", data={"a": 2, "b": 1})
    assert msgpack.packb(a.to_list()) == msgpack.packb(b.to_list())


def test_frames_are_immutable():
    frame = RECORDS[1]
    with pytest.raises(ValueError, match="read-only"):
        frame.data[0, 0] = 5


@given(st.integers(0, 10**6), st.integers(1, 50), st.sampled_from([200.0, 650.0, 2000.0]))
def test_sample_times_do_not_depend_on_chunking(start, n, rate):
    whole = SampleFrame("s", 0, start, 0, np.zeros((2 * n, 1), "<f4")).sample_times_ns(rate)
    first = SampleFrame("s", 0, start, 0, np.zeros((n, 1), "<f4"))
    second = SampleFrame("s", 1, start + n, first.end_t_ns(rate), np.zeros((n, 1), "<f4"))
    assert abs(int(second.sample_times_ns(rate)[0]) - int(whole[n])) <= 1


@pytest.mark.parametrize(
    ("items", "match"),
    [
        ([], "non-empty"),
        (["nope", 1], "unknown record type"),
        (["frame", "s", 0, 0, 0, None, ["<i2", 2, 2, b"\x00"]], "do not hold"),
        (["frame", "s", 0, 0, 0, None, [">u8", 1, 1, b"\x00" * 8]], "unsupported sample type"),
        (["gap", "s", 0], "needs at least"),
        (["tick", True, 1], "expected int, got bool"),
        (["source", "s", "n", "k", 0.0, [], "<f4", 1.0, "uV", "none"], "rate must be positive"),
    ],
)
def test_malformed_records_are_refused_with_a_reason(items, match):
    with pytest.raises(MessageFormatError, match=match):
        message_from_list(items)
