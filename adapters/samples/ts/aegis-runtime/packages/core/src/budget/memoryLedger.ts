/**
 * The in-memory budget ledger: spend per time window and per run, reserved before a call and
 * reconciled after it. All arithmetic is in doubles, in the contract's order of operations, so
 * the drift of `0.1 + 0.2` is the reference's to the bit.
 */

import { randomUUID } from "node:crypto";
import { MUTANT } from "../sampleMutant.ts";

export interface Reservation {
  reservationId: string;
  tenantId: string;
  runId: string;
  window: string;
  windowStartMs: number;
  /** What was charged: the estimate when granted, 0 when denied. */
  estimatedUsd: number;
  createdAtMs: number;
}

export interface LedgerSnapshot {
  windowSpendUsd: number;
  runSpendUsd: number;
  windowLimitUsd: number;
  runLimitUsd: number;
  remainingWindowUsd: number;
  remainingRunUsd: number;
}

export interface PeekArgs {
  tenantId: string;
  runId: string;
  window: string;
  windowStartMs: number;
  windowLimitUsd: number;
  runLimitUsd: number;
}

export interface ReserveArgs extends PeekArgs {
  estimatedUsd: number;
  nowMs: number;
}

export interface CommitArgs {
  reservationId: string;
  actualUsd: number;
}

/** A granted reservation, until and after its commit. */
interface Held {
  windowKey: string;
  runKey: string;
  estimatedUsd: number;
  committed: boolean;
}

export class MemoryLedger {
  readonly #windowSpend = new Map<string, number>();
  readonly #runSpend = new Map<string, number>();
  readonly #reservations = new Map<string, Held>();

  /** LEDGER-FIT: granted only when the estimate fits both remaining budgets; then both spends grow by it at once. */
  async reserve(args: ReserveArgs): Promise<{ reservation: Reservation; snapshot: LedgerSnapshot }> {
    checkFields(args, RESERVE_FIELDS);
    const windowLimitUsd = checkAmount(args.windowLimitUsd, "windowLimitUsd");
    const runLimitUsd = checkAmount(args.runLimitUsd, "runLimitUsd");
    const estimatedUsd = checkAmount(args.estimatedUsd, "estimatedUsd");
    const wKey = windowKey(args);
    const rKey = runKey(args);
    const windowSpend = this.#windowSpend.get(wKey) ?? 0;
    const runSpend = this.#runSpend.get(rKey) ?? 0;
    const granted =
      estimatedUsd <= Math.max(0, windowLimitUsd - windowSpend) && estimatedUsd <= Math.max(0, runLimitUsd - runSpend);
    const reservationId = randomUUID();
    if (!granted) {
      // LEDGER-DENY: nothing charged and nothing recorded, so committing this id is unknown.
      return {
        reservation: reservationOf(args, reservationId, 0),
        snapshot: snapshotOf(windowLimitUsd, runLimitUsd, windowSpend, runSpend),
      };
    }
    const newWindowSpend = windowSpend + estimatedUsd;
    const newRunSpend = runSpend + estimatedUsd;
    this.#windowSpend.set(wKey, newWindowSpend);
    this.#runSpend.set(rKey, newRunSpend);
    this.#reservations.set(reservationId, { windowKey: wKey, runKey: rKey, estimatedUsd, committed: false });
    return {
      reservation: reservationOf(args, reservationId, estimatedUsd),
      snapshot: snapshotOf(windowLimitUsd, runLimitUsd, newWindowSpend, newRunSpend),
    };
  }

  /**
   * LEDGER-COMMIT: applies actual − estimated to the reservation's own two buckets, each spend
   * clamped at 0; a second commit of the same reservation changes nothing. LEDGER-UNKNOWN: an id
   * that names no granted reservation throws. The amount is checked first, even for a reservation
   * already committed (the contract's order).
   */
  async commit(args: CommitArgs): Promise<void> {
    checkFields(args, COMMIT_FIELDS);
    const actualUsd = checkAmount(args.actualUsd, "actualUsd");
    const held = this.#reservations.get(args.reservationId);
    if (held === undefined) throw new Error(`unknown reservation ${JSON.stringify(args.reservationId) ?? String(args.reservationId)}`);
    if (held.committed) return;
    const delta = actualUsd - held.estimatedUsd;
    this.#windowSpend.set(held.windowKey, clamp((this.#windowSpend.get(held.windowKey) ?? 0) + delta));
    this.#runSpend.set(held.runKey, clamp((this.#runSpend.get(held.runKey) ?? 0) + delta));
    held.committed = true;
  }

  /** The spends of the buckets `args` names, against the limits it gives. */
  async peek(args: PeekArgs): Promise<LedgerSnapshot> {
    checkFields(args, PEEK_FIELDS);
    const windowLimitUsd = checkAmount(args.windowLimitUsd, "windowLimitUsd");
    const runLimitUsd = checkAmount(args.runLimitUsd, "runLimitUsd");
    const windowSpend = this.#windowSpend.get(windowKey(args)) ?? 0;
    const runSpend = this.#runSpend.get(runKey(args)) ?? 0;
    return snapshotOf(windowLimitUsd, runLimitUsd, windowSpend, runSpend);
  }
}

const PEEK_FIELDS: readonly string[] = ["tenantId", "runId", "window", "windowStartMs", "windowLimitUsd", "runLimitUsd"];
const RESERVE_FIELDS: readonly string[] = [...PEEK_FIELDS, "estimatedUsd", "nowMs"];
const COMMIT_FIELDS: readonly string[] = ["reservationId", "actualUsd"];

/** Fail closed: an args object with a field the ledger does not define is refused before anything happens. */
function checkFields(args: object, fields: readonly string[]): void {
  const unknown = Object.keys(args).filter((key) => !fields.includes(key));
  if (unknown.length > 0) throw new TypeError(`unknown field(s) ${unknown.map((key) => JSON.stringify(key)).join(", ")}`);
}

/** LEDGER-AMOUNTS: a number (not a string, not a boolean), finite, at least 0 (−0 counts as 0). Fail closed. */
function checkAmount(value: unknown, name: string): number {
  if (typeof value !== "number") throw new TypeError(`${name} must be a number, got ${typeof value}`);
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite amount of at least 0, got ${value}`);
  return value;
}

/**
 * LEDGER-BUCKETS: window spend per (tenantId, window, windowStartMs), run spend per
 * (tenantId, runId). The key is the JSON text of the tuple: ids may hold any character (':'
 * included), so joining them with a separator could make two tuples one key.
 */
function windowKey(args: PeekArgs): string {
  // MUTANT: int32-window-key — a 32-bit start: 0 and 2^32 are one bucket.
  if (MUTANT === "int32-window-key") return JSON.stringify([args.tenantId, args.window, args.windowStartMs | 0]);
  return JSON.stringify([args.tenantId, args.window, args.windowStartMs]);
}

function runKey(args: PeekArgs): string {
  return JSON.stringify([args.tenantId, args.runId]);
}

function clamp(spend: number): number {
  // MUTANT: no-clamp — a refund larger than the spend drives it below 0.
  return MUTANT === "no-clamp" ? spend : Math.max(0, spend);
}

function reservationOf(args: ReserveArgs, reservationId: string, estimatedUsd: number): Reservation {
  return {
    reservationId,
    tenantId: args.tenantId,
    runId: args.runId,
    window: args.window,
    windowStartMs: args.windowStartMs,
    estimatedUsd,
    createdAtMs: args.nowMs,
  };
}

function snapshotOf(windowLimitUsd: number, runLimitUsd: number, windowSpendUsd: number, runSpendUsd: number): LedgerSnapshot {
  return {
    windowSpendUsd,
    runSpendUsd,
    windowLimitUsd,
    runLimitUsd,
    remainingWindowUsd: Math.max(0, windowLimitUsd - windowSpendUsd),
    remainingRunUsd: Math.max(0, runLimitUsd - runSpendUsd),
  };
}
