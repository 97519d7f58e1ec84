// Small DOM helpers. Text always goes in through textContent (or the i18n helpers), never as
// HTML: names and chat messages are the customer's and the advisor's own input.

import { localize, localizeAttr } from "./i18n-core.js";

export function $(selector, root = document) {
  const element = root.querySelector(selector);
  if (!element) throw new Error(`missing element ${selector}`);
  return element;
}

export function $all(selector, root = document) {
  return Array.from(root.querySelectorAll(selector));
}

/** Create an element: el("p", {class: "x", i18n: "key", args: {...}}, child, "text", ...) */
export function el(tag, options = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") element.className = value;
    else if (name === "text") element.textContent = value;
    else if (name === "i18n") localize(element, value, options.args);
    else if (name === "args") continue;
    else if (name === "label") localizeAttr(element, "aria-label", value, options.labelArgs);
    else if (name === "labelArgs") continue;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return element;
}

export function show(element, visible = true) {
  element.hidden = !visible;
}

export function hide(element) {
  element.hidden = true;
}

/** Move keyboard and screen reader focus to an element (made focusable if needed). */
export function focus(element) {
  if (!element.hasAttribute("tabindex") && !isFocusable(element)) {
    element.setAttribute("tabindex", "-1");
  }
  element.focus({ preventScroll: false });
}

function isFocusable(element) {
  return element.matches("a[href], button, input, select, textarea, [tabindex]");
}

/** Announce a short text politely to screen readers through a live region. */
export function announce(region, key, args) {
  // Clear first so that the same text twice is still announced.
  region.textContent = "";
  window.setTimeout(() => localize(region, key, args), 50);
}

export function sleep(ms) {
  return new Promise((resolve) => window.setTimeout(resolve, ms));
}
