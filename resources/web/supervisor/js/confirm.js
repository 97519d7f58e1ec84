// Asking before a step that cannot simply be undone (disable an account, reset a password,
// take roles away): a modal <dialog> (focus stays in it, Escape cancels), resolving to true
// or false.

import { $ } from "../../js/dom.js";
import { localize } from "./strings.js";

export function confirmStep({ title, text, yes }) {
  const dialog = $("#confirm");
  localize($("#confirm-title"), title.key, title.args);
  localize($("#confirm-text"), text.key, text.args);
  localize($("#confirm-yes"), yes);
  const opener = document.activeElement;
  return new Promise((resolve) => {
    const finish = (answer) => {
      $("#confirm-yes").removeEventListener("click", onYes);
      $("#confirm-no").removeEventListener("click", onNo);
      dialog.removeEventListener("cancel", onCancel);
      if (dialog.open) dialog.close();
      if (opener && opener.isConnected) opener.focus();
      resolve(answer);
    };
    const onYes = () => finish(true);
    const onNo = () => finish(false);
    const onCancel = (event) => {
      event.preventDefault();
      finish(false);
    };
    $("#confirm-yes").addEventListener("click", onYes);
    $("#confirm-no").addEventListener("click", onNo);
    dialog.addEventListener("cancel", onCancel);
    dialog.showModal();
    $("#confirm-no").focus();
  });
}
