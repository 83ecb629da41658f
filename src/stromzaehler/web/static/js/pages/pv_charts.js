// ECharts options of the PV planner page (pure functions of the API's JSON).

import { formatNumber, formatPercent, t } from "../i18n.js";

export const COLOURS = {
  direct: "#f0a030", discharge: "#2e7d32", import: "#8a8f94", charge: "#66bb6a",
  feedIn: "#0b6bcb", curtailed: "#c62828", load: "#1d2327", pv: "#f0a030",
};

export function donutOption(fraction, label, colour) {
  return {
    animation: false,
    title: { text: formatPercent(fraction), subtext: label, left: "center", top: "38%",
      textStyle: { fontSize: 22 }, subtextStyle: { fontSize: 13 } },
    series: [{
      type: "pie", radius: ["58%", "80%"], silent: true, label: { show: false },
      data: [{ value: fraction, itemStyle: { color: colour } },
        { value: Math.max(0, 1 - fraction), itemStyle: { color: "#e8eef3" } }],
    }],
  };
}

export function splitOption(year) {
  const rows = [
    [t("pv.load"), [["direct", year.direct_kwh], ["discharge", year.discharge_kwh], ["import", year.import_kwh]]],
    [t("pv.pv"), [["direct", year.direct_kwh], ["charge", year.charge_kwh], ["feedIn", year.feed_in_kwh], ["curtailed", year.curtailed_kwh]]],
  ];
  const names = ["direct", "discharge", "charge", "import", "feedIn", "curtailed"];
  const keys = { direct: "pv.direct", discharge: "pv.discharge", charge: "pv.charge", import: "pv.import", feedIn: "pv.feedIn", curtailed: "pv.curtailed" };
  return {
    animation: false,
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    legend: { top: 0, type: "scroll" },
    tooltip: { trigger: "item", valueFormatter: (v) => `${formatNumber(v, 0)} kWh` },
    xAxis: { type: "value", name: "kWh" },
    yAxis: { type: "category", data: rows.map((r) => r[0]) },
    series: names.map((name) => ({
      name: t(keys[name]), type: "bar", stack: "total", itemStyle: { color: COLOURS[name] },
      data: rows.map(([, parts]) => parts.find((p) => p[0] === name)?.[1] ?? null),
    })),
  };
}

export function heatmapOption(grid, chosen) {
  const cells = [];
  grid.autarky.forEach((row, i) => row.forEach((value, j) => cells.push([j, i, value])));
  return {
    animation: false,
    grid: { left: 8, right: 8, top: 8, bottom: 64, containLabel: true },
    tooltip: {
      confine: true,
      formatter: (p) => `${grid.kwp[p.value[1]]} kWp · ${grid.battery_kwh[p.value[0]]} kWh<br>`
        + `${t("pv.autarky")} <b>${formatPercent(p.value[2])}</b><br>`
        + `${t("pv.selfConsumption")} ${formatPercent(grid.self_consumption[p.value[1]][p.value[0]])}<br>`
        + `${t("pv.savings")} ${formatNumber(grid.savings_eur[p.value[1]][p.value[0]], 0)} €<br>`
        + `${t("pv.payback")} ${grid.payback_years[p.value[1]][p.value[0]] == null ? t("pv.never")
          : formatNumber(grid.payback_years[p.value[1]][p.value[0]], 1)}`,
    },
    xAxis: { type: "category", name: "kWh", data: grid.battery_kwh.map((b) => formatNumber(b, b % 1 ? 1 : 0)) },
    yAxis: { type: "category", name: "kWp", data: grid.kwp.map((k) => formatNumber(k, k % 1 ? 1 : 0)) },
    visualMap: { min: 0, max: 1, calculable: true, orient: "horizontal", left: "center", bottom: 0,
      itemHeight: 120, formatter: (v) => formatPercent(v), inRange: { color: ["#f7fbff", "#9ecae1", "#2171b5", "#08306b"] } },
    series: [{
      type: "heatmap", data: cells, progressive: 0,
      label: { show: true, fontSize: 10, formatter: (p) => Math.round(p.value[2] * 100) },
      markPoint: chosen ? { symbol: "rect", symbolSize: 18, itemStyle: { color: "transparent", borderColor: "#ffd54f", borderWidth: 3 },
        data: [{ coord: [chosen[1], chosen[0]] }] } : undefined,
    }],
  };
}

export function monthsOption(months) {
  const labels = months.map((m) => m.month);
  const bar = (name, key, stack, colour) => ({ name: t(name), type: "bar", stack, itemStyle: { color: colour },
    data: months.map((m) => m[key]) });
  return {
    animation: false,
    grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
    legend: { top: 0, type: "scroll" },
    tooltip: { trigger: "axis", confine: true, valueFormatter: (v) => `${formatNumber(v, 0)} kWh` },
    xAxis: { type: "category", data: labels },
    yAxis: { type: "value", name: "kWh" },
    series: [
      bar("pv.direct", "direct_kwh", "load", COLOURS.direct),
      bar("pv.discharge", "discharge_kwh", "load", COLOURS.discharge),
      bar("pv.import", "import_kwh", "load", COLOURS.import),
      bar("pv.charge", "charge_kwh", "pv", COLOURS.charge),
      bar("pv.feedIn", "feed_in_kwh", "pv", COLOURS.feedIn),
      bar("pv.curtailed", "curtailed_kwh", "pv", COLOURS.curtailed),
    ],
  };
}

const HOURS = Array.from({ length: 24 }, (_, hour) => `${String(hour).padStart(2, "0")}:00`);

export function typicalDayOption(day) {
  const line = (name, data, colour, area) => ({ name, type: "line", data, showSymbol: false,
    lineStyle: { color: colour }, itemStyle: { color: colour }, areaStyle: area ? { opacity: 0.25, color: colour } : undefined });
  return {
    animation: false,
    grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
    legend: { top: 0 },
    tooltip: { trigger: "axis", confine: true, valueFormatter: (v) => `${formatNumber(v, 2)} kW` },
    xAxis: { type: "category", data: HOURS, boundaryGap: false },
    yAxis: { type: "value", name: "kW" },
    series: [line(t("pv.load"), day.load_kw, COLOURS.load, false), line(t("pv.pv"), day.pv_kw, COLOURS.pv, true)],
  };
}

export function socOption(values, firstHour, capacity) {
  const start = new Date(firstHour).getTime();
  return {
    animation: false,
    grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", confine: true, valueFormatter: (v) => `${formatNumber(v, 2)} kWh` },
    xAxis: { type: "time" },
    yAxis: { type: "value", name: "kWh", max: capacity > 0 ? capacity : undefined },
    series: [{ type: "line", step: "end", showSymbol: false, areaStyle: { opacity: 0.2 },
      itemStyle: { color: COLOURS.discharge }, lineStyle: { color: COLOURS.discharge },
      data: values.map((v, i) => [start + i * 3600_000, v]) }],
  };
}
