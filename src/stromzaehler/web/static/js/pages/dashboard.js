// Consumption dashboard: bars per month/day/hour/15 min/minute with navigation and drill-down,
// totals against the previous period, quality of every bar, and the year's load profile.

import { get, query } from "../api.js";
import { loadECharts, createChart } from "../charts.js";
import { h } from "../dom.js";
import { formatDateTime, formatKwh, formatNumber, formatPercent, locale, t } from "../i18n.js";
import { DAY_RESOLUTIONS, drillDown, drillUp, fromParams, range, shift, toParams } from "../periods.js";
import { renderProfile } from "./profile.js";

export const QUALITY_COLOURS = { measured: "#0b6bcb", estimated: "#f0a030", missing: "#c9ced3", partial: "#6aa5e0" };
const BUCKET_MINUTES = { minute: 1, "15min": 15, hour: 60 };

function localToday(timeZone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    .format(new Date());
}

function bucketLabels(buckets, resolution, timeZone) {
  const options = {
    month: { month: "short" },
    day: { day: "numeric" },
  }[resolution] || { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  const format = new Intl.DateTimeFormat(locale(), { ...options, timeZone });
  const labels = buckets.map((b) => format.format(new Date(b.start)));
  const seen = new Map();
  for (const label of labels) seen.set(label, (seen.get(label) || 0) + 1);
  // The autumn DST day has 02:00 twice: the UTC offset tells them apart.
  return labels.map((label, i) => (seen.get(label) > 1 ? `${label} (${buckets[i].start.slice(19)})` : label));
}

function periodTitle(period, data, timeZone) {
  if (period.kind === "year") return period.date.slice(0, 4);
  const at = data.buckets[0]?.start || period.at || period.date;
  const instant = new Date(at.length === 10 ? `${at}T12:00:00Z` : at);
  if (period.kind === "month") {
    return new Intl.DateTimeFormat(locale(), { month: "long", year: "numeric", timeZone }).format(instant);
  }
  if (period.kind === "day") {
    return new Intl.DateTimeFormat(locale(), { dateStyle: "full", timeZone }).format(instant);
  }
  return formatDateTime(period.at, timeZone, { dateStyle: "medium", timeStyle: "short" });
}

function medianSpacingMinutes(readings) {
  if (readings.length < 3) return null;
  const spacings = [];
  for (let i = 1; i < readings.length; i++) spacings.push(readings[i].t_utc - readings[i - 1].t_utc);
  spacings.sort((a, b) => a - b);
  return spacings[Math.floor(spacings.length / 2)] / 60;
}

function chartOption(data, labels, timeZone) {
  const kwhValues = data.buckets.map((b) => (b.quality === "missing" ? null : b.kwh));
  const top = Math.max(...kwhValues.filter((v) => v !== null), 0) || 1;
  const digits = top < 1 ? 3 : top < 10 ? 2 : 1;
  const rangeFormat = new Intl.DateTimeFormat(locale(), { dateStyle: "short", timeStyle: "short", timeZone });
  return {
    animation: false,
    grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
    tooltip: {
      trigger: "item",
      confine: true,
      formatter: (params) => {
        const bucket = data.buckets[params.dataIndex];
        const value = bucket.quality === "missing" ? t("common.none") : formatKwh(bucket.kwh, 3);
        const quality = bucket.quality === "partial"
          ? t("dash.quality.partial", { percent: formatNumber(100 * (bucket.coverage ?? 0), 0) })
          : t(`dash.quality.${bucket.quality}`);
        return `${rangeFormat.formatRange(new Date(bucket.start), new Date(bucket.end))}<br>` +
          `<b>${value}</b><br>${quality}`;
      },
    },
    xAxis: { type: "category", data: labels, axisTick: { alignWithLabel: true } },
    yAxis: {
      type: "value", name: "kWh",
      axisLabel: { formatter: (v) => formatNumber(v, digits) },
    },
    series: [
      {
        id: "kwh", type: "bar", barCategoryGap: "15%",
        data: data.buckets.map((b, i) => ({
          value: kwhValues[i],
          quality: b.quality,
          itemStyle: {
            color: QUALITY_COLOURS[b.quality],
            decal: b.quality === "estimated" ? { symbol: "rect", dashArrayX: [1, 0], dashArrayY: [3, 3], rotation: -0.8, color: "rgba(255,255,255,.5)" }
              : b.quality === "partial" ? { symbol: "rect", dashArrayX: [1, 0], dashArrayY: [2, 4], rotation: 0, color: "rgba(255,255,255,.6)" } : undefined,
          },
        })),
      },
      {
        // Missing buckets are a pale full-height band (never a zero bar), with their own hover.
        id: "missing", type: "bar", barGap: "-100%", barCategoryGap: "15%", z: 1,
        data: data.buckets.map((b) => (b.quality === "missing" ? top : null)),
        itemStyle: { color: "rgba(201, 206, 211, .45)" },
        emphasis: { disabled: true },
      },
    ],
    aria: { enabled: true, decal: { show: false } },
  };
}

export async function mount(root, { params, navigate, showError }) {
  const echartsReady = loadECharts(); // the largest download: start it first
  const settings = await get("/api/settings");
  const timeZone = settings.analytics.timezone;
  const period = fromParams(params, localToday(timeZone));
  const go = (next) => navigate("dashboard", toParams(next));

  const title = h("h1", { id: "period-title" }, t("common.loading"));
  const chartBox = h("div", { class: "chart", id: "consumption-chart" });
  const stats = h("div", { class: "stats", id: "consumption-stats" });
  const notes = h("div", { class: "note", id: "consumption-notes" });
  const dateInput = h("input", {
    type: "date", id: "period-date", "aria-label": t("dash.date"),
    value: period.kind === "hour" ? "" : period.date,
  });
  dateInput.addEventListener("change", () => {
    if (dateInput.value) go({ ...period, kind: period.kind === "hour" ? "day" : period.kind, date: dateInput.value });
  });
  const kindButtons = h("div", { class: "segmented", role: "group" },
    ["year", "month", "day"].map((kind) => h("button", {
      type: "button", "data-kind": kind, "aria-pressed": String(period.kind === kind),
      onclick: () => go({ kind, date: period.date || dateInput.value, res: "hour" }),
    }, t(`dash.${kind}`))),
  );
  const resButtons = period.kind === "day" ? h("div", { class: "segmented", role: "group" },
    DAY_RESOLUTIONS.map((res) => h("button", {
      type: "button", "data-res": res, "aria-pressed": String(period.res === res),
      onclick: () => go({ ...period, res }),
    }, t(`dash.res.${res}`)))) : null;
  const upButton = h("button", { type: "button", id: "period-up", hidden: period.kind === "year" }, "↑");

  root.append(
    h("section", { class: "card" },
      h("div", { class: "toolbar" },
        h("button", { type: "button", id: "period-prev", "aria-label": t("dash.prev"), onclick: () => go(shift(period, -1)) }, "‹"),
        h("button", { type: "button", id: "period-next", "aria-label": t("dash.next"), onclick: () => go(shift(period, 1)) }, "›"),
        upButton, dateInput, kindButtons, resButtons),
      title, stats, chartBox,
      h("div", { class: "legend-quality" },
        ["measured", "estimated", "partial", "missing"].map((q) => h("span", {},
          h("span", { class: "swatch", style: `background:${QUALITY_COLOURS[q]}` }), t(`dash.quality.${q}`).split(":")[0])),
        h("span", {}, t("dash.drill"))),
      notes,
    ),
  );
  const profileSection = h("section", { class: "card", id: "profile" });
  root.append(profileSection);

  const current = range(period);
  const previous = range(shift(period, -1));
  const [data, before, echarts] = await Promise.all([
    get(`/api/consumption?${query(current)}`),
    get(`/api/consumption?${query(previous)}`).catch(() => null),
    echartsReady,
  ]);

  upButton.addEventListener("click", () => go(drillUp(period, data.buckets[0]?.start.slice(0, 10))));
  title.textContent = periodTitle(period, data, timeZone);
  const labels = bucketLabels(data.buckets, data.resolution, timeZone);
  const [chart, disposeChart] = createChart(echarts, chartBox);
  chart.setOption(chartOption(data, labels, timeZone));
  performance.mark("first-chart"); // time to first chart, read by the page-weight measurement
  chart.on("click", (event) => {
    const bucket = data.buckets[event.dataIndex];
    const next = bucket && bucket.quality !== "missing" ? drillDown(period, bucket) : null;
    if (next) setTimeout(() => go(next), 0); // not inside ECharts' own event handling
  });

  const counts = { estimated: 0, missing: 0, partial: 0 };
  for (const bucket of data.buckets) if (bucket.quality in counts) counts[bucket.quality] += 1;
  // A period only partly recorded (the running month, the first one) against a whole one says
  // nothing about the household: no change then.
  const comparable = counts.partial === 0 && before && before.total_kwh > 0;
  const change = comparable ? (data.total_kwh - before.total_kwh) / before.total_kwh : null;
  stats.replaceChildren(
    stat(t("dash.total"), formatKwh(data.total_kwh, data.total_kwh < 10 ? 2 : 1), "total"),
    stat(t("dash.previous"), before ? formatKwh(before.total_kwh, before.total_kwh < 10 ? 2 : 1) : t("common.none"), "previous"),
    stat(t("dash.change"), change === null ? t("common.none") : formatPercent(change, 0, true), "change"),
  );
  const noteLines = [];
  if (counts.estimated || counts.missing) noteLines.push(t("dash.qualityNote", counts));
  if (counts.partial) noteLines.push(t("dash.partialNote"));
  if (data.buckets.length === 0) noteLines.push(t("dash.noData"));
  notes.replaceChildren(...noteLines.map((line) => h("p", {}, line)));
  root.dataset.buckets = String(data.buckets.length);
  root.dataset.state = "ready";

  if (period.kind === "day" || period.kind === "hour") {
    // Minute bars only mean something when readings come that often: say what the data holds.
    get(`/api/readings?${query({ from: current.from, to: current.to })}`).then((result) => {
      const spacing = medianSpacingMinutes(result.readings);
      if (spacing && spacing > 1.5 * BUCKET_MINUTES[data.resolution]) {
        notes.append(h("p", { id: "effective-resolution" }, t("dash.effective", { minutes: formatNumber(spacing, 0) })));
      }
    }).catch(() => {});
  }

  const year = (period.date || data.buckets[0]?.start || "").slice(0, 4);
  let disposeProfile = () => {};
  renderProfile(profileSection, echarts, year, timeZone).then((dispose) => { disposeProfile = dispose; })
    .catch(showError);

  return () => { disposeChart(); disposeProfile(); };
}

function stat(label, value, id) {
  return h("div", { class: "stat" }, h("div", { class: "label" }, label), h("div", { class: "value", id: `stat-${id}` }, value));
}
