// PV planner: inputs (place from the settings), autarky and self-consumption donuts, the energy
// split, the kWp × battery heatmap (click a cell to choose it), monthly balance, a typical day
// per month, the battery's state of charge over a chosen week, assumptions and data quality,
// CSV export of the chosen system's months. Data: GET /api/pv?details=true and /api/pv/grid.

import { ApiError, get, query, session } from "../api.js";
import { createChart, loadECharts } from "../charts.js";
import { field, h } from "../dom.js";
import { addTexts, formatNumber, formatPercent, t } from "../i18n.js";
import { PV_TEXTS } from "../pv_texts.js";
import { donutOption, heatmapOption, monthsOption, socOption, splitOption, typicalDayOption } from "./pv_charts.js";

addTexts(PV_TEXTS);

const AZIMUTHS = ["180", "135", "225", "90", "270", "90,270"];
const CAPS = ["100", "60", "0"];
const MONTH_KEYS = ["month", "load_kwh", "pv_kwh", "direct_kwh", "charge_kwh", "discharge_kwh", "feed_in_kwh",
  "curtailed_kwh", "import_kwh", "self_consumption", "autarky", "cycles", "savings_eur"];

function numberInput(name, value, attributes = {}) {
  return h("input", { type: "number", name, value, step: "any", ...attributes });
}

function select(name, options, value) {
  return h("select", { name }, options.map(([v, label]) => h("option", { value: v, selected: String(v) === String(value) }, label)));
}

function stat(label, value, id) {
  return h("div", { class: "stat" }, h("div", { class: "label" }, label), h("div", { class: "value", id }, value));
}

function monthsCsv(months) {
  const lines = [MONTH_KEYS.join(",")];
  for (const month of months) lines.push(MONTH_KEYS.map((key) => month[key]).join(","));
  return `${lines.join("\n")}\n`;
}

function download(text, name) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
  const link = h("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

async function uploadWeather(file) {
  const response = await fetch("/api/pv/weather", {
    method: "PUT", body: file, credentials: "same-origin",
    headers: { "Content-Type": "text/csv", "X-CSRF-Token": session.csrfToken || "" },
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, typeof body.detail === "string" ? body.detail : response.statusText);
  return body;
}

export async function mount(root, { params, showError, toast, requireLogin }) {
  const [stations, echarts] = await Promise.all([get("/api/pv/stations"), loadECharts()]);
  const place = stations.location;
  const inputs = {
    lat: numberInput("lat", params.get("lat") ?? place.latitude ?? "", { min: -90, max: 90 }),
    lon: numberInput("lon", params.get("lon") ?? place.longitude ?? "", { min: -180, max: 180 }),
    station: select("station", [["", t("pv.stationAuto")], ...stations.stations.map((s) => [s.number, `${s.number} ${s.name}`])],
      params.get("station") ?? ""),
    kwp: numberInput("kwp", params.get("kwp") ?? 5, { min: 0, max: 1000 }),
    battery_kwh: numberInput("battery_kwh", params.get("battery_kwh") ?? 5, { min: 0, max: 1000 }),
    tilt: numberInput("tilt", params.get("tilt") ?? 35, { min: 0, max: 90 }),
    azimuth: select("azimuth", AZIMUTHS.map((a) => [a, t(`pv.az.${a}`)]), params.get("azimuth") ?? "180"),
    feed_in_cap: select("feed_in_cap", CAPS.map((c) => [c, t(`pv.cap.${c}`)]), params.get("feed_in_cap") ?? "100"),
    price: numberInput("price", 0.397, { min: 0 }),
    feed_in_tariff: numberInput("feed_in_tariff", 0.0786, { min: 0 }),
    cost_per_kwp: numberInput("cost_per_kwp", 1500, { min: 0 }),
    cost_per_kwh: numberInput("cost_per_kwh", 500, { min: 0 }),
    increase: numberInput("price_increase", 0, { min: -50, max: 100 }),
    usePvgis: h("input", { type: "checkbox", name: "use_pvgis", checked: false, disabled: !stations.pvgis_uploaded }),
    pvgisFile: h("input", { type: "file", name: "pvgis_file", accept: ".csv,text/csv" }),
  };
  const uploadButton = h("button", { type: "button", id: "pv-upload" }, t("pv.upload"));
  const button = h("button", { type: "submit", class: "primary", id: "pv-calculate" }, t("pv.calculate"));
  const progress = h("p", { class: "note", id: "pv-progress", hidden: true });
  const form = h("form", { class: "card", id: "pv-form" },
    h("h2", {}, t("pv.title")), h("p", { class: "note" }, t("pv.intro")),
    h("div", { class: "stats" },
      field(t("pv.lat"), inputs.lat), field(t("pv.lon"), inputs.lon), field(t("pv.station"), inputs.station),
      field(t("pv.kwp"), inputs.kwp), field(t("pv.battery"), inputs.battery_kwh), field(t("pv.tilt"), inputs.tilt),
      field(t("pv.azimuth"), inputs.azimuth), field(t("pv.cap"), inputs.feed_in_cap),
      field(t("pv.price"), inputs.price), field(t("pv.tariff"), inputs.feed_in_tariff),
      field(t("pv.costKwp"), inputs.cost_per_kwp), field(t("pv.costKwh"), inputs.cost_per_kwh),
      field(t("pv.increase"), inputs.increase)),
    h("div", { class: "row" }, h("label", { class: "field inline" }, inputs.usePvgis, t("pv.usePvgis")),
      field(t("pv.pvgisFile"), inputs.pvgisFile), uploadButton),
    h("div", { class: "buttons" }, progress, button));
  const boxes = {
    autarky: h("div", { class: "chart donut", id: "pv-autarky" }),
    self: h("div", { class: "chart donut", id: "pv-self" }),
    split: h("div", { class: "chart short", id: "pv-split" }),
    grid: h("div", { class: "chart tall", id: "pv-grid" }),
    months: h("div", { class: "chart", id: "pv-months" }),
    day: h("div", { class: "chart", id: "pv-day" }),
    soc: h("div", { class: "chart", id: "pv-soc" }),
  };
  const stats = h("div", { class: "stats", id: "pv-stats" });
  const quality = h("div", { id: "pv-quality" });
  const monthSelect = select("month", Array.from({ length: 12 }, (_, m) => [m + 1, String(m + 1)]), 6);
  const weekInput = numberInput("week", 26, { min: 1, max: 52, step: 1, id: "pv-week" });
  const csvButton = h("button", { type: "button", id: "pv-csv" }, t("pv.csv"));
  const results = h("div", { id: "pv-results", hidden: true },
    h("div", { class: "card" }, h("div", { class: "donuts" }, boxes.autarky, boxes.self), stats,
      h("h3", {}, t("pv.split")), boxes.split),
    h("div", { class: "card" }, h("h3", {}, t("pv.grid")), boxes.grid),
    h("div", { class: "card" }, h("div", { class: "row" }, h("h3", {}, t("pv.months")), h("span", { class: "spacer" }), csvButton), boxes.months),
    h("div", { class: "card" }, h("div", { class: "row" }, h("h3", {}, t("pv.typical")), field(t("pv.month"), monthSelect)), boxes.day),
    h("div", { class: "card" }, h("div", { class: "row" }, h("h3", {}, t("pv.soc")), field(t("pv.week"), weekInput)), boxes.soc),
    h("div", { class: "card" }, h("h3", {}, t("pv.quality")), quality, h("p", { class: "note" }, stations.credit)));
  root.replaceChildren(form, results);

  const charts = {};
  const disposers = [];
  for (const [name, box] of Object.entries(boxes)) {
    const [chart, dispose] = createChart(echarts, box);
    charts[name] = chart;
    disposers.push(dispose);
  }
  let state = { plan: null, grid: null };
  let poll = null;

  function request() {
    const values = {
      kwp: inputs.kwp.value, battery_kwh: inputs.battery_kwh.value, tilt: inputs.tilt.value,
      azimuth: inputs.azimuth.value, feed_in_cap: inputs.feed_in_cap.value, price: inputs.price.value,
      feed_in_tariff: inputs.feed_in_tariff.value, cost_per_kwp: inputs.cost_per_kwp.value,
      cost_per_kwh: inputs.cost_per_kwh.value, price_increase: Number(inputs.increase.value || 0) / 100,
      from: params.get("from") ?? undefined, to: params.get("to") ?? undefined,
    };
    if (inputs.usePvgis.checked) values.weather = "pvgis";
    else if (inputs.station.value) values.station = inputs.station.value;
    else if (inputs.lat.value !== "" && inputs.lon.value !== "") Object.assign(values, { lat: inputs.lat.value, lon: inputs.lon.value });
    return values;
  }

  function drawSoc() {
    const { details, inputs: used } = state.plan;
    const week = Math.min(52, Math.max(1, Number(weekInput.value) || 1));
    const from = (week - 1) * 168;
    const first = new Date(new Date(details.hour_start).getTime() + from * 3600_000).toISOString();
    charts.soc.setOption(socOption(details.soc_kwh_hourly.slice(from, from + 168), first, used.battery_kwh), true);
  }

  function drawPlan() {
    const { year, months, details, data_quality: q, resolution_check: check, inputs: used } = state.plan;
    charts.autarky.setOption(donutOption(year.autarky, t("pv.autarky"), "#2e7d32"), true);
    charts.self.setOption(donutOption(year.self_consumption, t("pv.selfConsumption"), "#0b6bcb"), true);
    charts.split.setOption(splitOption(year), true);
    charts.months.setOption(monthsOption(months), true);
    charts.day.setOption(typicalDayOption(details.typical_days[Number(monthSelect.value) - 1]), true);
    drawSoc();
    const payback = year.payback_years == null ? t("pv.never") : t("pv.years", { years: formatNumber(year.payback_years, 1) });
    stats.replaceChildren(
      stat(t("pv.pv"), `${formatNumber(year.pv_kwh, 0)} kWh`, "pv-yield"),
      stat(t("pv.specific"), used.kwp > 0 ? `${formatNumber(year.pv_kwh / used.kwp, 0)} kWh/kWp` : t("common.none"), "pv-specific"),
      stat(t("pv.load"), `${formatNumber(year.load_kwh, 0)} kWh`, "pv-load"),
      stat(t("pv.savings"), `${formatNumber(year.savings_eur, 0)} €`, "pv-savings"),
      stat(t("pv.payback"), payback, "pv-payback"),
      stat(t("pv.cycles"), formatNumber(year.cycles, 0), "pv-cycles"));
    const weather = used.weather;
    const share = (v) => formatPercent(v ?? 0, 1);
    quality.replaceChildren(
      h("p", { id: "pv-measured" }, t("pv.measured", { share: share(q.measured_share), minute: share(q.minute_share) })),
      h("p", {}, t("pv.filled", { gaps: share(q.estimated_share + q.gap_filled_share), own: share(q.completed_own_months_share), h25: share(q.completed_h25_share) })),
      h("p", { id: "pv-resolution" }, t("pv.resolution", { resolution: check.resolution, hourly: share(check.hourly_autarky), fine: share(check.autarky),
        delta: formatNumber(check.hourly_overstates_by * 100, 1) })),
      h("p", { id: "pv-weather" }, weather.radiation_measured_share == null ? t("pv.weatherUnknown", { name: weather.name })
        : t("pv.weather", { name: weather.name, measured: share(weather.radiation_measured_share) })),
      h("p", {}, t("pv.clipping")), h("p", {}, t("pv.defaults")),
      h("p", {}, t("pv.period", { start: used.period.start.slice(0, 10), end: used.period.end.slice(0, 10) })));
  }

  function chosenCell() {
    const { grid } = state;
    const i = grid.kwp.findIndex((k) => Math.abs(k - Number(inputs.kwp.value)) < 1e-9);
    const j = grid.battery_kwh.findIndex((b) => Math.abs(b - Number(inputs.battery_kwh.value)) < 1e-9);
    return i >= 0 && j >= 0 ? [i, j] : null;
  }

  async function showProgress() {
    try {
      const { running, done } = await get("/api/pv/progress");
      progress.textContent = t("pv.running", { percent: formatPercent(running ? done : 1) });
    } catch {
      // progress is a nicety; the results still come
    }
  }

  let left = false; // set when the user leaves the page
  async function calculate(withGrid) {
    button.disabled = true;
    progress.hidden = false;
    root.dataset.state = "loading";
    progress.textContent = t("pv.running", { percent: formatPercent(0) });
    poll = setInterval(showProgress, 500);
    try {
      const q = query(request());
      const [plan, grid] = await Promise.all([get(`/api/pv?${q}&details=true`), withGrid ? get(`/api/pv/grid?${q}`) : state.grid]);
      // A plan takes seconds: the user may have gone to another page, which now owns the
      // <main> element (its data-state) and the toast.
      if (left) return;
      state = { plan, grid };
      results.hidden = false;
      drawPlan();
      charts.grid.setOption(heatmapOption(grid, chosenCell()), true);
      root.dataset.state = "ready";
    } catch (error) {
      if (left) return;
      root.dataset.state = "error";
      showError(error);
    } finally {
      clearInterval(poll);
      poll = null;
      progress.hidden = true;
      button.disabled = false;
    }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); calculate(true); });
  uploadButton.addEventListener("click", async () => {
    const file = inputs.pvgisFile.files[0];
    if (!file || !(await requireLogin())) return;
    try {
      const weather = await uploadWeather(file);
      inputs.usePvgis.disabled = false;
      inputs.usePvgis.checked = true;
      toast(t("pv.uploaded", { name: weather.name }));
      calculate(true);
    } catch (error) {
      showError(error);
    }
  });
  charts.grid.on("click", (event) => {
    if (!state.grid || event.componentType !== "series") return;
    inputs.kwp.value = state.grid.kwp[event.value[1]];
    inputs.battery_kwh.value = state.grid.battery_kwh[event.value[0]];
    calculate(false);
  });
  monthSelect.addEventListener("change", () => {
    if (state.plan) charts.day.setOption(typicalDayOption(state.plan.details.typical_days[Number(monthSelect.value) - 1]), true);
  });
  weekInput.addEventListener("change", () => { if (state.plan) drawSoc(); });
  csvButton.addEventListener("click", () => { if (state.plan) download(monthsCsv(state.plan.months), "pv-months.csv"); });
  calculate(true);
  return () => {
    left = true;
    if (poll) clearInterval(poll);
    disposers.forEach((dispose) => dispose());
  };
}
