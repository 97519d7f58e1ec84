"""Sending VP8 on a weak line: follow the receiver's estimate (REMB) down to 50 kbit/s by
lowering the frame rate and then the resolution, and never rebuild the encoder (a keyframe,
tens of kilobytes) for a mere change of bitrate.

aiortc 1.16's ``Vp8Encoder`` clamps the estimate to 250 kbit/s-1.5 Mbit/s, keeps 640x480 at
any rate, and creates a new encoder (so a new keyframe) whenever the target moves by more
than 10 %. On a 512 kbit/s line each of those keyframes filled the queue for about half a
second, and audio behind it was lost.

FFmpeg's libvpx wrapper applies its bitrate only when the encoder opens (changing
``bit_rate`` afterwards has no effect: tried), so the rate moves without a new encoder this
way: the encoder runs at a fixed rate per tier, and frames are left out. libvpx is given
consecutive timestamps at the nominal 30 fps whatever is left out, so each frame it does
encode keeps its size and the bitrate falls in proportion to the frames sent; that is the
frame rate giving way before the picture does. Below half the tier's rate the next smaller
tier is taken (a new encoder, and a keyframe at a quarter of the size). A tier is left
upward only after the estimate has stayed high enough for a while, so a wobbling estimate
does not send a keyframe each time.
"""

from __future__ import annotations

import fractions
import logging
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass

import av
from aiortc.codecs.vpx import Vp8Encoder, number_of_threads
from aiortc.mediastreams import VIDEO_TIME_BASE, convert_timebase
from av.frame import Frame

logger = logging.getLogger(__name__)

MIN_BITRATE = 50_000
MAX_BITRATE = 1_500_000
NOMINAL_FPS = 30
MIN_FPS_SHARE = 1 / 6  # the smallest tier may go down to 5 fps


@dataclass(frozen=True)
class Tier:
    scale: float  # of the source's width and height
    bitrate: int  # at the nominal 30 fps; fewer frames, proportionally less


TIERS = (
    Tier(1.0, 600_000),  # 640x480 from 300 kbit/s (15 fps) up
    Tier(0.75, 340_000),  # 480x360 from 170 kbit/s
    Tier(0.5, 170_000),  # 320x240 from 85 kbit/s
    Tier(0.25, 85_000),  # 160x120 down to ~15 kbit/s at 5 fps
)
DOWN_SHARE = 0.5  # below this share of the tier's rate: the next smaller tier
UP_SHARE = 0.6  # the next larger tier once the estimate is this share of its rate ...
UP_AFTER_S = 5.0  # ... for this long
# While the advisor draws on a shared page the picture takes this share of the estimate, in
# frame rate only (no new tier, so no keyframe): on a weak line our video kept the
# bottleneck's queue at 100-200 ms for a second at a time, and the marks waited in it. The
# customer looks at the page then, not at the advisor's face.
MARKS_SHARE = 0.7


def tier_for(bitrate: int) -> int:
    """The largest tier that ``bitrate`` carries at half its frame rate or more."""
    for index, tier in enumerate(TIERS):
        if bitrate >= DOWN_SHARE * tier.bitrate:
            return index
    return len(TIERS) - 1


class AdaptiveVp8Encoder(Vp8Encoder):
    """aiortc's VP8 encoder (same packetization, same options) with the rate control above."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._clock = clock
        self._target = 500_000
        self._tier = tier_for(self._target)
        self._up_since: float | None = None
        self._credit = 0.0
        self._encoder_pts = 0
        self._size: tuple[int, int] | None = None
        self.yielding = False  # to the marks being drawn: see MARKS_SHARE
        self.frames_in = 0
        self.frames_encoded = 0
        self.encoders_made = 0

    @property
    def target_bitrate(self) -> int:
        return self._target

    @target_bitrate.setter
    def target_bitrate(self, bitrate: int) -> None:
        self._target = max(MIN_BITRATE, min(bitrate, MAX_BITRATE))

    @property
    def size_of_last(self) -> tuple[int, int] | None:
        """(width, height) of the last frame encoded."""
        return self._size

    @property
    def tier(self) -> Tier:
        return TIERS[self._tier]

    @property
    def reduced(self) -> bool:
        """Whether the picture or its frame rate is reduced for the line."""
        return self._tier > 0 or self._fps_share(yielding=False) < 1.0

    def _fps_share(self, yielding: bool) -> float:
        floor = MIN_FPS_SHARE if self._tier == len(TIERS) - 1 else DOWN_SHARE
        share = MARKS_SHARE if yielding else 1.0
        return max(floor * share, min(1.0, share * self._target / TIERS[self._tier].bitrate))

    def _choose_tier(self) -> None:
        wanted = tier_for(self._target)
        now = self._clock()
        if wanted > self._tier:  # down at once: the line cannot carry this one
            self._tier = wanted
            self._up_since = None
        elif wanted < self._tier and self._target >= UP_SHARE * TIERS[self._tier - 1].bitrate:
            if self._up_since is None:
                self._up_since = now
            elif now - self._up_since >= UP_AFTER_S:
                self._tier -= 1
                self._up_since = None
        else:
            self._up_since = None

    def encode(self, frame: Frame, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        assert isinstance(frame, av.VideoFrame)
        self.frames_in += 1
        assert frame.pts is not None and frame.time_base is not None  # tracks stamp frames
        timestamp = convert_timebase(frame.pts, frame.time_base, VIDEO_TIME_BASE)
        self._choose_tier()
        self._credit += self._fps_share(self.yielding)
        if self._credit < 1.0 and not force_keyframe:
            return [], timestamp  # left out: the frame rate gives way
        self._credit = min(self._credit - 1.0, 1.0)
        scale = self.tier.scale
        # Even sizes: VP8 in 4:2:0 needs them.
        size = (int(frame.width * scale) // 2 * 2, int(frame.height * scale) // 2 * 2)
        if size != (frame.width, frame.height) or frame.format.name != "yuv420p":
            frame = frame.reformat(width=size[0], height=size[1], format="yuv420p")
        if self.codec is None or size != self._size or self.codec.bit_rate != self.tier.bitrate:
            self._open(size)
        elif force_keyframe:
            frame.pict_type = av.video.frame.PictureType.I
        frame.pts = self._encoder_pts
        frame.time_base = fractions.Fraction(1, NOMINAL_FPS)
        self._encoder_pts += 1
        assert self.codec is not None
        data = b"".join(bytes(packet) for packet in self.codec.encode(frame))
        self.frames_encoded += 1
        payloads = self._packetize(data, self.picture_id)
        self.picture_id = (self.picture_id + 1) % (1 << 15)
        return payloads, timestamp

    def _open(self, size: tuple[int, int]) -> None:
        """A new encoder (its first frame is a keyframe): only for a new tier or size."""
        rate = self.tier.bitrate
        codec = av.CodecContext.create("libvpx", "w")
        codec.width, codec.height = size
        codec.bit_rate = rate
        codec.pix_fmt = "yuv420p"
        codec.time_base = fractions.Fraction(1, NOMINAL_FPS)
        codec.framerate = NOMINAL_FPS
        codec.gop_size = 3000
        codec.qmin = 2
        codec.qmax = 56
        # As aiortc's encoder: CBR, realtime, no lag, 1 s of buffer.
        codec.options = {
            "bufsize": str(rate),
            "cpu-used": "-6",
            "deadline": "realtime",
            "lag-in-frames": "0",
            # A keyframe at most 3x an average frame (libwebrtc's floor for VP8): unbounded,
            # a new tier's first frame was 15 KB at 480x360, a burst that a 512 kbit/s
            # line's queue dropped by the half, and the call went audio-first.
            "max-intra-rate": "300",
            "minrate": str(rate),
            "maxrate": str(rate),
            "noise-sensitivity": "4",
            "overshoot-pct": "15",
            "partitions": "0",
            "static-thresh": "1",
            "undershoot-pct": "100",
        }
        codec.thread_count = number_of_threads(size[0] * size[1], multiprocessing.cpu_count())
        self.codec = codec
        self._size = size
        self._encoder_pts = 0
        self.encoders_made += 1
        logger.debug("VP8 encoder %dx%d at %d kbit/s", size[0], size[1], rate // 1000)
