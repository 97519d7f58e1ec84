// Who the customer is talking to, on every step: the bank's name and logo in the head, its
// hotline, the Impressum and privacy links in the footer (GET /api/bank, from the hub's
// settings). Whatever the bank has not set is left out rather than shown empty.

import { api } from "./api.js";
import { $ } from "./dom.js";

export async function mountBank() {
  let bank;
  try {
    bank = await api.bank();
  } catch {
    return; // the page's neutral head stays
  }
  if (bank.name) {
    const name = $("#brand-name");
    name.textContent = bank.name;
    delete name.dataset.i18n;
  }
  if (bank.logo) {
    const logo = $("#brand-logo");
    logo.src = bank.logo;
    logo.classList.add("brand__logo--bank");
  }
  if (bank.hotline) {
    $("#hotline-number").textContent = bank.hotline;
    const digits = bank.hotline.split("(")[0].replace(/[^\d+]/g, "");
    if (digits) $("#hotline-link").href = `tel:${digits}`;
    $("#hotline").hidden = false;
  }
  for (const [key, id] of [
    ["imprint_url", "#imprint-link"],
    ["privacy_url", "#privacy-link"],
  ]) {
    const link = $(id);
    if (bank[key]) {
      link.href = bank[key];
      link.parentElement.hidden = false;
    }
  }
  if (bank.address || bank.name) {
    $("#footer-bank").textContent = [bank.name, bank.address].filter(Boolean).join(" · ");
    $("#footer-bank").hidden = false;
  }
}
