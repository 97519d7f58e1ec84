"""Chromium for the customer page tests, and a scripted advisor on the other side.

The browser runs with fake camera and microphone; an init script counts what the page asks
for (getUserMedia calls, RTCPeerConnection objects, print dialogs) so tests can prove what a
mode does and does not do.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import Any

from advisor_app.core.hub_client import HubClient, LinkState
from advisor_app.core.session import AdvisorSession, MediaSources
from advisor_app.rtc.tracks import TestPictureTrack, ToneTrack
from tests.support.hub import PASSWORD

# Re-exported: the e2e tests import them from here.
from tests.support.polling import until as until
from tests.support.polling import until_async as until_async

CHROMIUM = "/usr/bin/chromium"
BASE_ARGS = [
    "--use-fake-device-for-media-stream",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Camera and microphone are granted without a prompt.
GRANTING_ARGS = [*BASE_ARGS, "--use-fake-ui-for-media-stream"]
# Every permission prompt is answered with "block".
DENYING_ARGS = [*BASE_ARGS, "--deny-permission-prompts"]

# Runs before the page's own scripts in every document of a context.
COUNTING_SCRIPT = """
(() => {
  const e2e = { getUserMedia: 0, peerConnections: 0, prints: 0, pcs: [], streams: [] };
  Object.defineProperty(window, "__e2e", { value: e2e });
  const devices = navigator.mediaDevices;
  if (devices && devices.getUserMedia) {
    const original = devices.getUserMedia.bind(devices);
    devices.getUserMedia = (constraints) => {
      e2e.getUserMedia += 1;
      return original(constraints).then((stream) => { e2e.streams.push(stream); return stream; });
    };
  }
  const Original = window.RTCPeerConnection;
  if (Original) {
    window.RTCPeerConnection = class extends Original {
      constructor(...args) {
        super(...args);
        e2e.peerConnections += 1;
        e2e.pcs.push(this);
      }
    };
  }
  window.print = () => { e2e.prints += 1; };
})();
"""

# What the page's current peer connection has received, by kind.
INBOUND_STATS_SCRIPT = """
async () => {
  const pcs = window.__e2e.pcs.filter((pc) => pc.signalingState !== "closed");
  const pc = pcs[pcs.length - 1];
  if (!pc) return null;
  const result = { state: pc.connectionState };
  (await pc.getStats()).forEach((report) => {
    if (report.type === "inbound-rtp") {
      result[report.kind] = {
        packets: report.packetsReceived || 0,
        frames: report.framesDecoded || 0,
        bytes: report.bytesReceived || 0,
      };
    }
  });
  return result;
}
"""

# Every visible text of the page (text nodes, labels, placeholders), and the title.
VISIBLE_STRINGS_SCRIPT = """
(skipLang) => {
  const strings = new Set();
  const add = (text) => {
    const clean = (text || "").replace(/\\s+/g, " ").trim();
    if (clean) strings.add(clean);
  };
  const skip = (element) => skipLang && element.closest(`[lang="${skipLang}"]`);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest("script, style, noscript") || skip(parent)) continue;
    if (!parent.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
    add(node.textContent);
  }
  const names = ["aria-label", "placeholder", "title", "alt"];
  const labelled = document.body.querySelectorAll(names.map((name) => `[${name}]`).join(","));
  for (const element of labelled) {
    if (skip(element) || !element.checkVisibility()) continue;
    for (const name of names) add(element.getAttribute(name));
  }
  add(document.title);
  return Array.from(strings);
}
"""

# Text whose colour is too close to its background (WCAG 2 AA: 4.5:1, large text 3:1).
CONTRAST_SCRIPT = """
() => {
  const parse = (value) => {
    const parts = (value.match(/rgba?\\(([^)]+)\\)/) || [, ""])[1].split(/[\\s,/]+/).filter(Boolean);
    if (parts.length < 3) return null;
    return { r: +parts[0], g: +parts[1], b: +parts[2], a: parts.length > 3 ? +parts[3] : 1 };
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const channel = (value) => {
    const c = value / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const ratio = (a, b) => {
    const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (light + 0.05) / (dark + 0.05);
  };
  const failures = [];
  const checked = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!element || checked.has(element) || !node.textContent.trim()) continue;
    checked.add(element);
    if (!element.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
    if (element.closest("fieldset:disabled, :disabled, .sr-only")) continue;
    const chain = [];
    let opacity = 1;
    let unknown = false;
    for (let at = element; at; at = at.parentElement) {
      const style = getComputedStyle(at);
      opacity *= +style.opacity;
      if (style.backgroundImage !== "none" || at.tagName === "VIDEO") unknown = true;
      const background = parse(style.backgroundColor);
      if (background && background.a > 0) chain.push(background);
    }
    if (unknown) continue;
    let background = { r: 255, g: 255, b: 255, a: 1 };
    for (const layer of chain.reverse()) background = over(layer, background);
    const style = getComputedStyle(element);
    const color = parse(style.color);
    const text = over({ ...color, a: color.a * opacity }, background);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && +style.fontWeight >= 700);
    const value = ratio(text, background);
    if (value < (large ? 3 : 4.5)) {
      failures.push({ text: node.textContent.trim().slice(0, 60), ratio: +value.toFixed(2) });
    }
  }
  return failures;
}
"""

# Controls without an accessible name show in the ARIA snapshot as a bare role.
UNNAMED_CONTROL = re.compile(
    r"^\s*- (button|textbox|checkbox|radio|switch|link|combobox|slider)\b(?! \")", re.M
)


def synthetic_media() -> MediaSources:
    return MediaSources(audio=ToneTrack, video=TestPictureTrack)


@contextlib.asynccontextmanager
async def scripted_advisor(hub_url: str, username: str = "anna"):  # type: ignore[no-untyped-def]
    """An advisor (core, no Qt) signed in with a test picture and a tone as camera and mic."""
    client = HubClient(hub_url)
    await client.login(username, PASSWORD)
    session = AdvisorSession(client, synthetic_media())
    await session.start()
    try:
        await until(lambda: client.state == LinkState.CONNECTED, what="advisor hub link")
        yield session
    finally:
        await session.stop()


class Screenshots:
    """Saves screenshots when E2E_SCREENSHOTS names a folder (for looking at the design)."""

    def __init__(self) -> None:
        folder = os.environ.get("E2E_SCREENSHOTS")
        self.folder = Path(folder) if folder else None
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)

    async def take(self, page: Any, name: str, full_page: bool = True) -> None:
        if self.folder is not None:
            await page.screenshot(path=str(self.folder / f"{name}.png"), full_page=full_page)
