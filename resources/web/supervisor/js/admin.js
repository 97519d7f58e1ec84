// Administration (admin role): the accounts (add, roles, disable/enable, a new password) and
// the audit log, newest first, page by page. Steps that take something away ask first
// (confirm.js); the hub's refusals are said in the page's language (errors.js).

import { $, el, focus } from "../../js/dom.js";
import { auditAction, auditSubject } from "./audittext.js";
import { confirmStep } from "./confirm.js";
import { errorText } from "./errors.js";
import { hub } from "./hubapi.js";
import { known, localize, localizeDate, onLanguageChange, t } from "./strings.js";

export const ROLES = ["advisor", "supervisor", "admin", "compliance"];
const PASSWORD_MIN = 10;
const AUDIT_PAGE = 50;

export function mountAdmin(app) {
  let accounts = [];
  let editing = null; // advisor_id
  let auditEntries = [];

  const editor = $("#editor");

  function say(element, key, args) {
    if (!key) {
      element.hidden = true;
      return;
    }
    localize(element, key, args);
    element.hidden = false;
  }

  function sayError(element, failure, context) {
    if (app.handleAuthError(failure)) return;
    const { key, args } = errorText(failure, context);
    say(element, key, args);
  }

  function clearMessages() {
    for (const id of ["#admin-error", "#editor-error", "#editor-done", "#add-error", "#add-done"]) $(id).hidden = true;
  }

  function roleBoxes(container, prefix, checked) {
    container.replaceChildren(
      ...ROLES.map((role) =>
        el(
          "div",
          { class: "field--check sv-role" },
          el("input", { type: "checkbox", id: `${prefix}-${role}`, value: role, checked: checked.includes(role) }),
          el("label", { for: `${prefix}-${role}`, i18n: `role.${role}` }),
        ),
      ),
    );
  }

  function chosenRoles(container) {
    return Array.from(container.querySelectorAll("input:checked"), (box) => box.value);
  }

  function roleNames(roles) {
    return roles.map((role) => (known(`role.${role}`) ? t(`role.${role}`) : role)).join(", ");
  }

  function own(account) {
    const me = app.account();
    return me && me.advisor_id === account.advisor_id;
  }

  function renderAccounts() {
    $("#accounts-body").replaceChildren(
      ...accounts.map((account) => {
        const edit = el("button", {
          type: "button",
          class: "button button--secondary button--small",
          i18n: "admin.edit",
          label: "admin.editLabel",
          labelArgs: { username: account.username },
          "aria-expanded": String(editing === account.advisor_id),
          "aria-controls": "editor",
        });
        edit.addEventListener("click", () => openEditor(account.advisor_id));
        return el(
          "tr",
          { dataset: { username: account.username }, class: account.disabled ? "is-disabled" : null },
          el(
            "th",
            { scope: "row" },
            account.username,
            own(account) ? el("span", { class: "muted", i18n: "admin.you" }) : null,
            el("span", { class: "sv-phone-only", text: account.display_name }),
          ),
          el("td", { class: "sv-col-display", text: account.display_name }),
          el("td", { class: "sv-role-list", text: roleNames(account.roles) }),
          el("td", {}, el("span", {
            class: "sv-status",
            dataset: { state: account.disabled ? "disabled" : "active" },
            i18n: account.disabled ? "admin.disabled" : "admin.active",
          })),
          el("td", { class: "sv-actions" }, edit),
        );
      }),
    );
    // "(Sie)" / "(you)" after the name with a space.
    for (const mark of $("#accounts-body").querySelectorAll(".muted")) mark.before(" ");
  }

  function current() {
    return accounts.find((account) => account.advisor_id === editing) || null;
  }

  function renderEditor() {
    const account = current();
    editor.hidden = account === null;
    if (!account) return;
    localize($("#editor-title"), "admin.editTitle", { username: account.username });
    localize($("#editor-disable"), account.disabled ? "admin.enable" : "admin.disable");
    $("#editor-disable").className = `button button--small ${account.disabled ? "button--secondary" : "button--danger-outline"}`;
  }

  function openEditor(advisorId) {
    clearMessages();
    editing = advisorId;
    const account = current();
    roleBoxes($("#editor-roles"), "editor-role", account.roles);
    $("#editor-password").value = "";
    renderAccounts();
    renderEditor();
    focus($("#editor-title"));
  }

  function closeEditor() {
    const was = editing;
    editing = null;
    renderAccounts();
    renderEditor();
    const row = accounts.find((account) => account.advisor_id === was);
    if (row) $(`#accounts-body tr[data-username="${CSS.escape(row.username)}"] button`).focus();
  }

  function replace(account) {
    accounts = accounts.map((item) => (item.advisor_id === account.advisor_id ? account : item));
    renderAccounts();
    renderEditor();
  }

  async function loadAccounts() {
    try {
      const answer = await hub.accounts(app.token());
      accounts = answer.accounts;
      $("#accounts-loading").hidden = true;
      renderAccounts();
      renderEditor();
    } catch (failure) {
      sayError($("#admin-error"), failure);
    }
  }

  // --- the audit log ---

  function renderAudit() {
    $("#audit-empty").hidden = auditEntries.length > 0;
    $("#audit-table").hidden = auditEntries.length === 0;
    $("#audit-body").replaceChildren(
      ...auditEntries.map((entry) => {
        const at = el("td", { class: "sv-nowrap" });
        localizeDate(at, entry.at, "dateTimeSeconds");
        return el(
          "tr",
          {},
          at,
          el("td", { text: entry.account || "–" }),
          actionCell(entry.action),
          el("td", { text: subjectText(entry) }),
        );
      }),
    );
  }

  function actionCell(action) {
    const { key, roles } = auditAction(action);
    if (roles) return el("td", { i18n: key, args: { roles: roleNames(roles) } });
    return el("td", known(key) ? { i18n: key } : { text: action });
  }

  /** Only a new account's subject names roles; others (a display name) are shown as written. */
  function subjectText(entry) {
    if (!entry.subject) return "–";
    if (entry.action !== "account.add") return entry.subject;
    const { user, roles } = auditSubject(entry.subject);
    return roles ? `${user} (${roleNames(roles)})` : user;
  }

  async function loadAudit(older = false) {
    const before = older && auditEntries.length ? auditEntries[auditEntries.length - 1].id : null;
    try {
      const answer = await hub.audit(app.token(), before, AUDIT_PAGE);
      auditEntries = older ? [...auditEntries, ...answer.entries] : answer.entries;
      renderAudit();
      const more = answer.entries.length === AUDIT_PAGE;
      $("#audit-more").hidden = !more;
      $("#audit-end").hidden = more || auditEntries.length === 0;
    } catch (failure) {
      sayError($("#admin-error"), failure);
    }
  }

  // --- changes ---

  async function change(body, done, conflictKey = "admin.error.self") {
    const account = current();
    clearMessages();
    try {
      const changed = await hub.changeAccount(app.token(), account.advisor_id, body);
      replace(changed);
      say($("#editor-done"), done, { username: changed.username });
      loadAudit();
      return true;
    } catch (failure) {
      sayError($("#editor-error"), failure, { conflict: conflictKey });
      if (failure.status === 404) loadAccounts();
      return false;
    }
  }

  $("#roles-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const account = current();
    const roles = chosenRoles($("#editor-roles"));
    clearMessages();
    if (!roles.length) {
      say($("#editor-error"), "admin.error.roles");
      return;
    }
    const lost = account.roles.filter((role) => !roles.includes(role));
    if (lost.length) {
      const args = { username: account.username, name: account.display_name, roles: roleNames(lost) };
      const sure = await confirmStep({
        title: { key: "confirm.rolesTitle", args },
        text: { key: "confirm.rolesText", args },
        yes: "confirm.rolesYes",
      });
      if (!sure) return;
    }
    await change({ roles }, "admin.rolesSaved");
  });

  $("#password-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const account = current();
    const input = $("#editor-password");
    clearMessages();
    input.removeAttribute("aria-invalid");
    if (input.value.length < PASSWORD_MIN) {
      input.setAttribute("aria-invalid", "true");
      say($("#editor-error"), "admin.error.password");
      input.focus();
      return;
    }
    const args = { username: account.username, name: account.display_name };
    const sure = await confirmStep({
      title: { key: "confirm.passwordTitle", args },
      text: { key: "confirm.passwordText", args },
      yes: "confirm.passwordYes",
    });
    if (!sure) return;
    try {
      await hub.setPassword(app.token(), account.advisor_id, input.value);
      input.value = "";
      say($("#editor-done"), "admin.passwordDone", { username: account.username });
      loadAudit();
    } catch (failure) {
      sayError($("#editor-error"), failure);
    }
  });

  $("#editor-disable").addEventListener("click", async () => {
    const account = current();
    clearMessages();
    if (!account.disabled) {
      const args = { username: account.username, name: account.display_name };
      const sure = await confirmStep({
        title: { key: "confirm.disableTitle", args },
        text: { key: "confirm.disableText", args },
        yes: "confirm.disableYes",
      });
      if (!sure) return;
    }
    await change({ disabled: !account.disabled }, account.disabled ? "admin.enabledDone" : "admin.disabledDone");
  });

  $("#editor-close").addEventListener("click", closeEditor);
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !$("#confirm").open) closeEditor();
  });

  $("#add-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessages();
    const fields = {
      username: $("#add-username"),
      display_name: $("#add-display"),
      password: $("#add-password"),
    };
    for (const input of Object.values(fields)) input.removeAttribute("aria-invalid");
    const body = {
      username: fields.username.value.trim(),
      display_name: fields.display_name.value.trim(),
      password: fields.password.value,
      roles: chosenRoles($("#add-roles")),
    };
    const local = !body.username
      ? ["username", "admin.error.username"]
      : !body.display_name
        ? ["display_name", "admin.error.displayName"]
        : body.password.length < PASSWORD_MIN
          ? ["password", "admin.error.password"]
          : !body.roles.length
            ? [null, "admin.error.roles"]
            : null;
    if (local) {
      const [field, key] = local;
      say($("#add-error"), key);
      if (field) {
        fields[field].setAttribute("aria-invalid", "true");
        fields[field].focus();
      } else {
        $("#add-roles input").focus();
      }
      return;
    }
    try {
      const account = await hub.addAccount(app.token(), body);
      $("#add-form").reset();
      roleBoxes($("#add-roles"), "add-role", ["advisor"]);
      say($("#add-done"), "admin.added", { username: account.username });
      await loadAccounts();
      loadAudit();
    } catch (failure) {
      sayError($("#add-error"), failure, { conflict: "admin.error.usernameTaken", args: { username: body.username } });
      const field = failure.field && failure.field.replace(/^\$\./, "");
      if (fields[field]) {
        fields[field].setAttribute("aria-invalid", "true");
        fields[field].focus();
      } else if (failure.status === 409) {
        fields.username.setAttribute("aria-invalid", "true");
        fields.username.focus();
      }
    }
  });

  $("#audit-more").addEventListener("click", () => loadAudit(true));
  roleBoxes($("#add-roles"), "add-role", ["advisor"]);
  onLanguageChange(() => {
    renderAccounts();
    renderAudit();
  });

  return {
    show() {
      clearMessages();
      loadAccounts();
      loadAudit();
    },
    reset() {
      accounts = [];
      auditEntries = [];
      editing = null;
      editor.hidden = true;
      $("#accounts-body").replaceChildren();
      $("#audit-body").replaceChildren();
      $("#accounts-loading").hidden = false;
    },
  };
}
