// The hub's HTTP endpoints (same origin). Errors come back as ApiError with the hub's code
// and, where one field is to blame, its JSON path (e.g. "$.phone").

export class ApiError extends Error {
  constructor(status, code, message, field = null, reason = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.reason = reason; // why the field was refused (docs/protocol.md §3.1); never parse message
  }
}

const TIMEOUT_MS = 15000;

export async function request(method, path, { body, token } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  const options = {
    method,
    headers,
    cache: "no-store",
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  };
  if (typeof AbortSignal !== "undefined" && AbortSignal.timeout) {
    options.signal = AbortSignal.timeout(TIMEOUT_MS);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    throw new ApiError(0, "network", String(error && error.message ? error.message : error));
  }
  if (response.status === 204) return null;
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (!response.ok) {
    const error = payload && payload.error ? payload.error : {};
    throw new ApiError(
      response.status,
      error.code || `http_${response.status}`,
      error.message || response.statusText,
      error.field || null,
      error.reason || null,
    );
  }
  return payload;
}

export const api = {
  status: () => request("GET", "/api/status"),
  fields: () => request("GET", "/api/fields"),
  bank: () => request("GET", "/api/bank"),
  check: (body) => request("POST", "/api/customers/check", { body }),
  notices: () => request("GET", "/notices.json"),
  join: (body) => request("POST", "/api/customers", { body }),
  leave: (token) => request("DELETE", "/api/customers/me", { token }),
  iceServers: (token) => request("GET", "/api/customers/me/ice-servers", { token }),
  transcript: (token) => request("GET", "/api/customers/me/transcript", { token }),
  leaveMessage: (body) => request("POST", "/api/messages", { body }),
};

/** The URL of the consultation record (PDF: the facts, the shown pages with their marks and
 * the chat). The hub makes it at the end of every consultation. */
export function recordUrl(token) {
  return `/api/customers/me/record?${new URLSearchParams({ token }).toString()}`;
}

/** Whether the record is there yet (the hub answers 200 with ready true or false: a 404
 * would be logged in the browser's console on every look). */
export async function recordReady(token) {
  try {
    const answer = await request("GET", "/api/customers/me/record/ready", { token });
    return Boolean(answer && answer.ready);
  } catch {
    return false;
  }
}

/** The URL of the chat alone as PDF (laid out as the record's chat part). */
export function transcriptPdfUrl(token) {
  return `/api/customers/me/transcript.pdf?${new URLSearchParams({ token }).toString()}`;
}
