"""Listening test for the microphone's audio processing (issue 14): 10 s of WAV files a person
can play, what goes to the customer before and after libwebrtc's echo cancellation and noise
suppression (the settings that ship), and what was measured on the files written.

    .venv/bin/python benchmarks/echo_listen.py --write-wav /tmp/echo-listen
    .venv/bin/python benchmarks/echo_listen.py --write-wav /tmp/echo-listen --warmup-s 10

The speech is real speech made at run time by espeak-ng (``bash scripts/setup.sh install``
installs it, and sox): the customer (far end) and the advisor (near end) each say a German and
an English sentence. Without espeak-ng both are benchmarks/echo.py's synthetic vowels. The room
is echo.py's: the far end reaches the microphone after ``--delay-ms`` through a reverberant
echo path ``--erl-db`` weaker; room noise ``--snr-db`` below the advisor's speech. Timeline:

    0-4 s      far end only   (the customer talks, the advisor listens: echo only)
    4-7.5 s    double talk    (both talk: is the advisor still heard?)
    7.5-9.5 s  near end only  (the advisor alone)
    9.5-10 s   room noise only (the noise floor)

Written to DIR: far_end.wav (what the speaker plays), near_clean.wav (the advisor's voice alone,
for reference), mic_unprocessed.wav (echo + advisor + room noise: what the customer heard
without processing, the baseline of the same run) and processed.wav (what the customer hears
now); with sox also a spectrogram of the two microphone files. The files are then read back and
measured per segment: RMS in dBFS (numpy, and sox ``stats`` when installed), the residual echo
(the noise's power taken off), the advisor's speech in double talk (the least-squares component
of the clean near end, delay and phase aligned as in echo.py), the noise floor.

``--warmup-s`` runs that much of the far end through the module before the 10 s (a call already
under way); 0, the default, is the start of a call, with the canceller still converging in the
first second.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from echo import (
    RATE,
    Room,
    db,
    echo_path,
    power,
    process,
    room_noise,
    speech,
    transfer,
    write_wav,
)

from advisor_app.rtc.audio_processing import ProcessingOptions, livekit_version

SECONDS = 10.0
SEGMENTS = {  # seconds within the 10 s written
    "far end only, first 1 s": (0.0, 1.0),
    "far end only, 1-4 s": (1.0, 4.0),
    "double talk": (4.0, 7.5),
    "near end only": (7.5, 9.5),
    "room noise only": (9.5, 10.0),
}
FAR_SPAN = (0.0, 7.5)
NEAR_SPAN = (4.0, 9.5)
# (espeak-ng voice, sentence): the customer asks, the advisor answers
FAR_SENTENCES = [
    ("de+f3", "Guten Tag. Ich habe eine Frage zu meinem Angebot für die Baufinanzierung."),
    ("en+f3", "Could you explain the monthly rate to me once more, please?"),
    ("de+f3", "Und was passiert, wenn ich früher zurückzahlen möchte?"),
]
NEAR_SENTENCES = [
    ("de+m3", "Ja, gerne. Die Rate setzt sich aus Zins und Tilgung zusammen."),
    ("en+m3", "You may repay up to five percent a year free of charge."),
]
FAR_DBFS = -20.0  # the customer's speech, RMS while talking, as played
NEAR_DBFS = -23.0  # the advisor's speech at the microphone


def resample(x: np.ndarray, rate: int) -> np.ndarray:
    """To 48 kHz through the FFT (espeak-ng speaks at 22.05 kHz)."""
    size = round(x.size * RATE / rate)
    spectrum = np.fft.rfft(x)
    out = np.zeros(size // 2 + 1, complex)
    count = min(out.size, spectrum.size)
    out[:count] = spectrum[:count]
    return np.fft.irfft(out, size) * size / x.size


def espeak(voice: str, text: str) -> np.ndarray | None:
    """One sentence from espeak-ng at 48 kHz, or None without it."""
    if shutil.which("espeak-ng") is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "speech.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", "165", "-w", str(path), text],
            check=True,
            capture_output=True,
        )
        with wave.open(str(path), "rb") as source:
            rate = source.getframerate()
            data = np.frombuffer(source.readframes(source.getnframes()), np.int16)
    return resample(data.astype(float), rate)


def talking_rms(x: np.ndarray) -> float:
    """RMS over the samples in 20 ms blocks within 30 dB of the loudest block (pauses out)."""
    block = RATE // 50
    blocks = x[: x.size // block * block].reshape(-1, block)
    powers = np.mean(blocks**2, axis=1)
    loud = blocks[powers > powers.max() * 1e-3]
    return float(np.sqrt(np.mean(loud**2)))


def place(sentences: list[tuple[str, str]], span: tuple[float, float], seed: int, pitch: float):
    """The sentences one after another (a 250 ms pause between) within ``span`` of the 10 s,
    cut with a 20 ms fade where the span ends; unit RMS while talking. Returns (signal, kind)."""
    total = np.zeros(int(SECONDS * RATE))
    start, end = (int(t * RATE) for t in span)
    parts = [espeak(voice, text) for voice, text in sentences]
    if any(part is None for part in parts):
        voice = speech(SECONDS, seed, pitch)
        total[start:end] = voice[: end - start]
        return total / talking_rms(total[start:end]), "synthetic vowels (no espeak-ng)"
    gap = np.zeros(RATE // 4)
    joined = np.concatenate([np.concatenate([part, gap]) for part in parts if part is not None])
    while joined.size < end - start:
        joined = np.concatenate([joined, joined])
    piece = joined[: end - start].copy()
    fade = RATE // 50
    piece[-fade:] *= np.linspace(1, 0, fade)
    total[start:end] = piece
    return total / talking_rms(piece), "espeak-ng " + ", ".join(v for v, _ in sentences)


def make(args: argparse.Namespace) -> tuple[Room, np.ndarray, int, str]:
    """The 10 s room, with ``--warmup-s`` of far end before it: (room, clean near end aligned
    with the microphone, warm-up samples, what spoke)."""
    far, far_kind = place(FAR_SENTENCES, FAR_SPAN, seed=1, pitch=190)
    near, near_kind = place(NEAR_SENTENCES, NEAR_SPAN, seed=2, pitch=115)
    far *= 32768 * 10 ** (FAR_DBFS / 20)
    near *= 32768 * 10 ** (NEAR_DBFS / 20)
    warmup = int(args.warmup_s * RATE)
    if warmup:  # the customer's sentences again, as the call's earlier seconds
        earlier = np.tile(far[: int(FAR_SPAN[1] * RATE)], warmup // int(FAR_SPAN[1] * RATE) + 1)
        far = np.concatenate([earlier[:warmup], far])
        near = np.concatenate([np.zeros(warmup), near])
    seconds = far.size / RATE
    echo = np.convolve(far, echo_path(args.delay_ms, args.erl_db, seed=3))[: far.size]
    near_rms = 32768 * 10 ** (NEAR_DBFS / 20)
    noise = room_noise(seconds, seed=4) * near_rms * 10 ** (-args.snr_db / 20)
    mic = np.clip(np.round(echo + near + noise), -32768, 32767).astype(np.int16)
    far16 = np.clip(np.round(far), -32768, 32767).astype(np.int16)
    kind = f"far end: {far_kind}; near end: {near_kind}"
    return Room(far16, echo, near, noise, mic), near, warmup, kind


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as source:
        return np.frombuffer(source.readframes(source.getnframes()), np.int16).astype(float)


def level(mean_square: float) -> float:
    """dB relative to full scale, as sox's 'RMS lev dB' (a full-scale square is 0)."""
    return 10 * np.log10(max(mean_square, 1e-9) / 32768**2)


def dbfs(x: np.ndarray) -> float:
    return level(power(x))


def split(reference: np.ndarray, signal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``signal`` as the aligned clean near end times a gain per 20 ms (the suppressor's gain
    changes that fast) plus the rest: (the advisor's speech in it, echo + noise + distortion)."""
    block = RATE // 50
    speech_part = np.zeros_like(signal)
    for start in range(0, signal.size, block):
        r, s = reference[start : start + block], signal[start : start + block]
        energy = float(np.dot(r, r))
        if energy > 0:
            speech_part[start : start + block] = max(0.0, float(np.dot(r, s)) / energy) * r
    return speech_part, signal - speech_part


def sox_stats(path: Path, span: tuple[float, float]) -> dict[str, float]:
    """sox's ``stats`` of one segment of a file: {'RMS lev dB': ..., ...}; {} without sox."""
    if shutil.which("sox") is None:
        return {}
    start, end = span
    result = subprocess.run(
        ["sox", str(path), "-n", "trim", f"{start}", f"={end}", "stats"],
        capture_output=True,
        text=True,
        check=True,
    )
    values = {}
    for line in result.stderr.splitlines():
        match = re.match(r"(.+?)\s{2,}(-?[\d.]+|-inf)\s*$", line)
        if match:
            values[match.group(1).strip()] = float(match.group(2))
    return values


def spectrogram(wav: Path, title: str) -> Path | None:
    if shutil.which("sox") is None:
        return None
    png = wav.with_suffix(".png")
    subprocess.run(
        ["sox", str(wav), "-n", "spectrogram", "-x", "1200", "-y", "513", "-z", "90",
         "-t", title, "-o", str(png)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return png


def run(args: argparse.Namespace) -> None:
    folder = Path(args.write_wav)
    folder.mkdir(parents=True, exist_ok=True)
    room, near, warmup, kind = make(args)
    options = ProcessingOptions()  # what ships: echo cancellation + noise suppression
    out, costs = process(room, options, args.delay_ms + 10)
    keep = slice(warmup, warmup + int(SECONDS * RATE))
    files = {
        "far_end": room.far[keep],
        "near_clean": np.clip(np.round(near[keep]), -32768, 32767),
        "mic_unprocessed": room.mic[keep],
        "processed": out[keep],
    }
    for name, data in files.items():
        write_wav(folder / f"{name}.wav", data)
    print(f"livekit {livekit_version()}; {kind}")
    print(
        f"echo path {args.delay_ms:.0f} ms, ERL {args.erl_db} dB; room noise {args.snr_db} dB "
        f"below the advisor; far end {FAR_DBFS} dBFS, advisor {NEAR_DBFS} dBFS while talking; "
        f"warm-up {args.warmup_s:.0f} s; settings: echo cancellation + noise suppression"
    )
    print(f"wrote {folder}/far_end.wav, near_clean.wav, mic_unprocessed.wav, processed.wav (10 s)")

    # Everything below from the files as written.
    mic = read_wav(folder / "mic_unprocessed.wav")
    processed = read_wav(folder / "processed.wav")
    clean = read_wav(folder / "near_clean.wav")
    segment = {name: slice(int(a * RATE), int(b * RATE)) for name, (a, b) in SEGMENTS.items()}
    print("\nRMS per segment, dBFS (numpy on the files; sox stats in brackets)")
    print(f"{'':26}{'unprocessed':>18}{'processed':>18}{'change dB':>11}")
    for name, span in SEGMENTS.items():
        before, after = dbfs(mic[segment[name]]), dbfs(processed[segment[name]])
        sox_before = sox_stats(folder / "mic_unprocessed.wav", span).get("RMS lev dB")
        sox_after = sox_stats(folder / "processed.wav", span).get("RMS lev dB")
        left = f"{before:.1f}" + (f" [{sox_before:.1f}]" if sox_before is not None else "")
        right = f"{after:.1f}" + (f" [{sox_after:.1f}]" if sox_after is not None else "")
        print(f"{name:26}{left:>18}{right:>18}{after - before:11.1f}")

    noise = segment["room noise only"]
    noise_before, noise_after = power(mic[noise]), power(processed[noise])
    print("\nwhat a listener hears")
    for name in ("far end only, first 1 s", "far end only, 1-4 s"):
        part = segment[name]
        echo_before = max(power(mic[part]) - noise_before, 1e-9)
        echo_after = power(processed[part]) - noise_after
        measurable = echo_after > 0.05 * noise_after
        level_after = (
            f"{level(echo_after):.1f} dBFS"
            if measurable
            else f"under what the noise lets one measure (< {level(0.05 * noise_after):.1f} dBFS)"
        )
        print(
            f"  residual echo, {name}: {level(echo_before):.1f} dBFS -> {level_after} "
            "(the noise's power taken off)"
        )
    near_part = segment["near end only"]
    response = transfer(clean, processed, near_part)
    aligned = np.convolve(clean, response)[256 : 256 + clean.size]  # echo.PRECURSOR
    mic_response = transfer(clean, mic, near_part)
    mic_aligned = np.convolve(clean, mic_response)[256 : 256 + clean.size]
    for name in ("double talk", "near end only"):
        part = segment[name]
        rows = []
        for signal, reference in ((mic, mic_aligned), (processed, aligned)):
            speech_part, rest = split(reference[part], signal[part])
            rows.append((dbfs(speech_part), dbfs(rest)))
        (near_in, rest_in), (near_out, rest_out) = rows
        print(
            f"  advisor's speech, {name}: {dbfs(clean[part]):.1f} dBFS said, "
            f"{near_in:.1f} in the microphone, {near_out:.1f} processed "
            f"({near_out - near_in:+.1f} dB); everything else (echo, noise, distortion) "
            f"{rest_in:.1f} -> {rest_out:.1f} dBFS"
        )
    print(
        f"  noise floor (room noise only): {dbfs(mic[noise]):.1f} -> {dbfs(processed[noise]):.1f}"
        f" dBFS ({db(noise_before / noise_after):.1f} dB less)"
    )
    p50, p99 = np.percentile(costs, [50, 99]) * 1000
    print(f"  CPU per 10 ms frame p50/p99: {p50:.3f}/{p99:.3f} ms")
    pictures = [
        spectrogram(folder / "mic_unprocessed.wav", "microphone, unprocessed"),
        spectrogram(folder / "processed.wav", "processed (echo cancellation + noise suppression)"),
    ]
    if all(pictures):
        print(f"spectrograms: {', '.join(str(p) for p in pictures)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write-wav", metavar="DIR", required=True, help="folder for the WAVs")
    parser.add_argument("--delay-ms", type=float, default=80.0)
    parser.add_argument("--erl-db", type=float, default=10.0, help="echo path attenuation")
    parser.add_argument("--snr-db", type=float, default=15.0)
    parser.add_argument("--warmup-s", type=float, default=0.0, help="far end before the 10 s")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
