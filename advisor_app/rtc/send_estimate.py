"""Our own estimate of what the line to the customer carries, from the customer's
transport-cc feedback: the delay-based part of Google Congestion Control
(draft-ietf-rmcat-gcc-02, as libwebrtc runs it) with a guard against congestion loss.

Why: with REMB the customer's browser estimated the line from queueing alone, so our
sending ran into a weak line's bottleneck until its queue overflowed; the losses (12-33 %
for seconds) then paused our picture (audio-first) although REMB still asked for more. Here
every packet's send time is set against its arrival: a queue that grows shows as a rising
trend of the delay variation, and the rate goes down to 85 % of what actually arrived
before the queue overflows.

Pure: sequence numbers, sizes and times in, a bitrate out. The hooks are in
``aiortc_patches``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from enum import Enum

from advisor_app.rtc.transport_cc import PacketResult
from advisor_app.rtc.video_receive import SequenceUnwrapper

START_BPS = 300_000  # libwebrtc's start
MIN_BPS = 50_000
MAX_BPS = 1_500_000

BURST_S = 0.005  # packets sent within 5 ms of a group's first are one group
TRENDLINE_WINDOW = 20  # groups in the linear regression
SMOOTHING = 0.9
THRESHOLD_GAIN = 4.0
OVERUSE_TIME_S = 0.010
THRESHOLD_START_MS = 12.5
K_UP, K_DOWN = 0.0087, 0.039
BETA = 0.85  # a decrease goes to this share of what arrived
ACKED_WINDOW_S = 0.5
LOSS_WINDOW_S = 2.0
LOSS_CUT = 0.15  # above this share lost (more than a weak line's steady loss): congestion
HISTORY = 4096


class Usage(Enum):
    NORMAL = "normal"
    OVERUSING = "overusing"
    UNDERUSING = "underusing"


@dataclass
class _Group:
    first_send_s: float
    send_s: float
    arrival_s: float
    size: int


class Trendline:
    """The slope of the smoothed, accumulated delay variation between packet groups, and
    whether it says the queue grows (libwebrtc's TrendlineEstimator with its adaptive
    threshold)."""

    def __init__(self) -> None:
        self._points: deque[tuple[float, float]] = deque(maxlen=TRENDLINE_WINDOW)
        self._first_arrival_s: float | None = None
        self._accumulated_ms = 0.0
        self._smoothed_ms = 0.0
        self._deltas = 0
        self.threshold_ms = THRESHOLD_START_MS
        self._last_threshold_update_s: float | None = None
        self._over_since_s = -1.0  # how long the trend has been over the threshold
        self._over_count = 0
        self._previous_trend = 0.0
        self._last_arrival_s: float | None = None
        self.usage = Usage.NORMAL

    def update(self, delay_variation_ms: float, arrival_s: float) -> Usage:
        if self._first_arrival_s is None:
            self._first_arrival_s = arrival_s
        self._deltas = min(self._deltas + 1, 1000)
        self._accumulated_ms += delay_variation_ms
        self._smoothed_ms = SMOOTHING * self._smoothed_ms + (1 - SMOOTHING) * self._accumulated_ms
        self._points.append(((arrival_s - self._first_arrival_s) * 1000, self._smoothed_ms))
        trend = self._previous_trend
        if len(self._points) == TRENDLINE_WINDOW:
            trend = _slope(self._points) or trend
        since_last_s = 0.0 if self._last_arrival_s is None else arrival_s - self._last_arrival_s
        self._last_arrival_s = arrival_s
        self._detect(trend, arrival_s, max(0.0, since_last_s))
        return self.usage

    def _detect(self, trend: float, now_s: float, since_last_s: float) -> None:
        modified = min(self._deltas, 60) * trend * THRESHOLD_GAIN
        if modified > self.threshold_ms:
            if self._over_since_s < 0:
                self._over_since_s = since_last_s / 2
            else:
                self._over_since_s += since_last_s
            self._over_count += 1
            if (
                self._over_since_s >= OVERUSE_TIME_S
                and self._over_count > 1
                and trend >= self._previous_trend
            ):
                self._over_since_s = 0.0
                self._over_count = 0
                self.usage = Usage.OVERUSING
        elif modified < -self.threshold_ms:
            self._over_since_s = -1.0
            self._over_count = 0
            self.usage = Usage.UNDERUSING
        else:
            self._over_since_s = -1.0
            self._over_count = 0
            self.usage = Usage.NORMAL
        self._previous_trend = trend
        self._adapt_threshold(modified, now_s)

    def _adapt_threshold(self, modified: float, now_s: float) -> None:
        if self._last_threshold_update_s is None:
            self._last_threshold_update_s = now_s
        if abs(modified) > self.threshold_ms + 15:
            # A spike (a burst, a reroute) should not drag the threshold along.
            self._last_threshold_update_s = now_s
            return
        k = K_DOWN if abs(modified) < self.threshold_ms else K_UP
        elapsed_ms = min((now_s - self._last_threshold_update_s) * 1000, 100.0)
        self.threshold_ms += k * (abs(modified) - self.threshold_ms) * elapsed_ms
        self.threshold_ms = max(6.0, min(self.threshold_ms, 600.0))
        self._last_threshold_update_s = now_s


def _slope(points: deque[tuple[float, float]]) -> float | None:
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    numerator = sum((x - mean_x) * (y - mean_y) for x, y in points)
    denominator = sum((x - mean_x) ** 2 for x, _ in points)
    return numerator / denominator if denominator else None


class SendEstimate:
    """What our video may send, learnt from transport-cc feedback.

    Rate control as GCC's AIMD: overuse cuts to 85 % of the bitrate that arrived lately;
    normal use grows by 8 % a second (by about one packet per round trip once near the rate
    of the last cut); underuse holds. Loss above 15 % (congestion: a weak line's steady loss
    stays well under it) cuts by half the share lost, at most once per 300 ms."""

    def __init__(self, start_bps: int = START_BPS) -> None:
        self.target_bps = float(start_bps)
        self.trendline = Trendline()
        self._sent: dict[int, tuple[float, int]] = {}  # unwrapped seq -> (sent at, size)
        self._unwrapper = SequenceUnwrapper()
        self._group: _Group | None = None
        self._previous_group: _Group | None = None
        self._acked: deque[tuple[float, int]] = deque()  # (arrival, size)
        self._losses: deque[tuple[float, bool]] = deque()  # (feedback time, lost?)
        self._last_update_s: float | None = None
        self._last_cut_s = -math.inf
        self._rate_at_cut: float | None = None
        self.rtt_s = 0.1
        # True while the sender keeps below the target on purpose (room for the marks while
        # the advisor draws): the target is not raised then, or it would climb until the
        # video alone filled the line again and the room was gone. Cuts still apply.
        self.hold = False
        self.cuts = 0
        self.loss_cuts = 0

    # --- what went out ---

    def on_sent(self, seq16: int, size: int, sent_s: float) -> None:
        seq = self._unwrapper.unwrap(seq16)
        self._sent[seq] = (sent_s, size)
        if len(self._sent) > HISTORY:
            for old in sorted(self._sent)[: HISTORY // 2]:
                del self._sent[old]

    # --- what came back ---

    def acked_bps(self) -> float | None:
        """What arrived at the customer over the last half second, bit/s."""
        if len(self._acked) < 2:
            return None
        span = self._acked[-1][0] - self._acked[0][0]
        if span < 0.1:
            return None
        return sum(size for _, size in self._acked) * 8 / span

    def on_feedback(self, results: list[PacketResult], now_s: float) -> float:
        """Takes one feedback; returns the new target (bit/s)."""
        for result in results:
            seq = self._unwrapper.unwrap(result.seq)
            sent = self._sent.pop(seq, None)
            if sent is None:
                continue  # not ours, or forgotten
            self._losses.append((now_s, result.arrival_s is None))
            if result.arrival_s is None:
                continue
            sent_s, size = sent
            self._acked.append((result.arrival_s, size))
            self._add_to_group(sent_s, result.arrival_s, size)
        while self._acked and self._acked[-1][0] - self._acked[0][0] > ACKED_WINDOW_S:
            self._acked.popleft()
        while self._losses and now_s - self._losses[0][0] > LOSS_WINDOW_S:
            self._losses.popleft()
        self._control(now_s)
        return self.target_bps

    def _add_to_group(self, sent_s: float, arrival_s: float, size: int) -> None:
        group = self._group
        if group is None:
            self._group = _Group(sent_s, sent_s, arrival_s, size)
            return
        if sent_s < group.first_send_s:
            return  # reordered from an earlier group: libwebrtc leaves it out too
        if sent_s - group.first_send_s <= BURST_S:
            group.send_s = max(group.send_s, sent_s)
            group.arrival_s = max(group.arrival_s, arrival_s)
            group.size += size
            return
        previous = self._previous_group
        if previous is not None:
            send_delta_ms = (group.send_s - previous.send_s) * 1000
            arrival_delta_ms = (group.arrival_s - previous.arrival_s) * 1000
            self.trendline.update(arrival_delta_ms - send_delta_ms, group.arrival_s)
        self._previous_group = group
        self._group = _Group(sent_s, sent_s, arrival_s, size)

    def _control(self, now_s: float) -> None:
        elapsed = 0.0 if self._last_update_s is None else min(now_s - self._last_update_s, 1.0)
        self._last_update_s = now_s
        acked = self.acked_bps()
        usage = self.trendline.usage
        lost = sum(1 for _, was_lost in self._losses if was_lost)
        loss = lost / len(self._losses) if len(self._losses) >= 40 else 0.0
        rate = self.target_bps
        if usage is Usage.OVERUSING and now_s - self._last_cut_s > self.rtt_s:
            basis = acked if acked is not None else rate
            rate = min(rate, BETA * basis)
            self._rate_at_cut = rate
            self._last_cut_s = now_s
            self.cuts += 1
        elif loss > LOSS_CUT and now_s - self._last_cut_s > max(0.3, self.rtt_s):
            rate *= 1 - 0.5 * loss
            self._last_cut_s = now_s
            self.loss_cuts += 1
        elif usage is Usage.NORMAL and now_s - self._last_cut_s > self.rtt_s and not self.hold:
            if self._rate_at_cut is not None and rate > 0.9 * self._rate_at_cut:
                # Near where the queue last grew: about one packet more per two response
                # times (a round trip and 100 ms for the detector), as libwebrtc's AIMD.
                grown = rate + _near_max_increase_bps(rate, self.rtt_s) * elapsed
            else:
                grown = rate * 1.08**elapsed
            if acked is not None:
                # No growth far past what gets through (an encoder that sends less than it
                # may proves nothing about the line); but no cut for it either.
                grown = min(grown, max(rate, 1.5 * acked + 10_000))
            rate = grown
        self.target_bps = max(MIN_BPS, min(rate, MAX_BPS))


def _near_max_increase_bps(rate_bps: float, rtt_s: float) -> float:
    """Bit/s per second to add near the line's capacity: a 30 fps frame's average packet
    per two response times, at least 4 kbit/s per second."""
    frame_bits = rate_bps / 30
    packets_per_frame = max(1, math.ceil(frame_bits / (1200 * 8)))
    response_s = 2 * (rtt_s + 0.1)
    return max(4_000.0, frame_bits / packets_per_frame / response_s)
