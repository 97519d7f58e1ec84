"""The time-based audio playout on scripted packet sequences: real Opus packets (PyAV's
libopus, with in-band FEC), losses, reordering and a stall, pulled on a scripted clock."""

from __future__ import annotations

import fractions

import av
import numpy as np
import pytest

from advisor_app.rtc.opus import load_opus
from advisor_app.rtc.playout import FRAME_S, FRAME_SAMPLES, Playout

START_TS = 4_294_960_000  # close to the 32-bit wrap, so the sequence wraps on the way


def opus_packets(count: int, fec: bool = True) -> list[bytes]:
    """``count`` 20 ms Opus packets of a 440 Hz tone, as a browser sends them."""
    encoder = av.CodecContext.create("libopus", "w")
    encoder.bit_rate = 32_000
    encoder.format = "s16"
    encoder.layout = "mono"
    encoder.sample_rate = 48_000
    encoder.time_base = fractions.Fraction(1, 48_000)
    encoder.options = {"application": "voip", "fec": "1" if fec else "0", "packet_loss": "20"}
    t = np.arange(FRAME_SAMPLES * count) / 48_000
    pcm = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16)
    packets: list[bytes] = []
    for start in range(0, len(pcm), FRAME_SAMPLES):
        frame = av.AudioFrame.from_ndarray(
            pcm[start : start + FRAME_SAMPLES].reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = 48_000
        frame.pts = start
        packets.extend(bytes(p) for p in encoder.encode(frame))
    return packets[:count]


def play(playout: Playout, arrivals: list[tuple[float, int, bytes]], until: float) -> list:
    """Feed (arrival time, index, payload) in arrival order, pulling every 5 ms."""
    frames = []
    pending = sorted(arrivals, key=lambda a: a[0])
    now = 0.0
    while now <= until:
        while pending and pending[0][0] <= now:
            at, index, payload = pending.pop(0)
            playout.add((START_TS + index * FRAME_SAMPLES) % (1 << 32), payload, at)
        frames.extend(playout.pull(now))
        now += 0.005
    return frames


@pytest.fixture
def playout() -> Playout:
    decoder = load_opus()
    assert decoder is not None, "libopus (bundled with PyAV) should load"
    return Playout(decoder)


def test_losses_and_reordering_give_continuous_audio_with_fec(playout: Playout) -> None:
    packets = opus_packets(200)
    lost = set(range(7, 200, 10))  # 5 % loss, never two in a row
    arrivals = [(i * FRAME_S, i, p) for i, p in enumerate(packets) if i not in lost]
    # Two pairs swapped on the way (each arrives 25 ms late, after its successor).
    arrivals = [(t + 0.025 if i in (50, 120) else t, i, p) for t, i, p in arrivals]
    frames = play(playout, arrivals, until=200 * FRAME_S + 0.3)

    pts = [f.pts for f in frames]
    assert pts == [n * FRAME_SAMPLES for n in range(len(frames))]  # no gap, no repeat
    assert all(f.samples == FRAME_SAMPLES and f.sample_rate == 48_000 for f in frames)
    counters = playout.counters
    assert counters.normal == 200 - len(lost)
    assert counters.late == 0  # the reordered ones came within the target delay
    # Every loss had its successor in the buffer: recovered from its FEC where the encoder
    # put some in (libopus adds it to frames it judges worth it: some of a pure tone's),
    # concealed where not; and after the last packet the playout conceals (it runs 300 ms on).
    assert counters.fec >= 1
    after_the_end = counters.frames - 200 + counters.dropped
    assert counters.fec + counters.concealed == len(lost) + after_the_end


def test_without_fec_losses_are_concealed_by_plc(playout: Playout) -> None:
    packets = opus_packets(100, fec=False)
    lost = {20, 21, 60}  # a burst of two: the first has no successor in the buffer
    arrivals = [(i * FRAME_S, i, p) for i, p in enumerate(packets) if i not in lost]
    frames = play(playout, arrivals, until=100 * FRAME_S)
    assert [f.pts for f in frames] == [n * FRAME_SAMPLES for n in range(len(frames))]
    counters = playout.counters
    assert counters.normal == 100 - len(lost) - (100 - counters.frames - counters.dropped)
    # Each lost frame came out as something: FEC from a packet without FEC data falls back
    # to concealment inside libopus, so either counter may hold it.
    assert counters.fec + counters.concealed >= len(lost)
    # Decoded PLC is not silence: the tone goes on (Opus extrapolates it).
    levels = [np.abs(f.to_ndarray()).max() for f in frames[19:24]]
    assert min(levels) > 500


def test_a_stall_is_waited_out_and_nothing_late_is_thrown_away(playout: Playout) -> None:
    packets = opus_packets(150)
    # Packets 40-54 (300 ms) are held up and then arrive together, as after a Wi-Fi hiccup.
    arrivals = [(max(i * FRAME_S, 55 * FRAME_S) if 40 <= i < 55 else i * FRAME_S, i, p)
                for i, p in enumerate(packets)]  # fmt: skip
    frames = play(playout, arrivals, until=150 * FRAME_S + 0.05)
    counters = playout.counters
    assert counters.late == 0
    # Every packet played, sped past, or still held for playing (the stall moved the
    # timeline back by what was concealed while waiting).
    held = round(playout.held_ms() / (FRAME_S * 1000))
    assert counters.normal + counters.dropped + held == 150
    assert counters.concealed >= 10  # the stall itself was filled, not left silent or skipped
    assert [f.pts for f in frames] == [n * FRAME_SAMPLES for n in range(len(frames))]
    # After the stall the delay came back down: the backlog was worked off by dropping a few
    # frames, not kept for the rest of the call.
    assert playout.held_ms() <= playout.target_ms + 60
