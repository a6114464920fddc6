/** Budget windows (LEDGER-WINDOW): every window starts at a UTC boundary, whatever the process's time zone. */

import { MUTANT } from "../sampleMutant.ts";

export type BudgetWindow = "minute" | "hour" | "day" | "month";

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** ECMAScript's time range: the instants a Date can hold. */
const MAX_TIME_MS = 8.64e15;

/** The start of the minute, hour, day or month (UTC) holding `nowMs`, in ms since the epoch. */
export function windowStartMs(nowMs: number, window: BudgetWindow): number {
  if (typeof nowMs !== "number" || !Number.isInteger(nowMs)) {
    throw new TypeError(`windowStartMs: nowMs must be an integer number of milliseconds, got ${shown(nowMs)}`);
  }
  if (Math.abs(nowMs) > MAX_TIME_MS) throw new RangeError(`windowStartMs: nowMs ${nowMs} is outside ±${MAX_TIME_MS}`);
  switch (window) {
    case "minute":
      return floorTo(nowMs, MINUTE_MS);
    case "hour":
      // MUTANT: local-time-window — Date's local setters floor in the process's time zone.
      return MUTANT === "local-time-window" ? localStartMs(nowMs, window) : floorTo(nowMs, HOUR_MS);
    case "day":
      return MUTANT === "local-time-window" ? localStartMs(nowMs, window) : floorTo(nowMs, DAY_MS);
    case "month":
      return MUTANT === "local-time-window" ? localStartMs(nowMs, window) : monthStartMs(nowMs);
    default:
      throw new RangeError(`windowStartMs: unknown window ${shown(window)} (minute, hour, day or month)`);
  }
}

/**
 * The largest multiple of `unit` at most `ms` (floor toward −infinity, so before 1970 too).
 * `%` of doubles is exact, and every value here is an integer below 2^53: no rounding anywhere.
 */
function floorTo(ms: number, unit: number): number {
  return ms - (((ms % unit) + unit) % unit);
}

/**
 * 00:00:00.000 UTC of day 1 of the UTC month holding `nowMs`: the start of its day, less the
 * days of the month before it. The first month a Date holds (−271821-04) began before Date's
 * range does: that start is no instant at all, an error rather than a number (fail closed).
 */
function monthStartMs(nowMs: number): number {
  const days = floorTo(nowMs, DAY_MS) / DAY_MS; // days since 1970-01-01, exact
  const start = (days - (dayOfMonth(days) - 1)) * DAY_MS;
  if (start < -MAX_TIME_MS) throw new RangeError(`windowStartMs: the month of ${nowMs} starts before the first instant a Date holds`);
  return start;
}

/**
 * The day of the month (1..31) of the day `days` after 1970-01-01, proleptic Gregorian: Howard
 * Hinnant's civil_from_days, counting from 0000-03-01 so that the leap day ends a year.
 */
function dayOfMonth(days: number): number {
  const z = days + 719_468; // days since 0000-03-01
  const era = Math.floor(z / 146_097); // 400-year cycles
  const dayOfEra = z - era * 146_097; // 0..146096
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1_460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  ); // 0..399
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100)); // 0..365, from March 1
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153); // 0..11
  return dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
}

/** MUTANT: local-time-window — what upstream does: Date's local-time setters. */
function localStartMs(nowMs: number, window: "hour" | "day" | "month"): number {
  const date = new Date(nowMs);
  if (window === "hour") {
    date.setMinutes(0, 0, 0);
  } else {
    if (window === "month") date.setDate(1);
    date.setHours(0, 0, 0, 0);
  }
  return date.getTime();
}

function shown(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return typeof value;
  }
}
