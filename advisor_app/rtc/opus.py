"""libopus's decoder through ctypes, for what FFmpeg's wrapper cannot do: packet loss
concealment (decode "nothing") and in-band FEC (decode the previous frame from the redundancy
carried in the next packet). FFmpeg's libopus decoder takes only whole packets, and an empty
packet means end of stream.

The library is the one PyAV ships (its wheels bundle libopus as a shared library next to the
FFmpeg ones), else the system's. Without either, ``load_opus()`` returns None and the playout
decodes through PyAV and conceals with silence.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
from pathlib import Path

import av

logger = logging.getLogger(__name__)

SAMPLE_RATE = 48_000
CHANNELS = 2  # Opus in WebRTC is always signalled as opus/48000/2; decoding to stereo is safe
MAX_FRAME_SAMPLES = 5760  # 120 ms, the longest Opus packet
OPUS_OK = 0


def _candidates() -> list[str]:
    paths: list[str] = []
    package = Path(av.__file__).resolve().parent
    # Linux and Windows wheels keep bundled libraries in "av.libs" beside the package, macOS
    # ones in "av/.dylibs".
    for folder in (package.parent / "av.libs", package / ".dylibs"):
        if folder.is_dir():
            paths += sorted(str(p) for p in folder.iterdir() if "opus" in p.name.lower())
    if system := ctypes.util.find_library("opus"):
        paths.append(system)
    return paths


@functools.cache
def _library() -> ctypes.CDLL | None:
    for path in _candidates():
        try:
            library = ctypes.CDLL(path)
            library.opus_decoder_create.restype = ctypes.c_void_p
            library.opus_decoder_create.argtypes = [
                ctypes.c_int32, ctypes.c_int, ctypes.POINTER(ctypes.c_int)
            ]  # fmt: skip
            library.opus_decode.restype = ctypes.c_int
            library.opus_decode.argtypes = [
                ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32,
                ctypes.POINTER(ctypes.c_int16), ctypes.c_int, ctypes.c_int,
            ]  # fmt: skip
            library.opus_decoder_destroy.argtypes = [ctypes.c_void_p]
            library.opus_packet_get_nb_samples.restype = ctypes.c_int
            library.opus_packet_get_nb_samples.argtypes = [
                ctypes.c_char_p, ctypes.c_int32, ctypes.c_int32
            ]  # fmt: skip
            if hasattr(library, "opus_packet_has_lbrr"):  # libopus 1.5 and newer
                library.opus_packet_has_lbrr.restype = ctypes.c_int
                library.opus_packet_has_lbrr.argtypes = [ctypes.c_char_p, ctypes.c_int32]
            return library
        except (OSError, AttributeError):
            continue
    logger.warning("libopus not found: audio loss is concealed with silence")
    return None


class OpusDecoder:
    """One Opus stream, 48 kHz stereo s16. Each call returns interleaved PCM bytes."""

    def __init__(self, library: ctypes.CDLL) -> None:
        self._lib = library
        error = ctypes.c_int(0)
        handle = library.opus_decoder_create(SAMPLE_RATE, CHANNELS, ctypes.byref(error))
        if error.value != OPUS_OK or not handle:
            raise RuntimeError(f"opus_decoder_create failed ({error.value})")
        self._handle: int | None = handle
        self._pcm = (ctypes.c_int16 * (MAX_FRAME_SAMPLES * CHANNELS))()

    def samples_in(self, payload: bytes) -> int:
        """How many samples (per channel) the packet holds; 0 if it is not valid Opus."""
        count = self._lib.opus_packet_get_nb_samples(payload, len(payload), SAMPLE_RATE)
        return max(0, int(count))

    def has_fec(self, payload: bytes) -> bool | None:
        """Whether the packet carries in-band FEC for the one before it (None: this libopus
        cannot tell)."""
        if not hasattr(self._lib, "opus_packet_has_lbrr"):
            return None
        return bool(self._lib.opus_packet_has_lbrr(payload, len(payload)) > 0)

    def _decode(self, payload: bytes | None, samples: int, fec: bool) -> bytes:
        if self._handle is None:
            raise RuntimeError("decoder closed")
        count = self._lib.opus_decode(
            self._handle,
            payload,
            len(payload) if payload else 0,
            self._pcm,
            min(samples, MAX_FRAME_SAMPLES),
            1 if fec else 0,
        )
        if count < 0:
            raise ValueError(f"opus_decode failed ({count})")
        return ctypes.string_at(self._pcm, count * CHANNELS * 2)

    def decode(self, payload: bytes) -> bytes:
        return self._decode(payload, MAX_FRAME_SAMPLES, fec=False)

    def conceal(self, samples: int) -> bytes:
        """Packet loss concealment: ``samples`` made up from what came before."""
        return self._decode(None, samples, fec=False)

    def recover(self, next_payload: bytes, samples: int) -> bytes:
        """The lost frame before ``next_payload`` from its in-band FEC (libopus falls back to
        concealment when the packet carries none)."""
        return self._decode(next_payload, samples, fec=True)

    def close(self) -> None:
        if self._handle is not None:
            self._lib.opus_decoder_destroy(self._handle)
            self._handle = None

    def __del__(self) -> None:
        self.close()


def load_opus() -> OpusDecoder | None:
    """A decoder from libopus, or None when the library cannot be loaded."""
    library = _library()
    return OpusDecoder(library) if library is not None else None
