// Showing a field's error beside it and an alert above a form (shared by the steps' forms).

import { localize } from "./i18n.js";

export function setFieldError(input, errorElement, result) {
  if (result && result.error) {
    input.setAttribute("aria-invalid", "true");
    localize(errorElement, result.error, result.args);
    errorElement.hidden = false;
  } else {
    input.removeAttribute("aria-invalid");
    errorElement.textContent = "";
    delete errorElement.dataset.i18n;
    errorElement.hidden = true;
  }
}

export function showAlert(element, key, args) {
  if (!key) {
    element.hidden = true;
    element.textContent = "";
    delete element.dataset.i18n;
    return;
  }
  localize(element, key, args);
  element.hidden = false;
}

/** Clear a field's error as soon as the customer changes it. */
export function clearOnInput(input, errorElement) {
  for (const type of ["input", "change"]) input.addEventListener(type, () => setFieldError(input, errorElement, null));
}

/** The hub's general refusals in the customer's words: [key, args]. */
export function generalError(error) {
  if (error.code === "network") return ["err.network"];
  if (error.code === "rate_limited") return ["err.rateLimited"];
  if (error.code === "closed") return ["err.closed"];
  return ["err.generic", { reason: error.code }];
}
