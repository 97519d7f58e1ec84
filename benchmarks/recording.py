"""Recording benchmark (issue 18): what recording at the advisor's end costs.

A real hub (``advisor-hub serve``) and a simulated customer (aiortc: a 640×480 test picture
and a tone) run in child processes; the advisor's core AdvisorSession runs in this process
with the same synthetic media, as the demo does. Calls alternate: without recording (the
baseline, a topic the hub does not record) and with it (a topic whose policy is mandatory).

Figures:
- the advisor's CPU (this process: user + system) over a window of each call, as % of one
  core, with and without recording (target: recording adds at most 15 % of one core);
- the upload rate: a recording whose upload waited for the end (upload_during_call off) sent
  to the hub in one pass;
- the delay from the end of a consultation (the advisor's End) to its recording being at the
  hub, checked and sealed (its part listed as complete), with the upload running during the
  call (the default).

    .venv/bin/python benchmarks/recording.py            # 2 rounds of 15 s calls
    .venv/bin/python benchmarks/recording.py --rounds 3 --seconds 20 --keep DIR
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from advisor_app.core.hub_client import HubClient, LinkState  # noqa: E402
from advisor_app.core.session import AdvisorSession, MediaSources, Phase  # noqa: E402
from advisor_app.rtc.recording import RecorderSettings  # noqa: E402
from advisor_app.rtc.tracks import TestPictureTrack, ToneTrack  # noqa: E402

PASSWORD = "benchmark password 1"
HUB = Path(sys.executable).with_name("advisor-hub")
TARGET_ADDED_PERCENT = 15.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def until(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def start_hub(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    env = {
        **os.environ,
        "ADVISOR_HUB_RECORDING_POLICY_BY_TOPIC": "aufzeichnung=mandatory",
        "ADVISOR_HUB_CONNECTIONS_PER_ADDRESS": "100000",
        "ADVISOR_HUB_JOINS_PER_ADDRESS": "100000",
    }
    for user in ("anna", "compliance"):
        subprocess.run(
            [str(HUB), "add-advisor", user, "--data-dir", str(data_dir)],
            input=(PASSWORD + "\n").encode(),
            check=True,
            capture_output=True,
            env=env,
        )
    subprocess.run(
        [str(HUB), "set-role", "compliance", "compliance", "--data-dir", str(data_dir)],
        check=True,
        capture_output=True,
        env=env,
    )
    port = free_port()
    process = subprocess.Popen(
        [str(HUB), "serve", "--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return process, f"http://127.0.0.1:{port}"


async def wait_for_hub(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(url + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the hub did not start")


def start_customer(url: str, topic: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(Path(__file__)), "--customer", url, "--topic", topic],
        stdout=subprocess.DEVNULL,
    )


async def customer_main(url: str, topic: str) -> None:
    from advisor_app.demo.customer import SimulatedCustomer

    customer = SimulatedCustomer(
        url, topic=topic, greeting=None, recording_consent=True if topic else None
    )
    await customer.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await customer.close()


async def recording_complete(url: str, reference: str) -> bool:
    async with aiohttp.ClientSession() as session:
        async with session.post(
            url + "/api/advisor/login", json={"username": "compliance", "password": PASSWORD}
        ) as response:
            token = (await response.json())["token"]
        headers = {"Authorization": f"Bearer {token}"}
        async with session.get(
            f"{url}/api/compliance/consultations/{reference}/recording", headers=headers
        ) as response:
            return response.status == 200 and 1 in (await response.json())["complete_parts"]


async def one_call(
    advisor: AdvisorSession, url: str, *, recorded: bool, live_upload: bool, seconds: float
) -> dict[str, Any]:
    advisor.upload_during_call = live_upload
    customer = start_customer(url, "aufzeichnung" if recorded else "")
    try:
        await until(lambda: len(advisor.queue) == 1, 60, "the customer in the queue")
        info = await advisor.take_next()
        consultation = advisor.consultation
        assert consultation is not None
        await until(lambda: consultation.phase == Phase.CONNECTED, 60, "media")
        if recorded:
            await until(lambda: advisor.is_recording, 30, "recording")
        first = advisor.remote_video.frames_received
        await until(lambda: advisor.remote_video.frames_received > first + 30, 60, "customer video")
        await asyncio.sleep(2)  # settled
        recorder = advisor.recording.recorder if advisor.recording is not None else None
        cpu, wall = cpu_seconds(), time.monotonic()
        own = recorder.cpu_seconds if recorder is not None else 0.0
        frames = advisor.remote_video.frames_received
        await asyncio.sleep(seconds)
        cpu, wall = cpu_seconds() - cpu, time.monotonic() - wall
        own = (recorder.cpu_seconds if recorder is not None else 0.0) - own
        frames = advisor.remote_video.frames_received - frames
        ended = time.monotonic()
        await advisor.end()
        await until(lambda: consultation.phase == Phase.ENDED, 30, "the end")
        result: dict[str, Any] = {
            "cpu_percent": 100 * cpu / wall,
            "recorder_thread_percent": 100 * own / wall,
            "customer_fps": frames / wall,
            "recorded": recorded,
        }
        if recorded and live_upload:
            reference = info.reference
            deadline = time.monotonic() + 120
            while not await recording_complete(url, reference):
                if time.monotonic() > deadline:
                    raise RuntimeError("the recording did not arrive")
                await asyncio.sleep(0.05)
            result["end_to_verified_s"] = time.monotonic() - ended
        elif recorded:
            # Sealed at the end, all segments go up in one pass (the uploader's own).
            # (the recording is let go once sealed and handed to the uploader)
            await until(lambda: advisor.recording is None, 30, "the recording sealed")
            await asyncio.wait_for(advisor.uploader.idle.wait(), 120)
            assert advisor.uploader.last_pass is not None
            began, ended, size, segments = advisor.uploader.last_pass
            took = ended - began
            result["upload"] = {"segments": segments, "bytes": size, "seconds": took,
                                "mbit_per_s": size * 8 / took / 1e6}  # fmt: skip
        advisor.close_consultation()
        return result
    finally:
        customer.terminate()
        customer.wait(10)


async def main(rounds: int, seconds: float, keep: Path | None) -> None:
    data = Path(tempfile.mkdtemp(prefix="recording-bench-"))
    hub, url = start_hub(data / "hub")
    try:
        await wait_for_hub(url)
        client = HubClient(url)
        await client.login("anna", PASSWORD)
        advisor = AdvisorSession(
            client, MediaSources(audio=ToneTrack, video=TestPictureTrack), data / "workstation"
        )
        advisor.recorder_settings = RecorderSettings()
        await advisor.start()
        await until(lambda: client.state == LinkState.CONNECTED, 30, "the hub link")
        results = []
        for number in range(rounds):
            for recorded in (False, True):
                live = number % 2 == 0
                result = await one_call(
                    advisor, url, recorded=recorded, live_upload=live, seconds=seconds
                )
                results.append(result)
                print(f"round {number + 1}: {result}", flush=True)
        await advisor.stop()
        base = [r["cpu_percent"] for r in results if not r["recorded"]]
        rec = [r["cpu_percent"] for r in results if r["recorded"]]
        added = sum(rec) / len(rec) - sum(base) / len(base)
        print()
        print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} (1 min)")
        print(f"advisor CPU, baseline (no recording): {sum(base) / len(base):.1f} % of one core "
              f"({', '.join(f'{v:.1f}' for v in base)})")  # fmt: skip
        print(f"advisor CPU, recording:               {sum(rec) / len(rec):.1f} % of one core "
              f"({', '.join(f'{v:.1f}' for v in rec)})")  # fmt: skip
        thread = [r["recorder_thread_percent"] for r in results if r["recorded"]]
        print(f"the recorder's own thread:            {sum(thread) / len(thread):.1f} % of one "
              f"core ({', '.join(f'{v:.1f}' for v in thread)})")  # fmt: skip
        fps = [(r["recorded"], r["customer_fps"]) for r in results]
        print(
            "customer video decoded at the advisor (fps): "
            + ", ".join(f"{'rec' if rec else 'base'} {v:.1f}" for rec, v in fps)
        )
        verdict = "within" if added <= TARGET_ADDED_PERCENT else "OVER"
        print(f"recording adds {added:.1f} % of one core ({verdict} the target of "
              f"{TARGET_ADDED_PERCENT:.0f} %)")  # fmt: skip
        for r in results:
            if "upload" in r:
                u = r["upload"]
                rate = f"{u['seconds']:.2f} s = {u['mbit_per_s']:.1f} Mbit/s (loopback)"
                print(
                    f"upload after the call: {u['segments']} segments, {u['bytes']} bytes in {rate}"
                )
            if "end_to_verified_s" in r:
                print(f"end of consultation -> recording checked and sealed at the hub: "
                      f"{r['end_to_verified_s']:.2f} s (uploading during the call)")  # fmt: skip
        if keep is not None:
            for folder in await asyncio.to_thread(
                lambda: list((data / "hub" / "recordings").iterdir())
            ):
                shutil.copytree(folder, keep / folder.name, dirs_exist_ok=True)
            print(f"recordings kept in {keep}")
    finally:
        hub.terminate()
        hub.wait(10)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--keep", type=Path, help="copy the hub's recordings here")
    parser.add_argument("--customer", help=argparse.SUPPRESS)
    parser.add_argument("--topic", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.customer:
        asyncio.run(customer_main(args.customer, args.topic))
    else:
        asyncio.run(main(args.rounds, args.seconds, args.keep))
