"""The call on a customer's weak line (issue 15): the product against Chromium<->Chromium.

Two network namespaces joined by a veth pair (benchmarks/_netns.py): the advisor's side holds
the hub and the advisor, the customer's side Chromium. Each profile shapes both directions
(``tc tbf`` rate, nftables random UDP loss). Per profile, in one invocation, one after the
other on the same shaping:

* **product**: the real AdvisorSession (aiortc; a 640x480 test picture and a tone) in a child
  process in the advisor namespace, with a real hub on a thread there; the customer is the real
  customer page in Chromium (fake camera and microphone), joined through its steps.
* **reference**: Chromium in the advisor namespace calling Chromium in the customer namespace
  (getUserMedia 640x480 both ways, offer/answer handed over by this script).

The customer joins on the clean line; the profile is applied once media flows, then a warm-up
(the estimators settle) and the measured window. Per direction: received frames per second,
freezes (gaps > 500 ms between shown frames: count, seconds), the delay of frames over the
fastest frame (p50/p95), what the sender sent (commonest size, kbit/s), and audio: for
Chromium its concealed share (PLC, expansion), for aiortc the frames that never came out
(missing) and those the playout concealed. Chromium's frames are timed by
requestVideoFrameCallback, aiortc's as the track hands them over.

Engine load (issue 15 item 4), both runs alike: ``--load N`` keeps N processes spinning on
the CPU for the whole invocation (N = half the cores: "half the machine busy");
``--busy-ui-ms M`` keeps the advisor's interpreter busy for M of every 50 ms on a thread of
its own (the workstation's UI thread shares the GIL with its engine thread), and the
reference's advisor page's main thread likewise. ``--workstation`` runs the product's
advisor as the real workstation: Qt (offscreen) on the main thread with the main window at
1366x768 showing the call and the advisor typing a chat message a second into the chat view,
the engine (aiortc, the hub client) on its own thread as in the product. The product's media
event loop's lateness (p50/p99/max) is reported with it.

Needs root (ip netns, tc, nft, ethtool; scripts/setup.sh installs them):

    .venv/bin/python benchmarks/network_quality.py                       # all profiles, 30 s
    .venv/bin/python benchmarks/network_quality.py --seconds 60 --profiles 512k-5
    .venv/bin/python benchmarks/network_quality.py --only product --json nq.json
    .venv/bin/python benchmarks/network_quality.py --profiles 1mbit-2 --load 1 --busy-ui-ms 30
    .venv/bin/python benchmarks/network_quality.py --profiles 512k-5 --workstation
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
# --source DIR: the product (advisor_app, the customer page, the journey's steps) from a copy
# such as `git archive HEAD advisor_app resources tests | tar -x -C DIR`, for before/after
# comparisons and against half-done edits in the work tree.
WORKSTATION = False  # --workstation
SOURCE = (
    Path(sys.argv[sys.argv.index("--source") + 1]).resolve() if "--source" in sys.argv else None
)
if SOURCE is not None:
    sys.path.insert(0, str(SOURCE))

from _media_figures import FREEZE_S, sent_figures, video_figures  # noqa: E402
from _netns import ADVISOR_ADDRESS, PROFILES, Profile, WeakLine, missing_tools  # noqa: E402
from _support import REPO, machine, versions  # noqa: E402

from tests.support.orphans import die_with_parent  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    # Plain host candidates: there is no mDNS responder between the namespaces.
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]
REFERENCE_ORIGIN = "http://reference.test"

# In every page before its own scripts: each peer connection's remote video is shown in a
# small element of our own and timed per frame (requestVideoFrameCallback: when it was
# presented, its RTP timestamp, its size); getStats is sampled once a second while recording.
MEASURE_SCRIPT = """
(() => {
  const nq = { frames: [], samples: [], recording: false, pcs: [], seen: 0, audio: 0 };
  Object.defineProperty(window, "__nq", { value: nq });
  const Original = window.RTCPeerConnection;
  if (!Original) return;
  const watch = (track) => {
    const video = document.createElement("video");
    video.muted = true; video.autoplay = true; video.playsInline = true;
    video.style.cssText = "position:fixed;right:0;bottom:0;width:32px;height:24px;" +
      "pointer-events:none;z-index:2147483647";
    video.srcObject = new MediaStream([track]);
    (document.body || document.documentElement).appendChild(video);
    const onFrame = (now, meta) => {
      nq.seen += 1;
      if (nq.recording) {
        nq.frames.push([(performance.timeOrigin + meta.presentationTime) / 1000,
          meta.rtpTimestamp, meta.width, meta.height]);
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
    video.play().catch(() => {});
  };
  window.RTCPeerConnection = class extends Original {
    constructor(...args) {
      super(...args);
      nq.pcs.push(this);
      this.addEventListener("track", (event) => {
        if (event.track.kind === "video") watch(event.track);
      });
    }
  };
  const sample = async () => {
    const pcs = nq.pcs.filter((pc) => pc.connectionState !== "closed");
    const pc = pcs[pcs.length - 1];
    if (!pc) return;
    const entry = { t: Date.now() / 1000 };
    (await pc.getStats()).forEach((r) => {
      if (r.type === "outbound-rtp" && r.kind === "video") {
        entry.out_video = { bytes: r.bytesSent, w: r.frameWidth, h: r.frameHeight,
          fps: r.framesPerSecond, limit: r.qualityLimitationReason };
      } else if (r.type === "outbound-rtp" && r.kind === "audio") {
        entry.out_audio = { bytes: r.bytesSent };
      } else if (r.type === "inbound-rtp" && r.kind === "audio") {
        entry.in_audio = { total: r.totalSamplesReceived, concealed: r.concealedSamples,
          silent: r.silentConcealedSamples, events: r.concealmentEvents,
          removed: r.removedSamplesForAcceleration,
          jb_delay: r.jitterBufferDelay, jb_count: r.jitterBufferEmittedCount,
          lost: r.packetsLost, received: r.packetsReceived };
      } else if (r.type === "inbound-rtp" && r.kind === "video") {
        entry.in_video = { freezes: r.freezeCount, freeze_s: r.totalFreezesDuration,
          decoded: r.framesDecoded, lost: r.packetsLost, received: r.packetsReceived,
          nacks: r.nackCount, plis: r.pliCount };
      }
    });
    nq.samples.push(entry);
  };
  nq.start = () => {
    nq.frames = []; nq.samples = []; nq.recording = true;
    sample(); nq.timer = setInterval(sample, 1000);
  };
  nq.stop = async () => {
    nq.recording = false; clearInterval(nq.timer); await sample();
    return { frames: nq.frames, samples: nq.samples };
  };
})();
"""

REFERENCE_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>reference</title>
</head><body><script>
window.ref = {
  busy(ms) {
    // The page's main thread busy for ms of every 50 ms (--busy-ui-ms), as the product's UI.
    if (ms <= 0) return;
    setInterval(() => { const t = performance.now(); while (performance.now() - t < ms); }, 50);
  },
  async start() {
    const stream = await navigator.mediaDevices.getUserMedia(
      { audio: true, video: { width: 640, height: 480 } });
    this.pc = new RTCPeerConnection({ iceServers: [] });
    for (const track of stream.getTracks()) this.pc.addTrack(track, stream);
    this.pc.addEventListener("track", (event) => {
      if (event.track.kind !== "audio") return;
      const audio = document.createElement("audio");
      audio.autoplay = true;
      audio.srcObject = new MediaStream([event.track]);
      document.body.appendChild(audio);
    });
  },
  async gathered() {
    if (this.pc.iceGatheringState !== "complete") {
      await new Promise((resolve) => this.pc.addEventListener("icegatheringstatechange",
        () => this.pc.iceGatheringState === "complete" && resolve()));
    }
    return this.pc.localDescription.sdp;
  },
  async offer() {
    await this.start();
    await this.pc.setLocalDescription(await this.pc.createOffer());
    return this.gathered();
  },
  async answer(sdp) {
    await this.start();
    await this.pc.setRemoteDescription({ type: "offer", sdp });
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    return this.gathered();
  },
  async accept(sdp) { await this.pc.setRemoteDescription({ type: "answer", sdp }); },
};
</script></body></html>"""


def chromium_args(*origins: str) -> list[str]:
    # getUserMedia needs a secure context; the hub speaks plain HTTP on the veth address.
    return [*CHROMIUM_ARGS, f"--unsafely-treat-insecure-origin-as-secure={','.join(origins)}"]


def page_figures(data: dict[str, Any], seconds: float) -> dict[str, Any]:
    """Received video and audio and sent video of one Chromium page over the window."""
    samples = data["samples"]
    video = video_figures([tuple(f) for f in data["frames"]], seconds)  # type: ignore[misc]
    first, last = (samples[0], samples[-1]) if samples else ({}, {})
    audio: dict[str, Any] = {}
    if "in_audio" in first and "in_audio" in last:
        total = (last["in_audio"]["total"] or 0) - (first["in_audio"]["total"] or 0)
        concealed = (last["in_audio"]["concealed"] or 0) - (first["in_audio"]["concealed"] or 0)
        removed = (last["in_audio"].get("removed") or 0) - (first["in_audio"].get("removed") or 0)
        audio = {
            "concealed": concealed / total if total else math.nan,
            "missing": 0.0,
            # Sped past to bring the delay down (NetEq's acceleration), as a share of playout.
            "dropped": removed / total if total else math.nan,
        }
        jb = last["in_audio"]
        if jb.get("jb_count"):
            audio["jitter_buffer_ms"] = 1000 * jb["jb_delay"] / jb["jb_count"]
    if "in_video" in first and "in_video" in last:
        video["chromium_freezes"] = (last["in_video"]["freezes"] or 0) - (
            first["in_video"]["freezes"] or 0
        )
    sent: list[dict[str, Any]] = []
    for a, b in itertools.pairwise(samples):
        if "out_video" not in a or "out_video" not in b or b["t"] <= a["t"]:
            continue
        kbps = ((b["out_video"]["bytes"] or 0) - (a["out_video"]["bytes"] or 0)) * 8 / 1000
        w, h = b["out_video"].get("w"), b["out_video"].get("h")
        sent.append({"kbps": kbps / (b["t"] - a["t"]), "size": f"{w}x{h}" if w else None,
                     "limit": b["out_video"].get("limit")})  # fmt: skip
    out = sent_figures(sent)
    limits = [s["limit"] for s in sent if s.get("limit")]
    out["limited_by"] = max(set(limits), key=limits.count) if limits else None
    return {"video_in": video, "audio_in": audio, "video_out": out}


async def read_json(stream: asyncio.StreamReader, seconds: float, what: str) -> dict[str, Any]:
    async with asyncio.timeout(seconds):
        while True:
            line = await stream.readline()
            if not line:
                raise RuntimeError(f"the advisor process ended before {what}")
            text = line.decode().strip()
            if text.startswith("{"):
                return json.loads(text)  # type: ignore[no-any-return]
            print(f"    advisor: {text}", file=sys.stderr)


async def run_product(
    playwright: Any,
    line: WeakLine,
    profile: Profile,
    warmup: float,
    seconds: float,
    busy_ui_ms: float,
) -> dict[str, Any]:
    from playwright.async_api import expect

    from tests.e2e.journey import join

    expect.set_options(timeout=30_000)
    child = await asyncio.create_subprocess_exec(
        *line.advisor.exec(
            sys.executable, str(REPO / "benchmarks" / "_nq_advisor.py"),
            "--host", ADVISOR_ADDRESS, "--warmup", str(warmup), "--seconds", str(seconds),
            "--source", str(SOURCE or REPO), "--busy-ui-ms", str(busy_ui_ms),
            *(["--workstation"] if WORKSTATION else []),
        ),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=REPO,
    )  # fmt: skip
    assert child.stdout is not None and child.stdin is not None
    browser = None
    try:
        url = (await read_json(child.stdout, 60, "the hub started"))["url"]
        browser = await playwright.chromium.launch(
            executable_path=line.chromium_in(line.customer), args=chromium_args(url)
        )
        context = await browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 800})
        await context.add_init_script(MEASURE_SCRIPT)
        page = await context.new_page()
        page.set_default_timeout(30_000)
        await join(page, url)
        started = await read_json(child.stdout, 120, "media flowed")
        assert started.get("event") == "media", started
        line.apply(profile)
        child.stdin.write(b"go\n")
        await child.stdin.drain()
        measuring = await read_json(child.stdout, warmup + 30, "the window started")
        assert measuring.get("event") == "measuring", measuring
        await page.evaluate("window.__nq.start()")
        window_started = time.monotonic()
        advisor = await read_json(child.stdout, seconds + 60, "the figures")
        data = await page.evaluate("window.__nq.stop()")
        customer = page_figures(data, time.monotonic() - window_started)
        return {"advisor": advisor, "customer": customer}
    finally:
        line.apply(PROFILES["clean"])
        if browser is not None:
            with contextlib.suppress(Exception):
                await browser.close()
        with contextlib.suppress(Exception):
            child.stdin.write(b"quit\n")
            await child.stdin.drain()
        try:
            await asyncio.wait_for(child.wait(), 20)
        except TimeoutError:
            child.kill()
            await child.wait()


async def run_reference(
    playwright: Any,
    line: WeakLine,
    profile: Profile,
    warmup: float,
    seconds: float,
    busy_ui_ms: float,
) -> dict[str, Any]:
    browsers = []
    pages = []
    try:
        for ns in (line.advisor, line.customer):
            browser = await playwright.chromium.launch(
                executable_path=line.chromium_in(ns), args=chromium_args(REFERENCE_ORIGIN)
            )
            browsers.append(browser)
            context = await browser.new_context()
            await context.add_init_script(MEASURE_SCRIPT)
            await context.route(
                f"{REFERENCE_ORIGIN}/**",
                lambda route: route.fulfill(body=REFERENCE_PAGE, content_type="text/html"),
            )
            page = await context.new_page()
            await page.goto(f"{REFERENCE_ORIGIN}/")
            pages.append(page)
        advisor, customer = pages
        offer = await advisor.evaluate("ref.offer()")
        answer = await customer.evaluate("(sdp) => ref.answer(sdp)", offer)
        await advisor.evaluate("(sdp) => ref.accept(sdp)", answer)
        for page in pages:
            await page.wait_for_function("window.__nq.seen > 0", timeout=60_000)
        line.apply(profile)
        await advisor.evaluate("(ms) => ref.busy(ms)", busy_ui_ms)
        await asyncio.sleep(warmup)
        for page in pages:
            await page.evaluate("window.__nq.start()")
        started = time.monotonic()
        await asyncio.sleep(seconds)
        data = [await page.evaluate("window.__nq.stop()") for page in pages]
        elapsed = time.monotonic() - started
        return {
            "advisor": page_figures(data[0], elapsed),
            "customer": page_figures(data[1], elapsed),
        }
    finally:
        line.apply(PROFILES["clean"])
        for browser in browsers:
            with contextlib.suppress(Exception):
                await browser.close()


def _fmt(value: Any, spec: str = ".1f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec)


def _ratio(a: Any, b: Any) -> str:
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return "-"
    if b == 0:
        return "=" if a == 0 else "inf"
    return f"{a / b:.2f}"


def report(name: str, result: dict[str, Any], seconds: float) -> list[str]:
    """Rows per direction for one profile: product, reference, ratio."""
    rows = []
    per_minute = 60 / seconds
    directions = [
        ("customer->advisor", "advisor", "customer"),  # received by the advisor
        ("advisor->customer", "customer", "advisor"),  # received by the customer
    ]
    for title, receiver, sender in directions:
        figures = {}
        for run in ("product", "reference"):
            if run not in result:
                continue
            got = result[run][receiver]
            out = result[run][sender]["video_out"]
            audio = got["audio_in"]
            video = got["video_in"]
            lost = (audio.get("missing") or 0) + (audio.get("concealed") or 0)
            figures[run] = {
                "audio_lost": lost * 100 if audio else math.nan,
                "missing": audio["missing"] * 100 if audio else math.nan,
                "concealed": audio["concealed"] * 100 if audio else math.nan,
                "dropped": audio.get("dropped", math.nan) * 100 if audio else math.nan,
                "fps": video["fps"],
                "freezes_min": video["freezes"] * per_minute,
                "freeze_s": video["freeze_s"],
                "delay_p50": video["delay_p50_ms"],
                "delay_p95": video["delay_p95_ms"],
                "size_in": video["size"],
                "sent": f"{out['size']} {_fmt(out['kbps'], '.0f')}",
            }
            rows.append(
                f"| {name} | {title} | {run} | {_fmt(figures[run]['missing'])} / "
                f"{_fmt(figures[run]['concealed'])} / {_fmt(figures[run]['dropped'])} | "
                f"{_fmt(video['fps'])} | "
                f"{_fmt(figures[run]['freezes_min'])} ({_fmt(video['freeze_s'])} s) | "
                f"{_fmt(video['delay_p50_ms'], '.0f')} / {_fmt(video['delay_p95_ms'], '.0f')} | "
                f"{video['size']} | {figures[run]['sent']} | {_fmt(result[run].get('load'))} |"
            )
        if len(figures) == 2:
            p, r = figures["product"], figures["reference"]
            rows.append(
                f"| {name} | {title} | product/reference | "
                f"{_ratio(p['audio_lost'], r['audio_lost'])} | {_ratio(p['fps'], r['fps'])} | "
                f"{_ratio(p['freezes_min'], r['freezes_min'])} | "
                f"- / {_ratio(p['delay_p95'], r['delay_p95'])} | | | |"
            )
    return rows


@contextlib.contextmanager
def machine_load(processes: int) -> Iterator[None]:
    """``processes`` busy loops beside the runs (they die with this process)."""
    spinners = [
        subprocess.Popen([*die_with_parent(), sys.executable, "-c", "while True: pass"])
        for _ in range(processes)
    ]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def product_line(name: str, result: dict[str, Any]) -> str | None:
    """How late the product's media event loop woke in the window (a busy interpreter or
    machine shows here first), and what its video receive side did."""
    advisor = result.get("product", {}).get("advisor", {})
    parts = []
    if lag := advisor.get("loop_lag_ms"):
        parts.append(
            f"media loop late p50 {lag['p50']:.1f} / p99 {lag['p99']:.1f} / max {lag['max']:.0f} ms"
        )
    if advisor.get("audio_first_s"):
        parts.append(f"audio-first (video paused) for {advisor['audio_first_s']} s")
    if video := advisor.get("video_receive"):
        parts.append(
            f"video received: {video['skipped_frames']} frames given up, "
            f"{video['keyframe_requests']} PLI, NACK recovered {video['nack_recovered']} / "
            f"gave up {video['nack_given_up']}, RTT {video['rtt_ms']:.0f} ms"
        )
        if "transport_feedbacks" in video:  # older copies under --source have none
            parts.append(f"{video['transport_feedbacks']} transport-cc feedbacks sent")
        if "fec_packets" in video:
            parts.append(
                f"FEC: {video['fec_packets']} FEC packets in {video['red_media_packets']} "
                f"RED, {video['fec_recovered']} packets rebuilt ({video['fec_checked']} "
                f"matched a retransmission, {video['fec_mismatched']} did not), "
                f"{video['fec_invalid']} invalid"
            )
    if estimate := advisor.get("send_estimate"):
        parts.append(
            f"our send estimate at the end {estimate['target_kbps']:.0f} kbit/s, cut "
            f"{estimate['delay_cuts']} times for delay and {estimate['loss_cuts']} for loss"
        )
    return f"{name} product: " + "; ".join(parts) if parts else None


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    results: dict[str, Any] = {}
    with WeakLine() as line, machine_load(args.load):
        async with async_playwright() as playwright:
            for name in args.profiles:
                profile = PROFILES[name]
                results[name] = {}
                for run in ("product", "reference"):
                    if args.only and run != args.only:
                        continue
                    print(f"  {name} ({profile}): {run} ...", flush=True)
                    runner = run_product if run == "product" else run_reference
                    try:
                        result = await runner(
                            playwright, line, profile, args.warmup, args.seconds, args.busy_ui_ms
                        )
                        # The machine's 1-minute load average at the end of the run: runs
                        # on a busy machine are told apart from those on a quiet one.
                        result["load"] = os.getloadavg()[0]
                        results[name][run] = result
                    except Exception as error:  # one failed run must not lose the others
                        print(f"    {run} failed: {error!r}", flush=True)
                for row in report(name, results[name], args.seconds):
                    print("    " + row, flush=True)
                if line_out := product_line(name, results[name]):
                    print("    " + line_out, flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="measured window per run")
    parser.add_argument("--warmup", type=float, default=8.0, help="after shaping, not measured")
    parser.add_argument(
        "--profiles", type=lambda s: s.split(","), default=list(PROFILES),
        help=f"comma-separated, from {', '.join(PROFILES)}",
    )  # fmt: skip
    parser.add_argument("--only", choices=("product", "reference"))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--source", type=Path, help="the product's code from this copy")
    parser.add_argument(
        "--load", type=int, default=0, metavar="N",
        help="N processes spinning on the CPU throughout (half the cores: half the machine)",
    )  # fmt: skip
    parser.add_argument(
        "--busy-ui-ms", type=float, default=0.0, metavar="M",
        help="the advisor's UI thread (and the reference's page) busy M of every 50 ms",
    )  # fmt: skip
    parser.add_argument(
        "--workstation", action="store_true",
        help="the product's advisor as the real Qt workstation (engine on its own thread)",
    )  # fmt: skip
    args = parser.parse_args()
    global WORKSTATION
    WORKSTATION = args.workstation
    if args.load < 0 or not 0 <= args.busy_ui_ms <= 50:
        parser.error("--load must be >= 0 and --busy-ui-ms between 0 and 50")
    if os.geteuid() != 0:
        print("needs root (network namespaces, tc, nftables)", file=sys.stderr)
        return 2
    if missing := missing_tools():
        print(f"missing: {', '.join(missing)} (scripts/setup.sh installs them)", file=sys.stderr)
        return 2
    unknown = [p for p in args.profiles if p not in PROFILES]
    if unknown:
        parser.error(f"unknown profiles: {unknown}")
    print(f"network quality · {machine()}\n  {versions()}\n  product from {SOURCE or REPO}")
    print(f"  {args.seconds:.0f} s measured per run after {args.warmup:.0f} s warm-up; "
          f"freeze: a gap > {FREEZE_S * 1000:.0f} ms")  # fmt: skip
    if WORKSTATION:
        print("  the product's advisor: the Qt workstation, main window 1366x768, a chat a second")
    if args.load or args.busy_ui_ms:
        print(f"  engine load: {args.load} spinning processes, UI thread busy "
              f"{args.busy_ui_ms:.0f} of every 50 ms")  # fmt: skip
    results = asyncio.run(main_async(args))
    print(
        "\n| profile | direction | run | audio missing / concealed / dropped % | fps | "
        "freezes/min (s) | "
        "delay p50 / p95 ms | size received | sent (size kbit/s) | load |\n"
        "|---|---|---|---|---|---|---|---|---|---|"
    )
    for name, result in results.items():
        for row in report(name, result, args.seconds):
            print(row)
    for name, result in results.items():
        if line_out := product_line(name, result):
            print(line_out)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
