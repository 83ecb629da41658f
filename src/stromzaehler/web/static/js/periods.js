// Calendar periods of the dashboard (year, month, day, hour) as API ranges, and navigation.
// Dates are local calendar dates of the meter's time zone as "YYYY-MM-DD" strings; the API
// reads them in that zone. Hours are UTC instants, so a DST day's hours stay distinct.

export const KINDS = ["year", "month", "day", "hour"];
export const DAY_RESOLUTIONS = ["hour", "15min", "minute"];

function pad(number) {
  return String(number).padStart(2, "0");
}

export function isoDate(year, month, day) {
  const moment = new Date(Date.UTC(year, month - 1, day));
  return `${moment.getUTCFullYear()}-${pad(moment.getUTCMonth() + 1)}-${pad(moment.getUTCDate())}`;
}

function parts(date) {
  const [year, month, day] = date.split("-").map(Number);
  return { year, month, day };
}

function isoInstant(ms) {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

/** The API range and resolution of a period. */
export function range(period) {
  if (period.kind === "hour") {
    const start = Date.parse(period.at);
    return { from: isoInstant(start), to: isoInstant(start + 3600e3), resolution: "minute" };
  }
  const { year, month, day } = parts(period.date);
  if (period.kind === "year") {
    return { from: isoDate(year, 1, 1), to: isoDate(year + 1, 1, 1), resolution: "month" };
  }
  if (period.kind === "month") {
    return { from: isoDate(year, month, 1), to: isoDate(year, month + 1, 1), resolution: "day" };
  }
  return { from: isoDate(year, month, day), to: isoDate(year, month, day + 1), resolution: period.res || "hour" };
}

/** The period `steps` periods later (negative: earlier). */
export function shift(period, steps) {
  if (period.kind === "hour") {
    return { ...period, at: isoInstant(Date.parse(period.at) + steps * 3600e3) };
  }
  const { year, month, day } = parts(period.date);
  if (period.kind === "year") return { ...period, date: isoDate(year + steps, 1, 1) };
  if (period.kind === "month") return { ...period, date: isoDate(year, month + steps, 1) };
  return { ...period, date: isoDate(year, month, day + steps) };
}

/** The finer period a bucket opens when clicked, or null at the finest level. */
export function drillDown(period, bucket) {
  const localDate = bucket.start.slice(0, 10);
  if (period.kind === "year") return { kind: "month", date: localDate };
  if (period.kind === "month") return { kind: "day", date: localDate, res: "hour" };
  if (period.kind === "day") {
    // Bucket starts carry the local offset; the hour holding a 15-min or minute bucket
    // starts at the same wall-clock hour with the same offset.
    const hourStart = `${bucket.start.slice(0, 14)}00:00${bucket.start.slice(19)}`;
    return { kind: "hour", at: isoInstant(Date.parse(hourStart)) };
  }
  return null;
}

/** The enclosing coarser period (for the "up" button). */
export function drillUp(period, localDateOfHour) {
  if (period.kind === "hour") return { kind: "day", date: localDateOfHour, res: "hour" };
  if (period.kind === "day") return { kind: "month", date: `${period.date.slice(0, 7)}-01` };
  if (period.kind === "month") return { kind: "year", date: `${period.date.slice(0, 4)}-01-01` };
  return null;
}

export function fromParams(params, today) {
  const kind = KINDS.includes(params.get("kind")) ? params.get("kind") : "month";
  if (kind === "hour" && !Number.isNaN(Date.parse(params.get("at") || ""))) {
    return { kind, at: params.get("at") };
  }
  const date = /^\d{4}-\d{2}-\d{2}$/.test(params.get("date") || "") ? params.get("date") : today;
  const res = DAY_RESOLUTIONS.includes(params.get("res")) ? params.get("res") : "hour";
  return { kind: kind === "hour" ? "day" : kind, date, res };
}

export function toParams(period) {
  if (period.kind === "hour") return { kind: "hour", at: period.at };
  const params = { kind: period.kind, date: period.date };
  if (period.kind === "day") params.res = period.res || "hour";
  return params;
}
