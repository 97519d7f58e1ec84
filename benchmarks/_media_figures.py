"""Figures of received media computed the same way for aiortc and for Chromium, from per-frame
records (arrival time in seconds, RTP timestamp), so that product and reference compare."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from typing import Any

from _support import percentile

FREEZE_S = 0.5  # a gap between shown frames longer than this is a freeze (the measure)


def unwrap(timestamps: list[int]) -> list[int]:
    """RTP timestamps (32 bits) made monotonic across a wrap."""
    out: list[int] = []
    offset = 0
    previous: int | None = None
    for value in timestamps:
        if previous is not None and value - previous < -(1 << 31):
            offset += 1 << 32
        previous = value
        out.append(value + offset)
    return out


def video_figures(frames: list[tuple[float, int, int, int]], seconds: float) -> dict[str, Any]:
    """``frames``: (arrival s, rtp timestamp, width, height) in arrival order.

    Delay: each frame's arrival minus its RTP time (90 kHz), less the smallest such value in
    the run: the delay a frame had on top of the fastest frame (queueing, waiting for
    retransmissions or a keyframe, the jitter buffer). Both sides use one host clock."""
    if not frames:
        return {"fps": 0.0, "freezes": 0, "freeze_s": seconds, "delay_p50_ms": math.nan,
                "delay_p95_ms": math.nan, "size": None}  # fmt: skip
    times = [f[0] for f in frames]
    rtp = unwrap([f[1] for f in frames])
    gaps = [b - a for a, b in itertools.pairwise(times)]
    freezes = [gap for gap in gaps if gap > FREEZE_S]
    delays = [t - r / 90_000 for t, r in zip(times, rtp, strict=True)]
    base = min(delays)
    relative = [(d - base) * 1000 for d in delays]
    size, _ = Counter((f[2], f[3]) for f in frames).most_common(1)[0]
    return {
        "fps": len(frames) / seconds,
        "freezes": len(freezes),
        "freeze_s": sum(freezes),
        "delay_p50_ms": percentile(relative, 50),
        "delay_p95_ms": percentile(relative, 95),
        "size": f"{size[0]}x{size[1]}",
    }


def audio_figures(
    pts: list[int], concealed: int, seconds: float, dropped: int = 0
) -> dict[str, Any]:
    """aiortc's side: ``pts`` of the 20 ms frames the track gave (48 kHz), ``concealed``: how
    many of them the playout made up (Opus PLC), ``dropped``: frames it sped past to bring
    the delay down. Missing: frames of the time span that never came out at all."""
    if not pts:
        return {"missing": 1.0, "concealed": 0.0, "dropped": 0.0, "frames": 0}
    ordered = sorted(set(unwrap(pts)))
    expected = max(1, round((ordered[-1] - ordered[0]) / 960) + 1)
    return {
        "missing": max(0, expected - len(ordered)) / expected,
        "concealed": concealed / expected,
        "dropped": dropped / expected,
        "frames": len(pts),
        "expected": expected,
    }


def sent_figures(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """Once-a-second sender samples {kbps, size}: the mean rate and the commonest size."""
    rates = [s["kbps"] for s in samples if s.get("kbps") is not None]
    sizes = Counter(s["size"] for s in samples if s.get("size"))
    return {
        "kbps": sum(rates) / len(rates) if rates else math.nan,
        "size": sizes.most_common(1)[0][0] if sizes else None,
        "sizes": dict(sizes),
    }
