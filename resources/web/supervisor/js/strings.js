// The supervisor page's strings (i18n/de.js first, i18n/en.js) in the machinery the customer
// page uses (../../js/i18n-core.js); every module of this page imports the texts from here.

import { useTables } from "../../js/i18n-core.js";
import { de } from "./i18n/de.js";
import { en } from "./i18n/en.js";

useTables({ de, en });

export * from "../../js/i18n-core.js";
