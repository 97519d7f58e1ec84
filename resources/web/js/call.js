// The customer's side of the WebRTC call. The advisor (aiortc) makes the offer, with complete
// SDP, as soon as it takes the customer and again whenever this page reconnects; each offer
// gets a fresh RTCPeerConnection and an answer. The page trickles its own ICE candidates.
// What flows follows the customer's choices: audio both ways, the advisor's video only if the
// customer wants to see the advisor, the customer's video only if the advisor may see them.

import { forgetChannels, keepChannel } from "./documents.js";

export class Call {
  /**
   * @param {object} consultation ConsultationInfo from the hub (ice_servers, see_advisor, show_me)
   * @param {{send: Function, onRemoteTrack: Function, onState: Function}} handlers
   */
  constructor(consultation, handlers) {
    this.consultation = consultation;
    this.handlers = handlers;
    this.pc = null;
    this.localStream = null;
    this.chain = Promise.resolve();
    this.closed = false;
    this.videoPaused = false; // audio-first: our picture not sent while the line is weak
    this.lastCounts = null;
  }

  setLocalStream(stream) {
    this.localStream = stream;
  }

  /** Handle a relayed signal (offers and candidates from the advisor), one at a time. */
  handleSignal(message) {
    this.chain = this.chain
      .then(() => this.applySignal(message))
      .catch((error) => console.warn("signaling failed", error));
    return this.chain;
  }

  async applySignal(message) {
    if (this.closed) return;
    const description = message.description;
    if (description && description.type === "offer") {
      await this.answer(description, message.offer);
    } else if (message.candidate && this.pc) {
      if (message.candidate.candidate) await this.pc.addIceCandidate(message.candidate);
    }
  }

  /** Answer ``offer`` on a fresh connection; ``number`` (the advisor's count of its offers)
   * goes back on the answer and the candidates, so late ones for a replaced offer are dropped. */
  async answer(offer, number) {
    this.closePeer();
    const pc = new RTCPeerConnection({ iceServers: this.consultation.ice_servers || [] });
    this.pc = pc;
    this.videoPaused = false; // the advisor's side judges each connection's line afresh
    this.lastCounts = null;
    let answerSent = false;
    const early = [];
    const sendCandidate = (candidate) => {
      this.handlers.send({
        type: "signal",
        consultation_id: this.consultation.consultation_id,
        candidate: {
          candidate: candidate.candidate,
          sdpMid: candidate.sdpMid,
          sdpMLineIndex: candidate.sdpMLineIndex,
        },
        offer: number,
      });
    };
    pc.addEventListener("icecandidate", (event) => {
      if (!event.candidate || !event.candidate.candidate) return;
      if (answerSent) sendCandidate(event.candidate);
      else early.push(event.candidate);
    });
    pc.addEventListener("track", (event) => {
      if (this.pc === pc) this.handlers.onRemoteTrack(event.track);
    });
    pc.addEventListener("datachannel", (event) => keepChannel(event.channel));
    pc.addEventListener("connectionstatechange", () => {
      if (this.pc === pc) this.handlers.onState(pc.connectionState);
    });
    this.handlers.onState("connecting");

    await pc.setRemoteDescription(offer);
    const audio = this.localStream ? this.localStream.getAudioTracks()[0] : null;
    const video =
      this.localStream && this.consultation.show_me ? this.localStream.getVideoTracks()[0] : null;
    for (const transceiver of pc.getTransceivers()) {
      const kind = transceiver.receiver.track.kind;
      if (kind === "audio") {
        if (audio) await transceiver.sender.replaceTrack(audio);
        transceiver.direction = audio ? "sendrecv" : "recvonly";
      } else if (kind === "video") {
        const send = Boolean(video);
        const receive = Boolean(this.consultation.see_advisor);
        if (send) await transceiver.sender.replaceTrack(video);
        transceiver.direction = send && receive ? "sendrecv" : send ? "sendonly" : receive ? "recvonly" : "inactive";
      }
    }
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    if (this.pc !== pc) return;
    this.handlers.send({
      type: "signal",
      consultation_id: this.consultation.consultation_id,
      description: { type: "answer", sdp: pc.localDescription.sdp },
      offer: number,
    });
    answerSent = true;
    for (const candidate of early) sendCandidate(candidate);
  }

  /** Send the tracks of ``stream`` (null: send nothing) on the running connection, without
   * renegotiating: a camera or microphone opened again after it failed, or none after the
   * customer went on by text. */
  async replaceLocal(stream) {
    this.localStream = stream;
    if (!this.pc) return;
    for (const transceiver of this.pc.getTransceivers()) {
      const kind = transceiver.receiver.track.kind;
      if (kind === "video" && !this.consultation.show_me) continue;
      let track = stream ? (kind === "audio" ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0]) : null;
      if (kind === "video" && this.videoPaused) track = null;
      try {
        await transceiver.sender.replaceTrack(track || null);
      } catch (error) {
        console.warn("could not replace the local track", error);
      }
    }
  }

  /** Audio-first (the advisor's side says the line cannot carry pictures): stop sending our
   * picture, or send it again, without renegotiating. */
  async setVideoPaused(paused) {
    this.videoPaused = Boolean(paused);
    if (!this.pc || !this.consultation.show_me) return;
    const track = this.videoPaused || !this.localStream ? null : this.localStream.getVideoTracks()[0] || null;
    for (const transceiver of this.pc.getTransceivers()) {
      if (transceiver.receiver.track.kind !== "video") continue;
      try {
        await transceiver.sender.replaceTrack(track);
      } catch (error) {
        console.warn("could not pause the picture", error);
      }
    }
  }

  /** The line as this page sees it, for the quality indicator: {roundTripMs, fractionLost}
   * (the worse loss of both ways lately), or null while not connected. */
  async linkFigures() {
    const pc = this.pc;
    if (!pc || pc.connectionState !== "connected") return null;
    const report = await pc.getStats();
    let roundTripMs = null;
    let lost = 0;
    let received = 0;
    let theirs = null;
    report.forEach((r) => {
      if (r.type === "candidate-pair" && r.nominated && r.state === "succeeded"
          && Number.isFinite(r.currentRoundTripTime)) {
        roundTripMs = r.currentRoundTripTime * 1000;
      } else if (r.type === "inbound-rtp") {
        lost += r.packetsLost || 0;
        received += r.packetsReceived || 0;
      } else if (r.type === "remote-inbound-rtp" && Number.isFinite(r.fractionLost)) {
        theirs = Math.max(theirs ?? 0, r.fractionLost); // what the advisor's side lost of ours
      }
    });
    // Over the last few samples (about 6 s): one short burst does not turn the dot red.
    const history = (this.lastCounts || []).concat([{ lost, received }]).slice(-4);
    this.lastCounts = history;
    const previous = history.length > 1 ? history[0] : null;
    let fractionLost = null;
    if (previous) {
      const expected = (lost - previous.lost) + (received - previous.received);
      if (expected > 0) fractionLost = Math.min(1, Math.max(0, lost - previous.lost) / expected);
    }
    if (theirs !== null) fractionLost = Math.max(fractionLost ?? 0, theirs);
    return { roundTripMs, fractionLost };
  }

  /** Switch a local track on or off without renegotiating (silence / black is sent). */
  setEnabled(kind, enabled) {
    if (!this.localStream) return;
    for (const track of this.localStream.getTracks()) {
      if (track.kind === kind) track.enabled = enabled;
    }
  }

  closePeer() {
    if (this.pc) {
      const pc = this.pc;
      this.pc = null;
      pc.close();
    }
    forgetChannels();
  }

  close() {
    this.closed = true;
    this.closePeer();
  }
}
