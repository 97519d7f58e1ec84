"""A synthetic test picture: colour bars, a running clock, and a time stamp that survives
video compression, so tests and benchmarks can measure capture-to-display delay."""

from __future__ import annotations

import functools
import time

import numpy as np

STAMP_BITS = 40
BLOCK = 16  # each bit is a 16x16 block: big enough to survive VP8 at low bit rates

# Seven-segment digits: segments a b c d e f g.
_SEGMENTS = {
    "0": "abcdef", "1": "bc", "2": "abged", "3": "abgcd", "4": "fgbc",
    "5": "afgcd", "6": "afgedc", "7": "abc", "8": "abcdefg", "9": "abcdfg",
}  # fmt: skip
_BARS = np.array(
    [[235, 235, 235], [235, 235, 16], [16, 235, 235], [16, 235, 16],
     [235, 16, 235], [235, 16, 16], [16, 16, 235], [16, 16, 16]],
    dtype=np.uint8,
)  # fmt: skip


def _draw_digit(image: np.ndarray, digit: str, x: int, y: int, size: int) -> None:
    thick = max(2, size // 6)
    w, h = size, size * 2
    boxes = {
        "a": (x, y, w, thick), "b": (x + w - thick, y, thick, h // 2),
        "c": (x + w - thick, y + h // 2, thick, h // 2), "d": (x, y + h - thick, w, thick),
        "e": (x, y + h // 2, thick, h // 2), "f": (x, y, thick, h // 2),
        "g": (x, y + h // 2 - thick // 2, w, thick),
    }  # fmt: skip
    for segment in _SEGMENTS.get(digit, ""):
        bx, by, bw, bh = boxes[segment]
        image[by : by + bh, bx : bx + bw] = 255


def stamp_ms() -> int:
    """Wall-clock milliseconds, the unit of the stamp (both ends share this machine's clock)."""
    return int(time.time() * 1000)


@functools.lru_cache(maxsize=4)
def _bars(width: int, height: int) -> np.ndarray:
    """The colour bars, drawn once per size (filling them is ~90 % of a picture's cost)."""
    picture = np.empty((height, width, 3), dtype=np.uint8)
    bar_width = max(1, width // len(_BARS))
    for index, colour in enumerate(_BARS):
        picture[:, index * bar_width : (index + 1) * bar_width] = colour
    picture[:, len(_BARS) * bar_width :] = _BARS[-1]
    picture.setflags(write=False)
    return picture


def make_picture(width: int, height: int, stamp: int, label: str = "") -> np.ndarray:
    """An RGB picture (height x width x 3, uint8) showing bars, the time and ``stamp`` coded."""
    picture = _bars(width, height).copy()
    # A moving marker shows motion at a glance.
    x = (stamp // 10) % max(1, width - 20)
    picture[height // 2 - 30 : height // 2 + 30, x : x + 20] = (255, 128, 0)
    # The clock, HH:MM:SS in seven segments, on a dark band.
    text = time.strftime("%H%M%S", time.localtime(stamp / 1000))
    size = max(8, height // 16)
    band_top = height // 8
    picture[band_top : band_top + size * 2 + 8, :] = 20
    for index, digit in enumerate(text):
        gap = size // 2 if index in (2, 4) else 0
        offset = index * (size + size // 3) + (index // 2) * gap
        _draw_digit(picture, digit, 8 + offset, band_top + 4, size)
    del label  # reserved for a caption once a font renderer is worth its weight
    write_stamp(picture, stamp)
    return picture


def write_stamp(picture: np.ndarray, stamp: int) -> None:
    """Code ``stamp`` (modulo 2**STAMP_BITS) as black/white blocks along the bottom edge.

    Needs a picture at least STAMP_BITS * BLOCK (640) pixels wide.
    """
    stamp %= 1 << STAMP_BITS
    height = picture.shape[0]
    top = height - BLOCK
    for bit in range(STAMP_BITS):
        value = 255 if (stamp >> (STAMP_BITS - 1 - bit)) & 1 else 0
        picture[top : top + BLOCK, bit * BLOCK : (bit + 1) * BLOCK] = value


def read_stamp(luma: np.ndarray) -> int:
    """The stamp from a picture's luma plane (height x width, uint8), e.g. a decoded frame's
    Y plane. Blocks are read at their centres, which survive compression."""
    height = luma.shape[0]
    top = height - BLOCK
    stamp = 0
    for bit in range(STAMP_BITS):
        centre = luma[top + 4 : top + BLOCK - 4, bit * BLOCK + 4 : (bit + 1) * BLOCK - 4]
        stamp = (stamp << 1) | int(centre.mean() > 128)
    return stamp


def stamp_age_ms(stamp: int, now_ms: int | None = None) -> int:
    """Milliseconds since a stamp read from a picture was written (stamps wrap every 34 years)."""
    now = stamp_ms() if now_ms is None else now_ms
    return (now - stamp) % (1 << STAMP_BITS)
