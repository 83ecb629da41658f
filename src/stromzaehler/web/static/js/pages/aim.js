// The aiming aid on the Live page: a panel that, only while it is open, asks the server every
// few seconds how well the newest frame suits reading (GET /api/aim) and shows one verdict per
// check. Closed, it sends nothing, so normal running costs nothing.

import { get } from "../api.js";
import { h } from "../dom.js";
import { addTexts, formatNumber, lang, t } from "../i18n.js";

const POLL_MS = 3000;

// The panel's texts join the shared table (i18n.js) under "aim.".
addTexts({
  en: {
    "aim.title": "Aiming aid",
    "aim.hint": "Open while you mount the camera: every new frame is judged. Press “Capture now” for a new frame.",
    "aim.waiting": "waiting for a frame…",
    "aim.all": "The frame suits reading.",
    "aim.some": "{n} of {total} checks need attention.",
    "aim.boxes.located": "digit boxes found in the frame",
    "aim.boxes.configured": "configured digit boxes (no counter found)",
    "aim.name.brightness": "brightness", "aim.name.contrast": "contrast", "aim.name.sharpness": "sharpness",
    "aim.name.fill": "width filled", "aim.name.glare": "glare", "aim.name.rollers": "rollers found",
  },
  de: {
    "aim.title": "Ausrichthilfe",
    "aim.hint": "Beim Anbringen der Kamera öffnen: jedes neue Bild wird bewertet. „Jetzt aufnehmen“ holt ein neues Bild.",
    "aim.waiting": "warte auf ein Bild…",
    "aim.all": "Das Bild eignet sich zum Ablesen.",
    "aim.some": "{n} von {total} Prüfungen brauchen Aufmerksamkeit.",
    "aim.boxes.located": "Ziffernfelder im Bild gefunden",
    "aim.boxes.configured": "eingestellte Ziffernfelder (kein Zähler gefunden)",
    "aim.name.brightness": "Helligkeit", "aim.name.contrast": "Kontrast", "aim.name.sharpness": "Schärfe",
    "aim.name.fill": "Breite gefüllt", "aim.name.glare": "Spiegelung", "aim.name.rollers": "Rollen gefunden",
  },
});

function figure(check) {
  if (check.value === null || check.value === undefined) return "";
  let value;
  if (["fill", "glare"].includes(check.name)) value = `${formatNumber(check.value * 100, 0)} %`;
  else if (check.name === "rollers") value = String(check.value);
  else value = formatNumber(check.value, check.value < 10 ? 1 : 0);
  return `${value} (${check.need})`;
}

function render(list, summary, answer) {
  const failed = answer.checks.filter((c) => !c.ok).length;
  summary.className = `aim-summary ${failed ? "bad" : "good"}`;
  summary.textContent = failed ? t("aim.some", { n: failed, total: answer.checks.length }) : t("aim.all");
  list.replaceChildren(...answer.checks.map((check) => h("li", {
    class: check.ok ? "ok" : "bad", "data-check": check.name,
  },
  h("span", { class: "mark", "aria-hidden": "true" }, check.ok ? "✔" : "✖"),
  h("span", { class: "verdict" }, lang === "de" ? check.de : check.en),
  h("small", {}, `${t(`aim.name.${check.name}`)}: ${figure(check)}`))));
  list.append(h("li", { class: "note" }, answer.boxes_from ? t(`aim.boxes.${answer.boxes_from}`) : ""));
}

/** The panel (a <details> element) and a function that stops its polling. */
export function aimPanel(showError) {
  const summary = h("p", { class: "aim-summary", id: "aim-summary" }, t("aim.waiting"));
  const list = h("ul", { class: "aim-checks", id: "aim-checks" });
  const panel = h("details", { class: "card aim", id: "aim-panel" },
    h("summary", {}, h("h2", {}, t("aim.title"))),
    h("p", { class: "note" }, t("aim.hint")), summary, list);
  let timer = null;

  async function poll() {
    try {
      render(list, summary, await get("/api/aim"));
    } catch (error) {
      if (error.status === 503) summary.textContent = t("aim.waiting");
      else showError(error);
    }
  }

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
  }

  panel.addEventListener("toggle", () => {
    stop();
    if (panel.open) {
      poll();
      timer = setInterval(poll, POLL_MS);
    }
  });
  return { panel, stop };
}
