"""Frame taps (the recorder's way in): every frame as sent reaches them, silence while muted,
and a failing tap never breaks the call's track."""

from __future__ import annotations

import av
import numpy as np

from advisor_app.rtc.tracks import SwitchableTrack, ToneTrack


async def test_a_tap_sees_what_is_sent_and_a_failing_one_is_dropped() -> None:
    track = SwitchableTrack(ToneTrack(level=0.2))
    seen: list[av.AudioFrame] = []

    def broken(frame: av.AudioFrame | av.VideoFrame) -> None:
        raise RuntimeError("a recorder bug")

    track.taps.append(lambda frame: seen.append(frame))  # type: ignore[arg-type]
    track.taps.append(broken)
    first = await track.recv()
    assert seen == [first] and track.taps[-1] is not broken and len(track.taps) == 1
    track.enabled = False
    muted = await track.recv()
    assert seen[-1] is muted and not np.any(muted.to_ndarray())
    track.stop()
