// The customer page's strings (i18n/de.js first, i18n/en.js) in the shared machinery of
// i18n-core.js, which every module of the page imports through here.

import { de } from "./i18n/de.js";
import { en } from "./i18n/en.js";
import { useTables } from "./i18n-core.js";

useTables({ de, en });

export * from "./i18n-core.js";
