"""The microphone's audio processing (issue 14): the effect is there, switching it off passes
the samples through untouched, re-chunking keeps every sample, and without livekit audio
still flows, with a notice. (Effects, not timing: the figures are benchmarks/echo.py's.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from advisor_app.core.app_config import load_app_config
from advisor_app.core.system_check import check_audio_processing
from advisor_app.rtc.audio_processing import (
    FRAME_BYTES,
    FRAME_SAMPLES,
    AudioProcessor,
    LivekitBackend,
    ProcessingCore,
    ProcessingOptions,
    Rechunker,
)

RATE = 48_000


def far_and_mic(seconds: float = 6.0) -> tuple[np.ndarray, np.ndarray]:
    """Fixed speech-shaped far end (noise bursts, lowpassed), its echo at the microphone:
    60 ms later, 10 dB weaker, through a short decaying impulse response."""
    rng = np.random.default_rng(14)
    n = int(seconds * RATE)
    noise = np.convolve(rng.standard_normal(n), np.ones(8) / 8, "same")
    bursts = (np.sin(2 * np.pi * 3 * np.arange(n) / RATE) > -0.3).astype(float)
    far = noise * bursts * 3000 / noise.std()
    response = np.zeros(int(0.06 * RATE) + 2400)
    response[int(0.06 * RATE)] = 1
    tail = rng.standard_normal(2399) * np.exp(-np.arange(2399) / 600) * 0.1
    response[int(0.06 * RATE) + 1 :] = tail
    response *= 10 ** (-10 / 20) / np.sqrt(np.sum(response**2))
    echo = np.convolve(far, response)[:n]
    return far.astype(np.int16), np.round(echo).astype(np.int16)


def run(core: ProcessingCore, far: np.ndarray, mic: np.ndarray) -> np.ndarray:
    out = np.empty_like(mic)
    for start in range(0, mic.size, FRAME_SAMPLES):
        window = slice(start, start + FRAME_SAMPLES)
        core.render(bytearray(far[window].tobytes()))
        out[window] = np.frombuffer(core.capture(bytearray(mic[window].tobytes()), 70), np.int16)
    return out


def test_echo_cancellation_removes_at_least_15_db_of_echo() -> None:
    far, mic = far_and_mic()
    options = ProcessingOptions(echo_cancellation=True, noise_suppression=False,
                                auto_gain_control=False)  # fmt: skip
    out = run(ProcessingCore(LivekitBackend(options), options), far, mic)
    last = slice(-2 * RATE, None)  # after convergence
    erle = 10 * np.log10(np.mean(mic[last].astype(float) ** 2) /
                         (np.mean(out[last].astype(float) ** 2) + 1e-9))  # fmt: skip
    assert erle >= 15, erle


def test_switched_off_the_samples_pass_through_bit_exact() -> None:
    far, mic = far_and_mic(0.15)  # within the stage's 200 ms buffer
    off = ProcessingOptions(False, False, False)
    with AudioProcessor(off) as stage:
        assert not stage.active and stage.notice is None
        stage.push_playout(far.tobytes(), 50)
        stage.push_capture(mic.tobytes()[:1001])  # odd sizes too
        stage.push_capture(mic.tobytes()[1001:])
        assert stage.read(mic.nbytes) == mic.tobytes()
        assert "off" in stage.status


def test_rechunking_keeps_every_sample_in_order() -> None:
    rng = np.random.default_rng(1)
    data = rng.integers(-32768, 32767, 48_000, dtype=np.int16).tobytes()
    chunker = Rechunker()
    frames: list[bytearray] = []
    position = 0
    while position < len(data):
        size = int(rng.integers(1, 4000))  # any size, also odd bytes
        frames += chunker.push(data[position : position + size])
        position += size
    assert all(len(frame) == FRAME_BYTES for frame in frames)
    assert b"".join(frames) + bytes(chunker._pending) == data
    assert chunker.pending < FRAME_BYTES


class _Copy:
    """A module that changes nothing: the stage's own plumbing, frame for frame."""

    def __init__(self, _options: ProcessingOptions) -> None:
        self.delays: list[int] = []

    def render(self, frame: bytearray) -> None:
        pass

    def capture(self, frame: bytearray) -> None:
        pass

    def set_delay(self, delay_ms: int) -> None:
        self.delays.append(delay_ms)


def test_the_threaded_stage_delivers_every_sample_in_order() -> None:
    data = (np.arange(48_000) % 30_000 + 1).astype(np.int16).tobytes()  # no zeros
    with AudioProcessor(ProcessingOptions(), loader=_Copy) as stage:
        assert stage.active
        out = bytearray()
        for start in range(0, len(data), 1764):  # Qt-sized chunks of 18.4 ms
            stage.push_capture(data[start : start + 1764])
            stage.push_playout(bytes(1764), queued_ms=40)
            deadline = time.monotonic() + 2
            while stage._capture_frames and time.monotonic() < deadline:
                time.sleep(0.001)
            time.sleep(0.002)
            out += stage.read(1764)
        got = np.frombuffer(bytes(out), np.int16)
        delivered = got[got != 0]  # the silence is padding while a frame was not yet whole
        sent = np.frombuffer(data, np.int16)
        assert np.array_equal(delivered, sent[: delivered.size])
        assert delivered.size >= sent.size - 2 * FRAME_SAMPLES
        assert stage.delay_ms >= 40


def _unavailable(_options: ProcessingOptions) -> LivekitBackend:
    raise OSError("liblivekit_ffi.so: cannot open shared object file")


def test_without_the_module_audio_passes_through_and_the_notice_says_so() -> None:
    notices: list[str] = []
    mic = np.arange(4800, dtype=np.int16).tobytes()
    with AudioProcessor(ProcessingOptions(), loader=_unavailable,
                        on_notice=notices.append) as stage:  # fmt: skip
        assert not stage.active
        stage.push_playout(bytes(960), 20)
        stage.push_capture(mic)
        assert stage.read(len(mic)) == mic
        assert stage.notice and "liblivekit_ffi" in stage.notice
        assert notices == [stage.notice]
        assert stage.status.startswith("unprocessed")
        result = check_audio_processing(stage)
        assert not result.ok and "unprocessed" in result.detail


_WITHOUT_THE_LIBRARY = """
import json
import numpy as np
from advisor_app.core.system_check import check_audio_processing
from advisor_app.rtc.audio_processing import AudioProcessor, ProcessingOptions

notices = []
mic = (np.arange(4800) % 2000 + 1).astype(np.int16).tobytes()
with AudioProcessor(ProcessingOptions(), on_notice=notices.append) as stage:
    stage.push_playout(bytes(960), 20)
    stage.push_capture(mic)
    check = check_audio_processing(required=True)
    print(json.dumps({"active": stage.active, "passed": stage.read(len(mic)) == mic,
                      "notices": notices, "status": stage.status,
                      "check": [check.ok, check.detail]}))
"""


def test_without_livekits_native_library_the_real_loader_falls_back(tmp_path: Path) -> None:
    """As a frozen build that lacks liblivekit_ffi: the real loader (no stand-in), in a fresh
    interpreter whose livekit is pointed at a library that is not there (its LIVEKIT_LIB_PATH):
    the microphone passes through unprocessed, the notice says why, the system check fails."""
    env = {**os.environ, "LIVEKIT_LIB_PATH": str(tmp_path / "liblivekit_ffi.so")}
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_THE_LIBRARY],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert not state["active"] and state["passed"]
    assert len(state["notices"]) == 1 and "liblivekit_ffi" in state["notices"][0]
    assert state["status"].startswith("unprocessed: audio processing is not available")
    ok, detail = state["check"]
    assert not ok and detail.startswith("unprocessed") and "liblivekit_ffi" in detail


def test_a_failure_while_running_falls_back_to_unprocessed_audio() -> None:
    class Failing(_Copy):
        def capture(self, frame: bytearray) -> None:
            raise RuntimeError("apm error")

    notices: list[str] = []
    with AudioProcessor(ProcessingOptions(), loader=Failing, on_notice=notices.append) as stage:
        stage.push_capture(bytes(range(256)) * 15)
        deadline = time.monotonic() + 2
        while stage.active and time.monotonic() < deadline:
            time.sleep(0.001)
        assert not stage.active and notices and "apm error" in notices[0]
        assert stage.read(3840) == bytes(range(256)) * 15


def test_the_system_check_reports_active_processing() -> None:
    result = check_audio_processing()
    assert result.ok and result.detail.startswith("active: echo cancellation")
    assert check_audio_processing(options=ProcessingOptions(False, False, False)).ok


@pytest.mark.parametrize("name", ["echo_cancellation", "noise_suppression", "auto_gain_control"])
def test_the_defaults_and_that_it_can_preset_them(name: str) -> None:
    default = name != "auto_gain_control"  # gain control off by default: see below
    assert getattr(load_app_config(environ={}, policies=[]), name) is default
    policy = {"echo_cancellation": "EchoCancellation", "noise_suppression": "NoiseSuppression",
              "auto_gain_control": "AutoGainControl"}[name]  # fmt: skip
    for value in (0, 1):
        config = load_app_config(environ={}, policies=[("HKLM", {policy: value})])
        assert getattr(config, name) is bool(value) and config.is_locked(name)
    for text in ("off", "on"):
        config = load_app_config(environ={f"ADVISOR_APP_{name.upper()}": text}, policies=[])
        assert getattr(config, name) is (text == "on") and config.is_locked(name)


def test_the_defaults_agree_and_leave_gain_control_off() -> None:
    """Gain control off by default (it lifts residual echo until the advisor has spoken:
    benchmarks/echo.py); the workstation's config and the module's options say the same."""
    from advisor_app.core.app_config import AppConfig

    config = AppConfig()
    assert ProcessingOptions() == ProcessingOptions(
        config.echo_cancellation, config.noise_suppression, config.auto_gain_control
    )
    assert not ProcessingOptions().auto_gain_control
