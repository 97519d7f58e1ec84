"""Recording a consultation at the advisor's end (issue 18, MiFID II Art. 16(7)).

The media runs peer to peer, so the only place that has both sides is the advisor's
workstation; the hub never carries live media (it gets the finished, sealed segments).

**What is recorded.** Both audio directions as one stereo track (left: the advisor's processed
microphone as sent; right: the customer's audio as received), so that any player plays both
sides at once and each side can still be heard or measured alone. Three video tracks: the
advisor's camera as sent, the customer's camera as received, and the shared document stage
(the page shown with its marks, 1 frame a second). The stage is a video track rather than page
images and mark events as an attachment: it needs no viewer of ours in ten years' time, is in
time with the voices, and costs little (a still page compresses to almost nothing). Frames are
time-stamped by their arrival on the workstation's clock, all tracks on one time line; muted
sound and a switched-off camera are recorded as the silence and black the customer got. A
camera that sends nothing (an audio-only call, a stalled line) is recorded as its last picture,
black before the first, once a second: the muxer writes nothing while a video track is empty.

**Container: WebM (Matroska) with VP8 and Opus, written as a live stream.** Matroska in live
mode writes its header once and then self-contained clusters (about a second each) with no
index at the end, so *any prefix of the file is a playable recording*: the segments are simply
consecutive pieces of that one byte stream, and a crash loses only the piece not yet sealed.
(MP4 needs its index at the end, or fragments that are held until the next key frame; a cut
MP4 without a moov atom plays nowhere.) VP8 and Opus are royalty free (no H.264 patent pool
for a bank's own software), are what aiortc already encodes with, and WebM opens in every
browser on a bank's desktop (Edge, Chrome, Firefox) and in VLC; the tracks beyond the first
video are chosen in VLC or extracted with ffmpeg (``-map 0:v:1``).

**Segments, encrypted at rest.** Every ``segment_seconds`` the bytes the muxer wrote are sealed
with AES-256-GCM under the recording's key (advisor_app.protocol.recording) and written to a
file in the workstation's user data folder (written to a temporary name, flushed to disk, then
renamed: a crash leaves a whole segment or none). The key comes from the hub and is held in
memory only, so a file left behind cannot be read on the laptop; the hub opens it on upload.
"""

from advisor_app.rtc.recording.recorder import Recorder, RecorderSettings
from advisor_app.rtc.recording.store import SegmentStore, StoredSegment

__all__ = ["Recorder", "RecorderSettings", "SegmentStore", "StoredSegment"]
