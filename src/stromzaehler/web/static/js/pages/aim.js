// The aiming aid on the Live page: a panel that, only while it is open, asks the server every
// few seconds how well the newest frame suits reading (GET /api/aim) and shows one verdict per
// check. Closed, it sends nothing, so normal running costs nothing.

import { get } from "../api.js";
import { h } from "../dom.js";
import { formatNumber, lang } from "../i18n.js";

const POLL_MS = 3000;

const TEXTS = {
  en: {
    title: "Aiming aid",
    hint: "Open while you mount the camera: every new frame is judged. Press “Capture now” for a new frame.",
    waiting: "waiting for a frame…",
    all: "The frame suits reading.",
    some: "{n} of {total} checks need attention.",
    boxes: { located: "digit boxes found in the frame", configured: "configured digit boxes (no counter found)" },
    names: { brightness: "brightness", contrast: "contrast", sharpness: "sharpness", fill: "width filled",
      glare: "glare", rollers: "rollers found" },
  },
  de: {
    title: "Ausrichthilfe",
    hint: "Beim Anbringen der Kamera öffnen: jedes neue Bild wird bewertet. „Jetzt aufnehmen“ holt ein neues Bild.",
    waiting: "warte auf ein Bild…",
    all: "Das Bild eignet sich zum Ablesen.",
    some: "{n} von {total} Prüfungen brauchen Aufmerksamkeit.",
    boxes: { located: "Ziffernfelder im Bild gefunden", configured: "eingestellte Ziffernfelder (kein Zähler gefunden)" },
    names: { brightness: "Helligkeit", contrast: "Kontrast", sharpness: "Schärfe", fill: "Breite gefüllt",
      glare: "Spiegelung", rollers: "Rollen gefunden" },
  },
};

function text() {
  return TEXTS[lang] ?? TEXTS.en;
}

function figure(check) {
  if (check.value === null || check.value === undefined) return "";
  let value;
  if (["fill", "glare"].includes(check.name)) value = `${formatNumber(check.value * 100, 0)} %`;
  else if (check.name === "rollers") value = String(check.value);
  else value = formatNumber(check.value, check.value < 10 ? 1 : 0);
  return `${value} (${check.need})`;
}

function render(list, summary, answer) {
  const words = text();
  const failed = answer.checks.filter((c) => !c.ok).length;
  summary.className = `aim-summary ${failed ? "bad" : "good"}`;
  summary.textContent = failed
    ? words.some.replace("{n}", failed).replace("{total}", answer.checks.length)
    : words.all;
  list.replaceChildren(...answer.checks.map((check) => h("li", {
    class: check.ok ? "ok" : "bad", "data-check": check.name,
  },
  h("span", { class: "mark", "aria-hidden": "true" }, check.ok ? "✔" : "✖"),
  h("span", { class: "verdict" }, lang === "de" ? check.de : check.en),
  h("small", {}, `${words.names[check.name] ?? check.name}: ${figure(check)}`))));
  list.append(h("li", { class: "note" }, words.boxes[answer.boxes_from] ?? ""));
}

/** The panel (a <details> element) and a function that stops its polling. */
export function aimPanel(showError) {
  const words = text();
  const summary = h("p", { class: "aim-summary", id: "aim-summary" }, words.waiting);
  const list = h("ul", { class: "aim-checks", id: "aim-checks" });
  const panel = h("details", { class: "card aim", id: "aim-panel" },
    h("summary", {}, h("h2", {}, words.title)),
    h("p", { class: "note" }, words.hint), summary, list);
  let timer = null;

  async function poll() {
    try {
      render(list, summary, await get("/api/aim"));
    } catch (error) {
      if (error.status === 503) summary.textContent = words.waiting;
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
