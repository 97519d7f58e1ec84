"""Echo benchmark (issue 14): the advisor's microphone in a synthetic room, through libwebrtc's
audio processing (advisor_app.rtc.audio_processing, livekit's AudioProcessingModule) and,
in the same run, unprocessed (the baseline: what the workstation sent before).

The room (48 kHz mono, fixed seeds): far-end and near-end speech are synthetic vowels (a glottal
pulse train with a wandering pitch through three formant resonators, syllables of 120-350 ms
with pauses); the far end reaches the microphone through an echo path (a delay of
``--delay-ms``, an attenuation of ``--erl-db``, a reverberant impulse response of 120 ms
decaying with an RT60 of 200 ms); room noise (pink-ish, slowly modulated) at ``--snr-db`` below
the near-end speech. Timeline of the ``--seconds`` (30):

    0-10 s   far end only          (convergence; ERLE over 5-10 s)
    10-18 s  double talk           (near-end preserved?)
    18-23 s  far end only          (ERLE after double talk)
    23-27 s  near end only         (added latency: lag of output against input)
    27-30 s  room noise only       (noise reduction)

Printed, processed against unprocessed: ERLE (echo return loss enhancement, dB, far-end-only
periods after convergence; target >= 25 dB), convergence time, near-end preservation in double
talk (correlation with the clean near-end speech, and its segmental SNR after a least-squares
gain), noise reduction, CPU per 10 ms frame (p50/p99, far end + microphone), the latency the
stage adds (algorithmic, from the signals; and the threaded stage's hand-off with the
re-chunking of Qt-sized chunks). Configurations: everything on with room noise (what ships),
echo cancellation alone without noise (the canceller by itself).

    .venv/bin/python benchmarks/echo.py
    .venv/bin/python benchmarks/echo.py --delay-ms 120 --erl-db 6 --snr-db 10
    .venv/bin/python benchmarks/echo.py --wav /tmp/audio   # 10 s before/after as WAV files

For listening, with real speech (espeak-ng) and measurements on the files written (sox):
benchmarks/echo_listen.py --write-wav DIR.
"""

from __future__ import annotations

import argparse
import sys
import time
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from advisor_app.rtc.audio_processing import (  # noqa: E402
    FRAME_SAMPLES,
    AudioProcessor,
    LivekitBackend,
    ProcessingCore,
    ProcessingOptions,
    livekit_version,
)

RATE = 48_000
PERIODS = {  # seconds
    "far": (0.0, 10.0),
    "double": (10.0, 18.0),
    "far2": (18.0, 23.0),
    "near": (23.0, 27.0),
    "noise": (27.0, 30.0),
}
VOWELS = [
    (730, 1090, 2440),
    (270, 2290, 3010),
    (300, 870, 2240),
    (530, 1840, 2480),
    (570, 840, 2410),
]


def resonator(signal: np.ndarray, frequency: float, bandwidth: float) -> np.ndarray:
    """A two-pole resonance (formant), by its impulse response (decayed after 40 ms)."""
    r = np.exp(-np.pi * bandwidth / RATE)
    n = np.arange(int(0.04 * RATE))
    theta = 2 * np.pi * frequency / RATE
    response = r**n * np.sin(theta * (n + 1)) / np.sin(theta)
    return np.convolve(signal, response)[: signal.size]


def speech(seconds: float, seed: int, pitch: float) -> np.ndarray:
    """Synthetic speech: voiced syllables with pauses, unit RMS while talking."""
    rng = np.random.default_rng(seed)
    total = int(seconds * RATE)
    out = np.zeros(total)
    position = 0
    while position < total:
        length = int(rng.uniform(0.12, 0.35) * RATE)
        f0 = pitch * rng.uniform(0.8, 1.25) * (1 + 0.1 * np.sin(np.linspace(0, 3, length)))
        phase = np.cumsum(f0 / RATE)
        pulses = np.diff(np.floor(phase), prepend=0.0) + 0.02 * rng.standard_normal(length)
        formants = VOWELS[rng.integers(len(VOWELS))]
        voiced = sum(resonator(pulses, f, 80 + f / 20) for f in formants)
        envelope = np.sin(np.linspace(0, np.pi, length)) ** 0.7
        end = min(total, position + length)
        out[position:end] = (voiced * envelope)[: end - position]
        position = end + int(rng.uniform(0.03, 0.25) * RATE)  # pause
    return out / np.sqrt(np.mean(out[out != 0] ** 2))


def room_noise(seconds: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    white = rng.standard_normal(int(seconds * RATE))
    spectrum = np.fft.rfft(white)
    frequencies = np.fft.rfftfreq(white.size, 1 / RATE)
    spectrum /= np.sqrt(np.maximum(frequencies, 50))  # pink-ish: office hum, ventilation
    noise = np.fft.irfft(spectrum, white.size)
    modulation = 1 + 0.2 * np.sin(2 * np.pi * 0.3 * np.arange(noise.size) / RATE)
    noise *= modulation
    return noise / np.sqrt(np.mean(noise**2))


def echo_path(delay_ms: float, erl_db: float, seed: int) -> np.ndarray:
    """Impulse response: delay, a direct sound, 120 ms of exponentially decaying reverberation."""
    rng = np.random.default_rng(seed)
    delay = int(delay_ms * RATE / 1000)
    tail = int(0.12 * RATE)
    decay = np.exp(-6.9 * np.arange(tail) / (0.2 * RATE))  # RT60 200 ms
    response = np.zeros(delay + tail)
    response[delay] = 1.0
    response[delay + 1 :] += 0.5 * rng.standard_normal(tail - 1) * decay[1:] / np.sqrt(tail / 20)
    return response / np.sqrt(np.sum(response**2)) * 10 ** (-erl_db / 20)


@dataclass
class Room:
    far: np.ndarray  # what goes to the speaker
    echo: np.ndarray  # the far end as the microphone picks it up
    near: np.ndarray  # the advisor's voice at the microphone
    noise: np.ndarray
    mic: np.ndarray  # echo + near + noise, int16

    def segment(self, name: str) -> slice:
        start, end = PERIODS[name]
        return slice(int(start * RATE), int(end * RATE))


def make_room(seconds: float, delay_ms: float, erl_db: float, snr_db: float, noise: bool) -> Room:
    level = 0.1 * 32767  # speech at -20 dBFS RMS
    far = speech(seconds, seed=1, pitch=190) * level
    far[int(PERIODS["near"][0] * RATE) :] = 0  # far end silent from the near-only period on
    near = speech(seconds, seed=2, pitch=115) * level * 0.7
    talking = np.zeros_like(near)
    for name in ("double", "near"):
        start, end = PERIODS[name]
        talking[int(start * RATE) : int(end * RATE)] = 1
    near *= talking
    echo = np.convolve(far, echo_path(delay_ms, erl_db, seed=3))[: far.size]
    near_rms = np.sqrt(np.mean(near[near != 0] ** 2))
    hiss = room_noise(seconds, seed=4) * near_rms * 10 ** (-snr_db / 20) if noise else 0 * near
    mic = np.clip(np.round(echo + near + hiss), -32768, 32767).astype(np.int16)
    far16 = np.clip(np.round(far), -32768, 32767).astype(np.int16)
    return Room(far16, echo, near, hiss, mic)


def process(room: Room, options: ProcessingOptions, delay_ms: float) -> tuple[np.ndarray, list]:
    """Frame by frame, as the stage does: far end first, then the microphone's frame."""
    core = ProcessingCore(LivekitBackend(options), options)
    out = np.empty_like(room.mic)
    costs = []
    for start in range(0, room.mic.size - FRAME_SAMPLES + 1, FRAME_SAMPLES):
        window = slice(start, start + FRAME_SAMPLES)
        render = bytearray(room.far[window].tobytes())
        capture = bytearray(room.mic[window].tobytes())
        began = time.perf_counter()
        core.render(render)
        core.capture(capture, delay_ms)
        costs.append(time.perf_counter() - began)
        out[window] = np.frombuffer(capture, np.int16)
    return out, costs


def power(x: np.ndarray) -> float:
    return float(np.mean(np.asarray(x, float) ** 2)) + 1e-9


def db(ratio: float) -> float:
    return 10 * np.log10(ratio)


def erle(mic: np.ndarray, out: np.ndarray, part: slice, skip_s: float = 0.0) -> float:
    start = part.start + int(skip_s * RATE)
    return db(power(mic[start : part.stop]) / power(out[start : part.stop]))


def echo_erle(mic: np.ndarray, out: np.ndarray, room: Room, part: slice, skip_s: float) -> str:
    """ERLE of the echo alone in a noisy room: the noise's power (from the noise-only period,
    before and after processing) taken off both sides. '>' when the residual echo is below what
    the noise floor lets one measure."""
    noise = room.segment("noise")
    start = part.start + int(skip_s * RATE)
    echo_in = power(mic[start : part.stop]) - power(mic[noise])
    echo_out = power(out[start : part.stop]) - power(out[noise])
    floor = 0.05 * power(out[noise])  # 5 % of the residual noise: below that, not measurable
    if echo_out <= floor:
        return f">{db(echo_in / floor):.1f}"
    return f"{db(echo_in / echo_out):.1f}"


def convergence_s(mic: np.ndarray, out: np.ndarray, room: Room, part: slice) -> float:
    """Time from the start until the 250 ms ERLE of the echo alone (windows with far-end
    speech; the noise's power, from the noise-only period, taken off both sides) first reaches
    the final ERLE less 3 dB and stays there in 80 % of the following windows. A window whose
    residual echo is under the noise floor counts as converged."""
    noise = room.segment("noise")
    noisy = bool(np.any(room.noise))
    noise_in, noise_out = (power(mic[noise]), power(out[noise])) if noisy else (0.0, 0.0)
    floor = 0.05 * noise_out + 1.0
    window = RATE // 4
    values, times = [], []
    for start in range(part.start, part.stop - window, window):
        piece = slice(start, start + window)
        if power(room.far[piece]) > 1e3:
            echo_in = max(power(mic[piece]) - noise_in, 1.0)
            values.append(db(echo_in / max(power(out[piece]) - noise_out, floor)))
            times.append((start - part.start) / RATE)
    if not values:
        return float("nan")
    final = float(np.median(values[len(values) // 2 :]))
    good = np.array(values) >= final - 3
    for index in range(len(values)):
        if good[index] and good[index:].mean() >= 0.8:
            return times[index]
    return float("nan")


TRANSFER_SAMPLES = 4096  # 85 ms: the stage's whole linear response (delay and phase) fits
PRECURSOR = 256  # samples of the fitted response allowed before lag 0


def transfer(near: np.ndarray, out: np.ndarray, part: slice) -> np.ndarray:
    """The processing's linear response to the near end, fitted on a near-end-only stretch
    (cross-spectrum over auto-spectrum, Welch-averaged): its delay (9-15 ms, the module's
    latency), the high-pass filter's phase and the band splitting's. Without it the output
    cannot be compared with the clean near end sample by sample: the lag is not one number
    across the band (the high-pass turns the low harmonics' phase), and a single-lag
    comparison reads 0.65 even where the module passes speech untouched."""
    size = TRANSFER_SAMPLES
    window = np.hanning(size)
    x_all, y_all = np.asarray(near[part], float), np.asarray(out[part], float)
    cross = np.zeros(size // 2 + 1, complex)
    auto = np.zeros(size // 2 + 1)
    for start in range(0, x_all.size - size, size // 2):
        x = np.fft.rfft(x_all[start : start + size] * window)
        y = np.fft.rfft(y_all[start : start + size] * window)
        cross += np.conj(x) * y
        auto += np.abs(x) ** 2
    response = np.fft.irfft(cross / (auto + 1e-9 * auto.max()), size)
    return np.roll(response, PRECURSOR)


def lag_ms(response: np.ndarray) -> float:
    """The delay of the fitted response's main peak: the stage's latency on speech."""
    return (int(np.argmax(np.abs(response))) - PRECURSOR) / RATE * 1000


def speech_band(x: np.ndarray) -> np.ndarray:
    """100 Hz-7 kHz, where the near end's speech is."""
    spectrum = np.fft.rfft(np.asarray(x, float))
    frequencies = np.fft.rfftfreq(len(x), 1 / RATE)
    spectrum[(frequencies < 100) | (frequencies > 7000)] = 0
    return np.fft.irfft(spectrum, len(x))


def preservation(
    near: np.ndarray, out: np.ndarray, part: slice, response: np.ndarray
) -> tuple[float, float]:
    """The clean near end passed through the stage's linear response (``transfer``: delay and
    phase aligned), against the output in ``part``: correlation, and segmental SNR (20 ms
    segments with speech, after a least-squares gain per segment: the gain control may change
    the level). What is lost is what the processing did beyond its latency: suppression in
    double talk, residual echo, noise."""
    aligned = np.convolve(np.asarray(near, float), response)[PRECURSOR : PRECURSOR + near.size]
    reference = speech_band(aligned[part])
    signal = speech_band(out[part])
    correlation = float(np.corrcoef(reference, signal)[0, 1])
    segment = RATE // 50
    snrs = []
    for start in range(0, reference.size - segment, segment):
        r = reference[start : start + segment]
        if power(r) < 1e4:
            continue
        s = signal[start : start + segment]
        gain = float(np.dot(r, s) / np.dot(r, r))
        snrs.append(np.clip(db(power(gain * r) / power(s - gain * r)), -10, 35))
    return correlation, float(np.mean(snrs)) if snrs else float("nan")


def rechunk_wait_ms(chunk_samples: int = 882, chunks: int = 10_000) -> tuple[float, float]:
    """What the re-chunking adds, from the arithmetic of the two sizes: Qt hands the microphone
    over in chunks of ``chunk_samples`` (882: every 18.4 ms); the module takes whole 10 ms
    frames, so the samples at the end of a chunk that do not fill a frame wait for the next
    chunk. (mean over all samples, maximum) of that wait, in ms; unprocessed audio went out
    with its own chunk."""
    period_ms = chunk_samples / RATE * 1000
    index = np.arange(chunks * chunk_samples)
    arrives = index // chunk_samples  # the chunk a sample comes with
    last_of_frame = (index // FRAME_SAMPLES + 1) * FRAME_SAMPLES - 1  # its frame's last sample
    complete = last_of_frame // chunk_samples  # the chunk that completes the frame
    waits = (complete - arrives)[: (chunks - 1) * chunk_samples] * period_ms
    return float(waits.mean()), float(waits.max())


def stage_latency(options: ProcessingOptions, chunk_samples: int = 882) -> float:
    """The threaded stage with Qt-sized chunks (882 samples: 18.4 ms): p50 of the time from
    handing a chunk over until the frames it completes are processed, in ms."""
    rng = np.random.default_rng(5)
    handoffs = []
    with AudioProcessor(options) as stage:
        for _ in range(200):
            chunk = (rng.standard_normal(chunk_samples) * 1000).astype(np.int16).tobytes()
            whole = (stage._capture.pending // 2 + chunk_samples) // FRAME_SAMPLES
            expected = stage.frames_processed + whole  # the frames this chunk completes
            began = time.perf_counter()
            stage.push_capture(chunk)
            deadline = began + 1
            while stage.frames_processed < expected and time.perf_counter() < deadline:
                time.sleep(0.0001)
            handoffs.append(time.perf_counter() - began)
            stage.read(chunk_samples * 2)
    return float(np.percentile(handoffs, 50) * 1000)


def write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(np.asarray(samples, np.int16).tobytes())


def run(args: argparse.Namespace) -> None:
    print(f"livekit {livekit_version()}; echo path {args.delay_ms:.0f} ms, ERL {args.erl_db} dB, ")
    print(f"room noise {args.snr_db} dB below the near end; {args.seconds:.0f} s at 48 kHz\n")
    configurations = [
        (
            "what ships: echo cancellation + noise suppression, room noise",
            ProcessingOptions(),
            True,
        ),
        ("everything on (gain control too), room noise", ProcessingOptions(True, True, True), True),
        ("echo cancellation only, no room noise", ProcessingOptions(True, False, False), False),
    ]
    for title, options, noisy in configurations:
        room = make_room(args.seconds, args.delay_ms, args.erl_db, args.snr_db, noisy)
        out, costs = process(room, options, args.delay_ms + 10)
        mic = room.mic
        near_only = room.segment("near")
        response = transfer(room.near, out, near_only)
        base_corr, base_snr = preservation(
            room.near, mic, room.segment("double"), transfer(room.near, mic, near_only)
        )
        corr, seg_snr = preservation(room.near, out, room.segment("double"), response)
        ceiling_corr, ceiling_snr = preservation(room.near, out, near_only, response)
        print(f"== {title}")
        print(f"{'':38}{'unprocessed':>14}{'processed':>12}")
        rows = [
            ("ERLE, far end only 5-10 s (dB)", 0.0, erle(mic, out, room.segment("far"), 5)),
            ("ERLE, far end only after double talk", 0.0, erle(mic, out, room.segment("far2"), 1)),
            ("near end in double talk: correlation", base_corr, corr),  # both aligned
            ("near end in double talk: seg. SNR dB", base_snr, seg_snr),
        ]
        if noisy:
            rows.append(
                ("noise reduction, noise only (dB)", 0.0, erle(mic, out, room.segment("noise")))
            )
        for label, before, after in rows:
            print(f"{label:38}{before:14.2f}{after:12.2f}")
        converged = convergence_s(mic, out, room, room.segment("far"))
        p50, p99 = np.percentile(costs, [50, 99]) * 1000
        if noisy:
            far1 = echo_erle(mic, out, room, room.segment("far"), 5)
            far2 = echo_erle(mic, out, room, room.segment("far2"), 1)
            print(f"{'ERLE of the echo alone (noise taken off)':38}{'0':>14}{far1:>12} /{far2}")
        print(f"{'convergence (s after far end starts)':38}{'-':>14}{converged:12.2f}")
        print(f"{'CPU per 10 ms frame p50/p99 (ms)':38}{'0':>14}{p50:7.3f}/{p99:.3f}")
        ceiling = f"{ceiling_corr:.2f}/{ceiling_snr:.1f}"
        print(f"{'near end alone: correlation/seg. SNR':38}{'':>14}{ceiling:>12}")
        print(f"{'latency on speech (ms)':38}{'0':>14}{lag_ms(response):12.2f}")
        if options.auto_gain_control:
            # The gain control's gain: against the same run without it, per period.
            plain, _ = process(room, ProcessingOptions(True, True, False), args.delay_ms + 10)
            gains = [
                db(power(out[room.segment(name)]) / power(plain[room.segment(name)]))
                for name in ("far", "double", "far2", "near")
            ]
            text = "/".join(f"{gain:.1f}" for gain in gains)
            print(f"{'its gain: far/double/far2/near (dB)':38}{'':>14}{text:>12}")
        if args.wav and title.startswith("what ships"):
            folder = Path(args.wav)
            folder.mkdir(parents=True, exist_ok=True)
            excerpt = slice(int(5 * RATE), int(15 * RATE))  # 5 s far end only, 5 s double talk
            for name, data in (("before", mic), ("after", out), ("far_end", room.far)):
                write_wav(folder / f"{name}.wav", data[excerpt])
            echo_only = slice(int(5 * RATE), int(10 * RATE))
            rms_before = np.sqrt(power(mic[echo_only]))
            rms_after = np.sqrt(power(out[echo_only]))
            print(
                f"WAV: {folder}/before.wav, after.wav, far_end.wav (5-15 s); echo-only 5-10 s RMS "
                f"{rms_before:.0f} -> {rms_after:.0f} ({db(rms_before**2 / rms_after**2):.1f} dB)"
            )
        print()
    handoff = stage_latency(ProcessingOptions())
    mean_wait, max_wait = rechunk_wait_ms()
    print("threaded stage, Qt-sized chunks of 18.4 ms (added to the latency on speech above):")
    print(
        f"  re-chunking into 10 ms frames: a sample waits {mean_wait:.2f} ms on average, "
        f"{max_wait:.1f} ms at most"
    )
    print(f"  hand-off to the processing thread until processed, p50: {handoff:.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--delay-ms", type=float, default=80.0)
    parser.add_argument("--erl-db", type=float, default=10.0, help="echo path attenuation")
    parser.add_argument("--snr-db", type=float, default=15.0)
    parser.add_argument("--wav", help="folder for 10 s before/after WAV files")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
