/**
 * A small, correct TypeScript implementation of the aegis budget API, bundled with the harness.
 *
 * It exports the same names as the real package (`withResourceBudget`, the observer and tag
 * functions, `resourceClassRank`, the three error classes), so the one `budget` binding of the
 * TypeScript adapter drives this sample and a real aegis checkout alike. Node's standard
 * library only.
 *
 * Deliberately broken variants ("mutants") for the harness's self-tests are switched on with
 * `AEGIS_SAMPLE_MUTANT`; each is one realistic mistake, marked `MUTANT:` where it lives. They
 * differ from the Python sample's mutants on purpose, so the two samples exercise different
 * rules.
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { performance } from "node:perf_hooks";

export const VERSION = "0.1.0-sample";

export const MUTANTS: ReadonlyMap<string, string> = new Map([
  ["", "the correct sample"],
  ["double-event", "reports a successful fallback to the observer twice"],
  ["equal-class-rejected", "refuses a fallback whose resource class equals the primary's"],
  ["tenant-dropped", "the event's tags lose tenantId"],
  ["stale-signal", "hands the fallback the primary's already-aborted signal instead of a fresh one"],
  ["timer-overflow", "arms the deadline with one raw setTimeout, which Node fires at once past 2^31 - 1 ms"],
]);

/**
 * Jitter (`AEGIS_SAMPLE_JITTER=SEED`): this correct sample with an event loop that stalls now
 * and then, as a real implementation's does under load — every 0.2 to 1 s, a busy wait of up
 * to 100 ms, drawn from a generator seeded with SEED. Every failure reported against it is a
 * false alarm.
 */
const JITTER = process.env.AEGIS_SAMPLE_JITTER ?? "";
if (JITTER !== "" && !/^[0-9]+$/.test(JITTER)) {
  throw new Error(`AEGIS_SAMPLE_JITTER=${JSON.stringify(JITTER)} is not a seed (a whole number)`);
}
let jitterState = JITTER === "" ? 0 : (Number(JITTER) % 0xffffffff) + 1;
let stalling = false;

/** The next number in [0, 1) of the jitter's xorshift generator. */
function jitterRandom(): number {
  jitterState ^= jitterState << 13;
  jitterState ^= jitterState >>> 17;
  jitterState ^= jitterState << 5;
  return (jitterState >>> 0) / 0x100000000;
}

/** Starts the stalls on the first call; they never keep the process alive. */
function startStalls(): void {
  if (JITTER === "" || stalling) return;
  stalling = true;
  const next = (): void => {
    setTimeout(() => {
      const until = performance.now() + jitterRandom() * 100;
      while (performance.now() < until) {
        // blocks the loop, as a burst of synchronous work does
      }
      next();
    }, 200 + jitterRandom() * 800).unref();
  };
  next();
}

const MUTANT = process.env.AEGIS_SAMPLE_MUTANT ?? "";
if (!MUTANTS.has(MUTANT)) {
  const valid = [...MUTANTS.keys()].filter((name) => name !== "").join(", ");
  throw new Error(`AEGIS_SAMPLE_MUTANT=${JSON.stringify(MUTANT)} is not a known mutant (valid: ${valid}, or unset)`);
}

// ---------------------------------------------------------------------------------------------
// Types

export type ResourceClass = "mem-sample" | "cpu" | "io" | "pg" | "llm";

export interface Budget {
  timeoutMs: number;
  signalRespecting: boolean;
  pgStatementTimeoutMs?: number;
}

export interface AegisTags {
  component: string;
  op: string;
  tenantId?: string;
  correlationId?: string;
}

export interface Fallback<T> {
  fn: (signal: AbortSignal) => Promise<T>;
  resourceClass: ResourceClass;
}

export interface WrapArgs<T> {
  budget: Budget;
  tags: AegisTags;
  primaryResourceClass: ResourceClass;
  fallback?: Fallback<T>;
}

export type AegisOutcome = "ok" | "primary_error" | "budget_exceeded" | "fallback" | "fallback_failed";

export interface AegisEvent {
  outcome: AegisOutcome;
  tags: AegisTags;
  elapsedMs: number;
  primaryResourceClass: ResourceClass;
  fallbackResourceClass?: ResourceClass;
  errorMessage?: string;
  fallbackErrorMessage?: string;
  timeoutMs: number;
}

export type AegisObserver = (event: AegisEvent) => void;

// ---------------------------------------------------------------------------------------------
// Errors

export class AegisConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AegisConfigError";
  }
}

export class BudgetExceededError extends Error {
  readonly budget: Budget;
  readonly elapsedMs: number;
  readonly tags: AegisTags;

  constructor(budget: Budget, elapsedMs: number, tags: AegisTags) {
    super(`budget of ${budget.timeoutMs} ms exceeded after ${elapsedMs.toFixed(1)} ms`);
    this.name = "BudgetExceededError";
    this.budget = budget;
    this.elapsedMs = elapsedMs;
    this.tags = tags;
  }
}

export class FallbackFailedError extends Error {
  readonly originalCause: unknown;
  readonly fallbackCause: unknown;
  readonly tags: AegisTags;

  constructor(originalCause: unknown, fallbackCause: unknown, tags: AegisTags) {
    super(`fallback failed: ${describe(fallbackCause)} (after ${describe(originalCause)})`);
    this.name = "FallbackFailedError";
    this.originalCause = originalCause;
    this.fallbackCause = fallbackCause;
    this.tags = tags;
  }
}

/** An Error named `AbortError`: what a stage that ran out of time is aborted with. */
function abortError(message: string): Error {
  const error = new Error(message);
  error.name = "AbortError";
  return error;
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------
// Resource classes

const RANKS: ReadonlyMap<string, number> = new Map([
  ["mem-sample", 0],
  ["cpu", 1],
  ["io", 2],
  ["pg", 3],
  ["llm", 4],
]);

/** The rank of a resource class, cheapest first; an unknown class is a configuration error. */
export function resourceClassRank(resourceClass: string): number {
  const rank = RANKS.get(resourceClass);
  if (rank === undefined) throw new AegisConfigError(`unknown resource class ${JSON.stringify(resourceClass)}`);
  return rank;
}

// ---------------------------------------------------------------------------------------------
// Tags and the observer

const activeTags = new AsyncLocalStorage<AegisTags>();
let observer: AegisObserver | undefined;

/** The tags of the innermost active call, or `undefined` outside any call. */
export function getAegisTags(): AegisTags | undefined {
  return activeTags.getStore();
}

export function setAegisObserver(fn: AegisObserver): void {
  observer = fn;
}

export function clearAegisObserver(): void {
  observer = undefined;
}

function emit(event: AegisEvent): void {
  const current = observer;
  if (current === undefined) return;
  try {
    current(event);
  } catch {
    // A failing observer must not change the outcome of the call it reports.
  }
}

/** The tags an event carries: a copy of the call's tags, absent optional ones left out. */
function eventTags(tags: AegisTags): AegisTags {
  const copy: AegisTags = { component: tags.component, op: tags.op };
  // MUTANT: tenant-dropped — the copy is built field by field and tenantId is forgotten.
  if (tags.tenantId !== undefined && MUTANT !== "tenant-dropped") copy.tenantId = tags.tenantId;
  if (tags.correlationId !== undefined) copy.correlationId = tags.correlationId;
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Validation

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A whole number of at least 1 (within the range a u64 can hold, as the reference has it). */
function isPositiveWhole(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 2 ** 64 - 1;
}

function unknownKeys(record: Record<string, unknown>, known: readonly string[], where: string, problems: string[]): void {
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) problems.push(`unknown field ${where}${key}`);
  }
}

/** Throws AegisConfigError naming every problem of `args`; nothing has run yet. */
function validate(args: unknown, fn: unknown): asserts args is WrapArgs<unknown> {
  const problems: string[] = [];
  if (!isRecord(args)) throw new AegisConfigError("the arguments must be an object");
  unknownKeys(args, ["budget", "tags", "primaryResourceClass", "fallback"], "", problems);

  const budget = args.budget;
  if (!isRecord(budget)) {
    problems.push("budget must be an object");
  } else {
    unknownKeys(budget, ["timeoutMs", "signalRespecting", "pgStatementTimeoutMs"], "budget.", problems);
    if (!isPositiveWhole(budget.timeoutMs)) problems.push("budget.timeoutMs must be a positive whole number");
    if (typeof budget.signalRespecting !== "boolean") problems.push("budget.signalRespecting must be a boolean");
    if (budget.pgStatementTimeoutMs !== undefined && !isPositiveWhole(budget.pgStatementTimeoutMs)) {
      problems.push("budget.pgStatementTimeoutMs must be a positive whole number when given");
    }
  }

  const tags = args.tags;
  if (!isRecord(tags)) {
    problems.push("tags must be an object");
  } else {
    unknownKeys(tags, ["component", "op", "tenantId", "correlationId"], "tags.", problems);
    for (const key of ["component", "op"]) {
      if (typeof tags[key] !== "string") problems.push(`tags.${key} must be a string`);
    }
    for (const key of ["tenantId", "correlationId"]) {
      if (tags[key] !== undefined && typeof tags[key] !== "string") problems.push(`tags.${key} must be a string when given`);
    }
  }

  if (typeof fn !== "function") problems.push("fn must be a function");

  const classes: Array<[string, unknown]> = [["primaryResourceClass", args.primaryResourceClass]];
  const fallback = args.fallback;
  if (fallback !== undefined) {
    if (!isRecord(fallback)) {
      problems.push("fallback must be an object");
    } else {
      unknownKeys(fallback, ["fn", "resourceClass"], "fallback.", problems);
      if (typeof fallback.fn !== "function") problems.push("fallback.fn must be a function");
      classes.push(["fallback.resourceClass", fallback.resourceClass]);
    }
  }
  // Fail closed: a class outside the five is refused, with or without a fallback.
  for (const [what, resourceClass] of classes) {
    if (typeof resourceClass !== "string" || !RANKS.has(resourceClass)) {
      problems.push(`${what} ${JSON.stringify(resourceClass) ?? String(resourceClass)} is not one of the five resource classes`);
    }
  }
  if (isRecord(fallback)) {
    const primaryRank = RANKS.get(args.primaryResourceClass as string);
    const fallbackRank = RANKS.get(fallback.resourceClass as string);
    if (primaryRank !== undefined && fallbackRank !== undefined) {
      // A fallback may cost as much as the primary, never more.
      // MUTANT: equal-class-rejected — `>=` where `>` is meant.
      const outranks = MUTANT === "equal-class-rejected" ? fallbackRank >= primaryRank : fallbackRank > primaryRank;
      if (outranks) {
        problems.push(`fallback class ${String(fallback.resourceClass)} outranks primary class ${String(args.primaryResourceClass)}`);
      }
    }
  }
  if (problems.length > 0) throw new AegisConfigError(problems.join("; "));
}

// ---------------------------------------------------------------------------------------------
// Running a stage under a deadline

/** setTimeout clamps delays above 2^31 - 1 ms; longer deadlines are armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function armDeadline(ms: number, onDeadline: () => void): () => void {
  if (MUTANT === "timer-overflow") {
    // MUTANT: timer-overflow — one timer for the whole budget; Node clamps a delay above
    // 2^31 - 1 ms to 1 ms (TimeoutOverflowWarning), so a long budget runs out at once.
    const raw = setTimeout(onDeadline, ms);
    return () => clearTimeout(raw);
  }
  let timer: ReturnType<typeof setTimeout>;
  const due = performance.now() + ms;
  const arm = (remaining: number): void => {
    timer = setTimeout(() => {
      const left = due - performance.now();
      if (remaining > MAX_TIMER_MS && left > 0) arm(left);
      else onDeadline();
    }, Math.min(Math.max(remaining, 0), MAX_TIMER_MS));
  };
  arm(ms);
  return () => clearTimeout(timer);
}

type StageResult<T> = { kind: "value"; value: T } | { kind: "error"; error: unknown } | { kind: "deadline" };

/**
 * Calls `fn(controller.signal)` and settles with whichever comes first: its value, its error,
 * or the deadline (when the signal is aborted). Whatever the function does after that is
 * discarded.
 */
function runStage<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  controller: AbortController,
): Promise<StageResult<T>> {
  return new Promise<StageResult<T>>((resolve) => {
    let settled = false;
    const disarm = armDeadline(timeoutMs, () => {
      if (settled) return;
      settled = true;
      resolve({ kind: "deadline" });
      controller.abort(abortError(`the budget of ${timeoutMs} ms ran out`));
    });
    const finish = (result: StageResult<T>): void => {
      if (settled) return; // a late value or error: discarded
      settled = true;
      disarm();
      resolve(result);
    };
    let pending: Promise<T>;
    try {
      pending = Promise.resolve(fn(controller.signal));
    } catch (error) {
      finish({ kind: "error", error }); // fn threw before returning a promise
      return;
    }
    pending.then(
      (value) => finish({ kind: "value", value }),
      (error) => finish({ kind: "error", error }),
    );
  });
}

// ---------------------------------------------------------------------------------------------
// The wrapper

/**
 * Runs `fn` under `args.budget.timeoutMs`. When the deadline passes first, `fn`'s signal is
 * aborted and, with a fallback declared, the fallback runs with a fresh signal and a deadline of
 * its own; otherwise the call fails with BudgetExceededError. Exactly one event is reported per
 * completed call; `getAegisTags()` returns `args.tags` inside the call.
 */
export async function withResourceBudget<T>(args: WrapArgs<T>, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  validate(args, fn);
  const { budget, tags, primaryResourceClass, fallback } = args;
  const timeoutMs = budget.timeoutMs;
  const start = performance.now();
  startStalls();
  const report = (outcome: AegisOutcome, extra: Partial<AegisEvent> = {}): void => {
    emit({
      outcome,
      tags: eventTags(tags),
      elapsedMs: performance.now() - start,
      primaryResourceClass,
      timeoutMs,
      ...extra,
    });
  };

  return activeTags.run(tags, async () => {
    const primaryController = new AbortController();
    const primary = await runStage(fn, timeoutMs, primaryController);
    if (primary.kind === "value") {
      report("ok");
      return primary.value;
    }
    if (primary.kind === "error") {
      report("primary_error", { errorMessage: messageOf(primary.error) });
      throw primary.error;
    }
    if (fallback === undefined) {
      report("budget_exceeded", { errorMessage: `the budget of ${timeoutMs} ms ran out` });
      throw new BudgetExceededError(budget, performance.now() - start, tags);
    }

    // MUTANT: stale-signal — the primary's controller (already aborted) is reused.
    const fallbackController = MUTANT === "stale-signal" ? primaryController : new AbortController();
    const second = await runStage(fallback.fn, timeoutMs, fallbackController);
    const fallbackResourceClass = fallback.resourceClass;
    if (second.kind === "value") {
      report("fallback", { fallbackResourceClass });
      if (MUTANT === "double-event") {
        // MUTANT: double-event — a leftover "fallback used" report beside the outcome's own.
        report("fallback", { fallbackResourceClass });
      }
      return second.value;
    }
    const originalCause = abortError(`the primary was aborted after ${timeoutMs} ms`);
    const fallbackCause = second.kind === "error" ? second.error : abortError(`the fallback was aborted after ${timeoutMs} ms`);
    report("fallback_failed", {
      fallbackResourceClass,
      errorMessage: originalCause.message,
      fallbackErrorMessage: messageOf(fallbackCause),
    });
    throw new FallbackFailedError(originalCause, fallbackCause, tags);
  });
}
