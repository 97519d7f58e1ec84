// The hub's endpoints for this page (same origin, docs/protocol.md): the sign-in of the
// advisor accounts, the supervisor's figures and the administration of accounts. Errors come
// back as the customer page's ApiError (status, the hub's code, the field to blame).

import { ApiError, request } from "../../js/api.js";
import { csvFilename, csvUrl, figuresUrl } from "./figurequery.js";

export { ApiError };

export const hub = {
  login: (username, password) => request("POST", "/api/advisor/login", { body: { username, password } }),
  logout: (token) => request("POST", "/api/advisor/logout", { token }),
  summary: (token) => request("GET", "/api/supervisor/summary", { token }),
  figures: (token, range) => request("GET", figuresUrl(range), { token }),
  accounts: (token) => request("GET", "/api/admin/accounts", { token }),
  addAccount: (token, body) => request("POST", "/api/admin/accounts", { token, body }),
  changeAccount: (token, id, body) => request("PATCH", `/api/admin/accounts/${encodeURIComponent(id)}`, { token, body }),
  setPassword: (token, id, password) =>
    request("POST", `/api/admin/accounts/${encodeURIComponent(id)}/password`, { token, body: { password } }),
  audit: (token, before = null, limit = 50) => {
    const params = new URLSearchParams({ limit: String(limit) });
    if (before !== null) params.set("before", String(before));
    return request("GET", `/api/admin/audit?${params.toString()}`, { token });
  },
};

/** Fetch the figures as CSV with the sign-in's token and hand the file to the browser (a plain
 * link could not carry the Authorization header). */
export async function downloadCsv(token, range) {
  let response;
  try {
    response = await fetch(csvUrl(range), {
      headers: { Authorization: `Bearer ${token}`, Accept: "text/csv" },
      cache: "no-store",
      credentials: "same-origin",
    });
  } catch (error) {
    throw new ApiError(0, "network", String(error && error.message ? error.message : error));
  }
  if (!response.ok) {
    let payload = null;
    try {
      payload = await response.json();
    } catch {
      payload = null;
    }
    const error = (payload && payload.error) || {};
    throw new ApiError(response.status, error.code || `http_${response.status}`, error.message || "", error.field || null);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = csvFilename(range);
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10000);
}
