"""When the line cannot carry video, the call goes audio-first: the advisor's picture is
paused (the track stops handing frames to the encoder; nothing is renegotiated), the page is
told and says so, and the picture comes back when the line can carry it again. This module
decides when, from the link figures once a second; pure (no clock of its own, no media).

The thresholds, and why:

* **Enter** when for ``enter_s`` (4 s) every sample says the line is weak: the video sender's
  target (the customer's estimate of the line, which our VP8 sender follows down to 50 kbit/s)
  is below ``enter_kbps`` (80 kbit/s), or more than ``enter_loss`` (10 %) of the packets are
  lost either way. At 80 kbit/s the picture is down to thumbnail size at a few frames a second,
  while it takes the line that speech needs (Opus at 32 kbit/s, about 45 with packet
  overhead); above 10 % loss Opus' concealment and FEC no longer hide the gaps. Four seconds:
  longer than the dip of a single burst of loss or one estimate undershoot, short enough that
  the conversation does not suffer long.
* **Leave** (try the picture again) when paused for at least the hold (10 s, doubled after
  each try that failed within ``failed_within_s`` = 30 s, at most 60 s) and over the last
  ``leave_s`` (5 s) less than ``leave_loss`` (8 %) was lost on average. Between the 10 % that
  pauses the picture and 8 %: a line with a steady 5 % loss carries video well (Chromium keeps
  640x480 at 19 fps on 512 kbit/s + 5 %, benchmarks/network_quality.py), and its per-second
  figures scatter around 5 %; with every second required below 5 %, as first written, a call
  paused on such a line never got its picture back (seen in that benchmark: 60 s without
  video either way). While paused the estimate says
  nothing about video (only audio flows, and a receiver's estimate stays near what it
  receives), so the picture is tried again after the hold and kept if the line then carries
  it, as libwebrtc's suspended video probes its way back.

No flapping: audio-first lasts at least the hold (>= 10 s), video at least ``enter_s``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AudioFirstPolicy:
    enter_kbps: float = 80.0
    enter_loss: float = 0.10
    enter_s: float = 4.0
    first_hold_s: float = 10.0
    max_hold_s: float = 60.0
    leave_loss: float = 0.08  # on average over leave_s
    leave_s: float = 5.0
    failed_within_s: float = 30.0


class AudioFirst:
    """Feed it the figures once a second (``update``); ``active``: video paused."""

    def __init__(self, policy: AudioFirstPolicy | None = None) -> None:
        self.policy = policy or AudioFirstPolicy()
        self.active = False
        self.hold_s = self.policy.first_hold_s
        self._weak_since: float | None = None
        self._entered_at: float | None = None
        self._left_at: float | None = None
        self._paused_losses: deque[tuple[float, float]] = deque()  # (when, lost) while paused

    def update(self, now: float, target_kbps: float | None, fraction_lost: float | None) -> bool:
        """The decision after the figures at ``now`` (monotonic seconds). ``target_kbps``:
        the video sender's target, None when not measured; ``fraction_lost``: the worse of
        both ways lately, None when not measured."""
        p = self.policy
        lost = fraction_lost if fraction_lost is not None else 0.0
        if not self.active:
            weak = (target_kbps is not None and target_kbps < p.enter_kbps) or (lost > p.enter_loss)
            if not weak:
                self._weak_since = None
                return False
            if self._weak_since is None:
                self._weak_since = now
            if now - self._weak_since >= p.enter_s:
                self._enter(now)
            return self.active
        # The samples since the pause, the oldest kept being the last one at least leave_s
        # old: the window covers leave_s (or more) once there is one.
        window = self._paused_losses
        window.append((now, lost))
        while len(window) >= 2 and now - window[1][0] >= p.leave_s:
            window.popleft()
        assert self._entered_at is not None
        covered = now - window[0][0] >= p.leave_s
        calm = covered and sum(x for _, x in window) / len(window) < p.leave_loss
        if now - self._entered_at >= self.hold_s and calm:
            self.active = False
            self._left_at = now
            self._weak_since = None
            window.clear()
        return self.active

    def _enter(self, now: float) -> None:
        p = self.policy
        failed = self._left_at is not None and now - self._left_at < p.failed_within_s
        self.hold_s = min(self.hold_s * 2, p.max_hold_s) if failed else p.first_hold_s
        self.active = True
        self._entered_at = now
        self._weak_since = None
        self._paused_losses.clear()

    def reset(self) -> None:
        """A new connection: its line is judged afresh."""
        self.active = False
        self.hold_s = self.policy.first_hold_s
        self._weak_since = self._entered_at = self._left_at = None
        self._paused_losses.clear()
