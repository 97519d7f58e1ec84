// The machinery that puts a page's strings (German first, English; one table per language)
// into the page. Elements carry data-i18n="key" (with data-i18n-args as JSON for
// placeholders) and data-i18n-attrs for attributes; setLanguage() re-renders all of them.
// Texts are always set with textContent: nothing here is ever parsed as HTML. Each page
// registers its own tables with useTables() (the customer page's in i18n.js, the supervisor
// page's in supervisor/js/strings.js), so one page never loads the other's strings.

export const LANGUAGES = ["de", "en"];

const tables = { de: {}, en: {} };
let current = "de";
const listeners = new Set();

export function language() {
  return current;
}

function format(template, args) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!args || !(name in args)) return whole;
    return resolveArg(args[name]);
  });
}

function resolveArg(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") {
    if ("t" in value) return t(value.t, value.args);
    if ("date" in value) return formatDate(value.date, value.style, value.timeZone);
  }
  return String(value);
}

/** The page's strings: {de: {...}, en: {...}}. */
export function useTables(pageTables) {
  tables.de = pageTables.de;
  tables.en = pageTables.en;
}

/** Whether the page has a text for ``key`` (for codes from the hub that may be new). */
export function known(key) {
  return tables[current][key] !== undefined || tables.de[key] !== undefined;
}

/** The text for ``key`` in the current language, with {placeholders} filled from ``args``.
 * An argument may itself be {t: key, args} (translated) or {date: iso, style} (formatted). */
export function t(key, args) {
  const table = tables[current];
  let template = table[key];
  if (template === undefined) {
    console.warn("missing translation", current, key);
    template = tables.de[key] ?? `⟦${key}⟧`;
  }
  return format(template, args);
}

const DATE_STYLES = {
  time: { hour: "2-digit", minute: "2-digit" },
  timeSeconds: { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" },
  date: { day: "2-digit", month: "2-digit", year: "numeric" },
  dateLong: { day: "numeric", month: "long", year: "numeric" },
  dateTimeSeconds: {
    day: "2-digit",
    month: "2-digit",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  },
  weekdayTime: { weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" },
};

/** Run ``render`` with ``lang`` as the language of t() and formatDate() (for a text that must
 * be in another language than the page's, e.g. the printed transcript in the record's). */
export function inLanguage(lang, render) {
  const page = current;
  current = LANGUAGES.includes(lang) ? lang : page;
  try {
    return render();
  } finally {
    current = page;
  }
}

export function formatDate(value, style = "time", timeZone = undefined) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const options = { ...(DATE_STYLES[style] || DATE_STYLES.time) };
  if (timeZone) options.timeZone = timeZone;
  try {
    return new Intl.DateTimeFormat(current === "de" ? "de-DE" : "en-GB", options).format(date);
  } catch {
    return date.toISOString();
  }
}

/** Put a translated text into ``element`` and remember the key, so a language switch
 * re-renders it. */
export function localize(element, key, args) {
  element.dataset.i18n = key;
  if (args === undefined) delete element.dataset.i18nArgs;
  else element.dataset.i18nArgs = JSON.stringify(args);
  element.textContent = t(key, args);
}

/** Translated attribute (aria-label, placeholder, title …), re-rendered on a switch. */
export function localizeAttr(element, attribute, key, args) {
  const attrs = element.dataset.i18nAttrs ? JSON.parse(element.dataset.i18nAttrs) : {};
  attrs[attribute] = args === undefined ? [key] : [key, args];
  element.dataset.i18nAttrs = JSON.stringify(attrs);
  element.setAttribute(attribute, t(key, args));
}

/** A date or time shown in the page's language, re-formatted on a switch. */
export function localizeDate(element, iso, style = "time", timeZone = undefined) {
  delete element.dataset.i18n;
  delete element.dataset.i18nArgs;
  element.dataset.i18nDate = iso;
  element.dataset.i18nDateStyle = style;
  if (timeZone) element.dataset.i18nDateZone = timeZone;
  element.textContent = formatDate(iso, style, timeZone);
}

function renderElement(element) {
  if (element.dataset.i18n !== undefined && element.dataset.i18n !== "") {
    const args = element.dataset.i18nArgs ? JSON.parse(element.dataset.i18nArgs) : undefined;
    element.textContent = t(element.dataset.i18n, args);
  }
  if (element.dataset.i18nDate) {
    element.textContent = formatDate(
      element.dataset.i18nDate,
      element.dataset.i18nDateStyle,
      element.dataset.i18nDateZone,
    );
  }
  if (element.dataset.i18nAttrs) {
    const attrs = JSON.parse(element.dataset.i18nAttrs);
    for (const [attribute, [key, args]] of Object.entries(attrs)) {
      element.setAttribute(attribute, t(key, args));
    }
  }
}

/** Render every translatable element below ``root``. */
export function apply(root = document) {
  const selector = "[data-i18n], [data-i18n-attrs], [data-i18n-date]";
  if (root instanceof Element && root.matches(selector)) renderElement(root);
  for (const element of root.querySelectorAll(selector)) renderElement(element);
}

export function setLanguage(lang) {
  if (!LANGUAGES.includes(lang)) lang = "de";
  current = lang;
  document.documentElement.lang = lang;
  apply(document);
  for (const listener of listeners) listener(lang);
}

export function onLanguageChange(listener) {
  listeners.add(listener);
}
