// The advisor's camera and microphone: "media.state" on the documents channel
// (advisor_app/protocol/documents.py MediaState, docs/protocol.md §14.4). The advisor sends it
// on every change and first thing on every new channel, so the page can show "Kamera aus" in
// place of a black picture and say in its status line what really arrives.

const FIELDS = ["type", "camera", "microphone"];

/** What the page assumes until told otherwise (a new consultation starts with both on). */
export const ALL_ON = Object.freeze({ camera: true, microphone: true });

/** {camera, microphone} from a media.state message, or null unless it is exactly one: both
 * booleans and no other field, the advisor side's own rules. */
export function checkMediaState(message) {
  if (!message || typeof message !== "object" || message.type !== "media.state") return null;
  const keys = Object.keys(message);
  if (keys.length !== FIELDS.length || !keys.every((key) => FIELDS.includes(key))) return null;
  if (typeof message.camera !== "boolean" || typeof message.microphone !== "boolean") return null;
  return { camera: message.camera, microphone: message.microphone };
}
