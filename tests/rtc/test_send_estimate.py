"""Our send-side estimate (``rtc/send_estimate``) against a simulated bottleneck: a link of a
given rate with a queue in front, packets sent at the estimate, transport-cc feedback every
50 ms. The real line (network namespaces, Chromium on the far end) is measured by
benchmarks/network_quality.py; this pins down how the estimate moves."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from advisor_app.rtc.send_estimate import MIN_BPS, SendEstimate
from advisor_app.rtc.transport_cc import PacketResult

PACKET_BYTES = 1000
FEEDBACK_S = 0.05
HELD_SHARE = 0.7  # of the estimate sent while it is held (video.send's MARKS_SHARE)


@dataclass
class Bottleneck:
    """A link of ``rate_bps`` behind a queue of at most ``queue_s`` (then drops), with
    ``loss`` random loss on the wire and ``delay_s`` of propagation."""

    rate_bps: float
    loss: float = 0.0
    queue_s: float = 1.0
    delay_s: float = 0.02
    seed: int = 1
    busy_until: float = 0.0
    dropped_full: int = 0
    random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)

    def send(self, at: float, size: int) -> float | None:
        start = max(at, self.busy_until)
        if start - at > self.queue_s:
            self.dropped_full += 1
            return None
        self.busy_until = start + size * 8 / self.rate_bps
        if self.random.random() < self.loss:
            return None
        return self.busy_until + self.delay_s


@dataclass
class Run:
    targets: list[tuple[float, float]]  # (time, target bit/s)
    queue_delays: list[tuple[float, float]]  # (time, seconds a packet queued)
    estimate: SendEstimate


def run(
    link: Bottleneck,
    seconds: float,
    start_bps: int = 300_000,
    held: tuple[float, float] = (0.0, 0.0),
) -> Run:
    """``seconds`` of sending at the estimate; from ``held[0]`` to ``held[1]`` at
    HELD_SHARE of it, the estimate told so (``hold``)."""
    estimate = SendEstimate(start_bps)
    estimate.rtt_s = 2 * link.delay_s
    now = 0.0
    seq = 0
    pending: list[tuple[int, float | None, float]] = []  # (seq, arrival, sent)
    next_feedback = FEEDBACK_S
    targets: list[tuple[float, float]] = []
    queue: list[tuple[float, float]] = []
    while now < seconds:
        estimate.on_sent(seq & 0xFFFF, PACKET_BYTES, now)
        arrival = link.send(now, PACKET_BYTES)
        pending.append((seq, arrival, now))
        if arrival is not None:
            queue.append((now, arrival - link.delay_s - PACKET_BYTES * 8 / link.rate_bps - now))
        seq += 1
        estimate.hold = held[0] <= now < held[1]
        share = HELD_SHARE if estimate.hold else 1.0
        now += PACKET_BYTES * 8 / (share * estimate.target_bps)
        while now >= next_feedback:
            # What has arrived by the time of this feedback (lost ones once later ones came).
            due = [p for p in pending if (p[1] or p[2] + link.delay_s) <= next_feedback]
            if due:
                last = max(p[0] for p in due)
                report = [p for p in pending if p[0] <= last]
                pending = [p for p in pending if p[0] > last]
                results = [PacketResult(s & 0xFFFF, a) for s, a, _ in report]
                estimate.on_feedback(results, next_feedback + link.delay_s)
            targets.append((next_feedback, estimate.target_bps))
            next_feedback += FEEDBACK_S
    return Run(targets, queue, estimate)


def between(run: Run, start: float, end: float) -> list[float]:
    return [bps for at, bps in run.targets if start <= at < end]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))]


def test_it_grows_on_a_free_line() -> None:
    result = run(Bottleneck(rate_bps=10_000_000), seconds=20)
    assert result.targets[0][1] < 400_000
    assert min(between(result, 18, 20)) > 1_000_000  # 8 % a second from 300 kbit/s
    assert result.estimate.cuts == 0


def test_it_finds_a_bottleneck_without_filling_its_queue() -> None:
    link = Bottleneck(rate_bps=450_000)
    result = run(link, seconds=60, start_bps=800_000)
    late = between(result, 20, 60)
    # Near the line's rate (not stuck far below it), and the queue stays short: the delay
    # trend says "overuse" long before a second of queue.
    assert 0.6 * link.rate_bps < sum(late) / len(late) < 1.1 * link.rate_bps
    assert p95([d for at, d in result.queue_delays if at >= 20]) < 0.25
    assert result.estimate.cuts >= 1
    assert link.dropped_full == 0


def test_a_steady_random_loss_is_not_taken_for_congestion() -> None:
    """5 % lost on the wire (a weak line, not our sending): the estimate still grows to the
    line's rate instead of being cut again and again."""
    link = Bottleneck(rate_bps=450_000, loss=0.05, seed=8)
    result = run(link, seconds=60)
    late = between(result, 30, 60)
    assert sum(late) / len(late) > 0.6 * link.rate_bps
    assert result.estimate.loss_cuts == 0


def test_congestion_loss_cuts_the_rate() -> None:
    """A queue that overflows at once (no delay to see first): the loss itself cuts."""
    link = Bottleneck(rate_bps=300_000, queue_s=0.0)
    result = run(link, seconds=10, start_bps=1_000_000)
    assert result.estimate.loss_cuts >= 1
    assert between(result, 8, 10)[-1] < 600_000
    assert min(bps for _, bps in result.targets) >= MIN_BPS


def test_held_while_the_sender_keeps_room_it_does_not_climb_but_still_cuts() -> None:
    free = run(Bottleneck(rate_bps=10_000_000), seconds=20, held=(5, 15))
    grown = between(free, 4.9, 5)[-1]
    assert max(between(free, 5, 15)) <= grown  # the advisor draws: no climb
    assert between(free, 19.9, 20)[-1] > 1.3 * grown  # and on again after
    # A line that gets worse while it is held is followed down all the same.
    narrow = run(Bottleneck(rate_bps=300_000), seconds=20, start_bps=800_000, held=(0, 20))
    assert between(narrow, 15, 20)[-1] < 300_000 and narrow.estimate.cuts >= 1
