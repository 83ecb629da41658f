// The load profile of a year: base load, mean and peak power, projected annual consumption,
// a day × hour heatmap and the mean day profile (from GET /api/profile).

import { get, query } from "../api.js";
import { createChart } from "../charts.js";
import { h } from "../dom.js";
import { formatDateTime, formatKwh, formatNumber, formatPercent, locale, t } from "../i18n.js";

function stat(label, value, id, note) {
  return h("div", { class: "stat" }, h("div", { class: "label" }, label),
    h("div", { class: "value", id: `profile-${id}` }, value), note ? h("small", {}, note) : null);
}

const watts = (value) => (value == null ? t("common.none") : `${formatNumber(value, 0)} W`);

function heatmapOption(profile) {
  const { dates: days, hours, kwh } = profile.heatmap;
  const cells = [];
  let top = 0;
  kwh.forEach((row, day) => row.forEach((value, hour) => {
    if (value === null) return;
    cells.push([day, hour, value]);
    top = Math.max(top, value);
  }));
  const dayFormat = new Intl.DateTimeFormat(locale(), { day: "numeric", month: "short", timeZone: "UTC" });
  const dayLabels = days.map((d) => dayFormat.format(new Date(`${d}T12:00:00Z`)));
  return {
    animation: false,
    grid: { left: 8, right: 8, top: 8, bottom: 64, containLabel: true },
    tooltip: {
      confine: true,
      formatter: (p) => `${dayLabels[p.value[0]]} ${String(hours[p.value[1]]).padStart(2, "0")}:00<br><b>${formatKwh(p.value[2], 3)}</b>`,
    },
    xAxis: { type: "category", data: dayLabels, axisLabel: { hideOverlap: true } },
    yAxis: { type: "category", data: hours.map((hr) => `${String(hr).padStart(2, "0")}`), inverse: true },
    visualMap: {
      min: 0, max: top || 1, calculable: true, orient: "horizontal", left: "center", bottom: 0,
      itemHeight: 120, formatter: (v) => formatNumber(v, 2),
      inRange: { color: ["#f7fbff", "#9ecae1", "#2171b5", "#08306b"] },
    },
    // Drawn in one go: progressive frames still running when the page is left hit a disposed chart.
    series: [{ type: "heatmap", data: cells, progressive: 0 }],
  };
}

const SLOTS = Array.from({ length: 96 }, (_, q) =>
  `${String(Math.floor(q / 4)).padStart(2, "0")}:${String((q % 4) * 15).padStart(2, "0")}`);

function dayProfileOption(profile, season) {
  const curves = [];
  if (profile.h0?.measured_day_w) {
    curves.push({ name: t("dash.all"), data: profile.h0.measured_day_w, colour: "#0b6bcb", width: 2.5 });
    curves.push({ name: t("dash.h0"), data: profile.h0.h0_day_w, colour: "#8a8f94", dashed: true });
  }
  const seasonal = profile.day_profiles_w?.[season];
  if (seasonal) {
    curves.push({ name: `${t("dash.weekday")} (${t(`dash.season.${season}`)})`, data: seasonal.weekday, colour: "#2e7d32" });
    curves.push({ name: `${t("dash.weekend")} (${t(`dash.season.${season}`)})`, data: seasonal.weekend, colour: "#f0a030" });
  }
  return {
    animation: false,
    grid: { left: 8, right: 8, top: 56, bottom: 8, containLabel: true },
    legend: { top: 0, type: "scroll" },
    tooltip: { trigger: "axis", confine: true, valueFormatter: (v) => watts(v) },
    xAxis: { type: "category", data: SLOTS, boundaryGap: false, axisLabel: { hideOverlap: true } },
    yAxis: { type: "value", name: "W", axisLabel: { formatter: (v) => formatNumber(v, 0) } },
    series: curves.map((curve) => ({
      name: curve.name, type: "line", showSymbol: false, data: curve.data, connectNulls: false,
      lineStyle: { color: curve.colour, width: curve.width || 1.5, type: curve.dashed ? "dashed" : "solid" },
      itemStyle: { color: curve.colour },
    })),
  };
}

function firstSeasonWithData(profile) {
  const seasons = Object.keys(profile.day_profiles_w || {});
  return seasons.find((s) => profile.day_profiles_w[s].weekday.some((v) => v !== null)) || seasons[0];
}

/** Fills `section` with the profile of `year`; returns a function that disposes the charts. */
export async function renderProfile(section, echarts, year, timeZone) {
  const heading = h("h2", {}, t("dash.profileTitle", { year }));
  section.replaceChildren(heading, h("p", { class: "note" }, t("common.loading")));
  let profile;
  try {
    profile = await get(`/api/profile?${query({ from: `${year}-01-01`, to: `${Number(year) + 1}-01-01` })}`);
  } catch (error) {
    section.replaceChildren(heading, h("p", { class: "note", id: "profile-unavailable" },
      t("dash.noProfile", { message: error.message })));
    return () => {};
  }
  const heatmapBox = h("div", { class: "chart tall", id: "heatmap-chart" });
  const dayBox = h("div", { class: "chart", id: "day-profile-chart" });
  let season = firstSeasonWithData(profile);
  const seasonSelect = h("select", { id: "profile-season", "aria-label": t("dash.seasonLabel") },
    Object.keys(profile.day_profiles_w || {}).map((s) =>
      h("option", { value: s, selected: s === season }, t(`dash.season.${s}`))));
  const peakNote = profile.peak_at
    ? formatDateTime(profile.peak_at, timeZone, { dateStyle: "medium", timeStyle: "short" }) : "";
  section.replaceChildren(
    heading,
    h("div", { class: "stats" },
      stat(t("dash.baseLoad"), watts(profile.base_load_w), "base"),
      stat(t("dash.meanPower"), watts(profile.mean_power_w), "mean"),
      stat(t("dash.peak"), watts(profile.peak_power_w), "peak", peakNote),
      stat(t("dash.projected"), profile.projected_annual_kwh == null ? t("common.none") : formatKwh(profile.projected_annual_kwh, 0), "projected")),
    h("p", { class: "note" }, t("dash.profileNote", { coverage: formatPercent(profile.coverage ?? 0) })),
    h("h3", {}, t("dash.heatmap")), heatmapBox,
    h("div", { class: "row" }, h("h3", {}, t("dash.dayProfile")), seasonSelect), dayBox,
  );
  const disposers = [];
  if (profile.heatmap?.dates?.length) {
    const [chart, dispose] = createChart(echarts, heatmapBox);
    chart.setOption(heatmapOption(profile));
    disposers.push(dispose);
  }
  const [dayChart, disposeDay] = createChart(echarts, dayBox);
  dayChart.setOption(dayProfileOption(profile, season));
  disposers.push(disposeDay);
  seasonSelect.addEventListener("change", () => {
    season = seasonSelect.value;
    dayChart.setOption(dayProfileOption(profile, season), { replaceMerge: ["series"] });
  });
  return () => disposers.forEach((dispose) => dispose());
}
