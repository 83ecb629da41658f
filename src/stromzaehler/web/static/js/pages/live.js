// Live: the MJPEG stream with the digit boxes and what was read in each, the last reading,
// the light switch, capture-now and the health line.

import { get, post } from "../api.js";
import { h, svg } from "../dom.js";
import { formatDateTime, formatKwh, formatNumber, reasonText, t } from "../i18n.js";
import { aimPanel } from "./aim.js";

const POLL_MS = 2000;

function confidenceColour(confidence) {
  if (confidence >= 0.8) return "#66bb6a";
  if (confidence >= 0.5) return "#ffb74d";
  return "#ef5350";
}

function drawOverlay(overlay, image, outcome, configuredBoxes) {
  overlay.setAttribute("viewBox", `0 0 ${image.naturalWidth || 640} ${image.naturalHeight || 480}`);
  overlay.replaceChildren();
  // Without a reading (no reader yet, or alignment failed) the configured boxes are shown.
  const boxes = outcome?.boxes?.length ? outcome.boxes : configuredBoxes || [];
  const digits = outcome?.digits || [];
  boxes.forEach(([x, y, w, hgt], i) => {
    const digit = digits[i];
    const colour = digit ? confidenceColour(digit.confidence) : "#4fc3f7";
    overlay.append(svg("rect", { class: "box", x, y, width: w, height: hgt, stroke: colour }));
    if (digit) {
      const label = svg("text", { x: x + w / 2, y: Math.max(y - 8, 20), "text-anchor": "middle" });
      label.textContent = digit.digit ?? "?";
      const confidence = svg("text", {
        class: "confidence", x: x + w / 2, y: y + hgt + 18, "text-anchor": "middle",
      });
      confidence.textContent = formatNumber(digit.confidence * 100, 0) + " %";
      overlay.append(label, confidence);
    }
  });
}

export async function mount(root, { showError, toast, requireLogin }) {
  let timeZone;
  // Chromium paints an MJPEG part only when the next part begins (a minute later at the
  // default interval), so the newest still frame lies underneath until then.
  const still = h("img", { src: `/api/image?t=${Date.now()}`, alt: "", class: "still" });
  const image = h("img", { src: `/api/stream?t=${Date.now()}`, alt: t("live.streamAlt"), id: "live-stream" });
  const overlay = svg("svg", { class: "overlay", viewBox: "0 0 640 480", "aria-hidden": "true" });
  const reading = h("div", { class: "big", id: "live-reading" }, t("common.loading"));
  const readingTime = h("div", { class: "note" });
  const status = h("div", { id: "live-status" });
  const health = h("p", { class: "note", id: "live-health" });
  const light = h("input", { type: "checkbox", id: "live-light" });
  const capture = h("button", { type: "button", id: "live-capture" }, t("live.capture"));
  const aim = aimPanel(showError);

  root.append(
    h("div", { class: "grid two" },
      h("div", { class: "stage" }, still, image, overlay),
      h("div", {},
        h("section", { class: "card" }, h("h2", {}, t("live.lastReading")), reading, readingTime),
        h("section", { class: "card" }, h("h2", {}, t("live.status")), status),
        h("section", { class: "card row" },
          h("label", { class: "switch" }, light, t("live.light")), capture),
        h("section", { class: "card" }, h("h2", {}, t("live.health")), health),
        aim.panel,
      ),
    ),
  );

  let latest = null;
  const configured = (await get("/api/setup/geometry").catch(() => null))?.digit_boxes;
  image.addEventListener("load", () => drawOverlay(overlay, image, latest?.outcome, configured));
  still.addEventListener("load", () => drawOverlay(overlay, still, latest?.outcome, configured));
  still.addEventListener("error", () => { still.hidden = true; });

  light.addEventListener("change", async () => {
    const wanted = light.checked;
    light.checked = !wanted;
    if (!(await requireLogin())) return;
    try {
      const result = await post("/api/light", { on: wanted });
      light.checked = result.on;
    } catch (error) {
      showError(error);
    }
  });
  capture.addEventListener("click", async () => {
    if (!(await requireLogin())) return;
    try {
      await post("/api/capture");
      toast(t("live.captureRequested"));
    } catch (error) {
      showError(error);
    }
  });

  async function refresh() {
    try {
      const [healthData, live, adapted] = await Promise.all([get("/api/health"), get("/api/live").catch(() => null),
        get("/api/adaptation").catch(() => null)]);
      timeZone ??= (await get("/api/settings").catch(() => null))?.analytics?.timezone;
      const last = healthData.last_reading;
      reading.textContent = last ? formatKwh(last.kwh, 1) : t("live.noReading");
      readingTime.textContent = last ? t("live.at", { time: formatDateTime(last.time, timeZone) }) : "";
      latest = live;
      const outcome = live?.outcome;
      status.replaceChildren(...[
        outcome ? h("span", { class: `badge ${outcome.status}` }, t(`status.${outcome.status}`)) : t("common.none"),
        outcome?.reading ? h("span", {}, ` ${outcome.reading}`) : null,
        outcome?.reason ? h("div", { class: "note" }, t("live.reason", { reason: reasonText(outcome.reason) })) : null,
        live?.captured_at ? h("div", { class: "note" }, formatDateTime(live.captured_at, timeZone,
          { dateStyle: "short", timeStyle: "medium" })) : null,
      ].filter(Boolean));
      if (live && document.activeElement !== light) light.checked = live.light;
      drawOverlay(overlay, image.naturalWidth ? image : still, outcome, configured);
      health.replaceChildren(...[
        h("span", { class: `badge ${healthData.status}` }, t(`status.${healthData.status}`)), " ",
        t("live.healthLine", {
          status: "", source: healthData.source ?? "—",
          ok: healthData.frames_ok ?? 0, failed: healthData.frames_failed ?? 0,
        }).replace(/^ · /, ""),
        healthData.last_error ? h("div", { class: "error" }, t("live.lastError", { error: healthData.last_error })) : null,
        adapted ? h("div", { class: "note", id: "live-adaptation" },
          adapted.adapted ? t("adapt.adapted", { samples: adapted.samples }) : t("adapt.generic")) : null,
        adapted?.first_reading_missing ? h("div", { class: "error" }, t("adapt.missing")) : null,
      ].filter(Boolean));
    } catch (error) {
      health.textContent = t("common.error", { message: error.message });
    }
  }

  await refresh();
  const timer = setInterval(refresh, POLL_MS);
  return () => {
    clearInterval(timer);
    aim.stop();
    image.removeAttribute("src"); // closes the MJPEG connection
  };
}
