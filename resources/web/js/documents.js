// The document area: the advisor's pages and marks will appear here (the documents issue
// fills it in). From now on the element exists and the two data channels the advisor opens
// are kept here, replaced whenever a new peer connection comes up:
//   "documents" – reliable and ordered: pages, strokes, pins, snapshots;
//   "pointer"   – unordered, no retransmits: the laser pointer;
//   "marks"     – unordered, no retransmits: the stroke being drawn, ahead of loss
//                 ("stroke.tail"; "documents" still carries every point).

export const documents = {
  /** @type {{documents: RTCDataChannel|null, pointer: RTCDataChannel|null, marks: RTCDataChannel|null}} */
  channels: { documents: null, pointer: null, marks: null },
  /** @type {HTMLElement|null} the area in the session view */
  element: null,
  /** Handlers by channel label, called with each message event (set by the documents code). */
  handlers: { documents: null, pointer: null, marks: null },
  /** Called with (label, channel) when a channel is kept (set by the document view). */
  onChannel: null,
  /** Called with a "media.state" message (the advisor's camera and microphone, not a document
   * message; set by main.js); returns false when it refuses the message. */
  onMediaState: null,
  /** Called with a "media.audio_first" message (the pictures paused for a weak line; set by
   * the session step); returns false when it refuses the message. */
  onAudioFirst: null,
  /** Called with {title, page, count} when a page is shown, null when sharing stops (set by
   * the session step: a shared document takes the stage). */
  onShown: null,
  /** How many messages arrived on each channel (for diagnostics and tests). */
  received: { documents: 0, pointer: 0, marks: 0 },
};

export function setDocumentArea(element) {
  documents.element = element;
}

/** Keep a data channel the advisor opened (from RTCPeerConnection.ondatachannel). */
export function keepChannel(channel) {
  const label = channel.label;
  if (!(label in documents.channels)) return;
  const previous = documents.channels[label];
  if (previous && previous !== channel && previous.readyState !== "closed") previous.close();
  channel.binaryType = "arraybuffer";
  documents.channels[label] = channel;
  channel.addEventListener("message", (event) => {
    documents.received[label] += 1;
    documents.handlers[label]?.(event);
  });
  documents.onChannel?.(label, channel);
}

export function forgetChannels() {
  for (const label of Object.keys(documents.channels)) {
    const channel = documents.channels[label];
    if (channel && channel.readyState !== "closed") channel.close();
    documents.channels[label] = null;
  }
}
