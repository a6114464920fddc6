/**
 * Binding for contract `budget`: drives the TypeScript aegis API (`withResourceBudget`).
 *
 * The implementation is the module named by `AEGIS_TS_SRC`: an entry file itself, or an aegis
 * checkout whose `src/index.ts` (v0.1.1 layout) or `ts/src/index.ts` (earlier layout) is the
 * entry. See ../../PROTOCOL.md for the canonical output this binding produces.
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

type Constructor = abstract new (...args: never[]) => unknown;

/** What the binding uses of an aegis module. */
interface Aegis {
  withResourceBudget: (args: unknown, fn: (signal: AbortSignal) => Promise<unknown>) => Promise<unknown>;
  setAegisObserver: (observer: (event: unknown) => void) => void;
  clearAegisObserver: () => void;
  getAegisTags: () => unknown;
  BudgetExceededError: Constructor;
  FallbackFailedError: Constructor;
  AegisConfigError: Constructor;
}

const FUNCTIONS = ["withResourceBudget", "setAegisObserver", "clearAegisObserver", "getAegisTags"] as const;
const CLASSES = ["BudgetExceededError", "FallbackFailedError", "AegisConfigError"] as const;

let aegis: Aegis | undefined; // the implementation, bound by load()

// The events of the case whose async context is current. Every case runs inside its own
// `caseEvents.run(...)`, so the observer finds its case through the async context, never by
// timing or tags.
const caseEvents = new AsyncLocalStorage<unknown[]>();

// ---------------------------------------------------------------------------------------------
// Loading the implementation

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The entry file of the implementation named by `AEGIS_TS_SRC`. */
export function locateEntry(source: string | undefined = process.env.AEGIS_TS_SRC): string {
  if (source === undefined || source === "") {
    throw new Error("AEGIS_TS_SRC is not set (point it at an aegis checkout, or at its entry file such as src/index.ts)");
  }
  const given = path.resolve(source);
  let stats;
  try {
    stats = statSync(given);
  } catch {
    throw new Error(`AEGIS_TS_SRC=${source}: ${given} does not exist`);
  }
  if (stats.isFile()) return given;
  if (!stats.isDirectory()) throw new Error(`AEGIS_TS_SRC=${source}: ${given} is neither a file nor a directory`);
  for (const candidate of ["src/index.ts", "ts/src/index.ts"]) {
    const entry = path.join(given, candidate);
    if (isFile(entry)) return entry;
  }
  throw new Error(`AEGIS_TS_SRC=${source}: no src/index.ts or ts/src/index.ts under ${given}`);
}

/** The version in the package.json nearest to `entry`, or "unknown". */
function packageVersion(entry: string): string {
  let dir = path.dirname(entry);
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (isFile(manifest)) {
      try {
        const version = (JSON.parse(readFileSync(manifest, "utf8")) as { version?: unknown }).version;
        return typeof version === "string" && version !== "" ? version : "unknown";
      } catch {
        return "unknown";
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return "unknown";
    dir = parent;
  }
}

/** The module's exports, or those of its default export when it was compiled to CommonJS. */
function exportsOf(module: Record<string, unknown>): Record<string, unknown> {
  if (typeof module.withResourceBudget !== "function" && typeof module.default === "object" && module.default !== null) {
    return module.default as Record<string, unknown>;
  }
  return module;
}

/** Imports the implementation and registers the observer; returns its name and version. */
export async function load(): Promise<{ name: string; version: string }> {
  const entry = locateEntry();
  const module = exportsOf((await import(pathToFileURL(entry).href)) as Record<string, unknown>);
  const missing = [
    ...FUNCTIONS.filter((name) => typeof module[name] !== "function"),
    ...CLASSES.filter((name) => typeof module[name] !== "function").map((name) => `class ${name}`),
  ];
  if (missing.length > 0) throw new Error(`${entry} does not export ${missing.join(", ")}`);
  aegis = module as unknown as Aegis;
  aegis.clearAegisObserver();
  aegis.setAegisObserver(observe);
  return { name: "aegis", version: packageVersion(entry) };
}

function observe(event: unknown): void {
  caseEvents.getStore()?.push(event);
}

// ---------------------------------------------------------------------------------------------
// Translating back to the canonical output

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const TAG_KEYS = ["component", "op", "tenantId", "correlationId"] as const;

/** Tags as canonical JSON: the four keys, each left out when absent; null for no tags. */
function tagsJson(tags: unknown): Json {
  if (tags === undefined || tags === null) return null;
  const record = tags as Record<string, unknown>;
  const out: Record<string, Json> = {};
  for (const key of TAG_KEYS) {
    const value = record[key];
    if (value !== undefined && value !== null) out[key] = value as Json;
  }
  return out;
}

function orNull(value: unknown): Json {
  return value === undefined ? null : (value as Json);
}

function eventJson(event: unknown): Json {
  const fields = (typeof event === "object" && event !== null ? event : {}) as Record<string, unknown>;
  return {
    outcome: orNull(fields.outcome),
    tags: tagsJson(fields.tags),
    primaryResourceClass: orNull(fields.primaryResourceClass),
    fallbackResourceClass: fields.fallbackResourceClass ?? null,
    timeoutMs: orNull(fields.timeoutMs),
  } as Json;
}

/** `.name` when the error has a string one, else its class name. */
function errorName(error: unknown): string {
  if ((typeof error === "object" && error !== null) || typeof error === "function") {
    const name = (error as { name?: unknown }).name;
    if (typeof name === "string") return name;
    const ctor = (error as { constructor?: { name?: unknown } }).constructor;
    if (typeof ctor?.name === "string") return ctor.name;
    return "Object";
  }
  return typeof error;
}

function causeName(error: unknown, field: "originalCause" | "fallbackCause"): string | null {
  const cause = (error as Record<string, unknown>)[field];
  return cause === undefined || cause === null ? null : errorName(cause);
}

// ---------------------------------------------------------------------------------------------
// Scripted functions

type Stage = "primary" | "fallback";

/** What one case's scripted functions saw and did. */
class CaseState {
  /** Stage -> the tags it saw; a stage is present once its function was called. */
  readonly seen = new Map<Stage, Json>();
  /** Every error the scripted primary threw or rejected with. */
  readonly primaryErrors = new Set<unknown>();
  /** The largest (actual - requested) delay of the case's scripted timers, in ms. */
  maxLagMs = 0;
}

const KINDS = ["resolve", "reject", "hang_until_abort", "ignore_abort_resolve", "sync_throw"];
const MAX_DELAY_MS = 2 ** 31 - 1; // setTimeout's limit

function namedError(name: unknown, message: unknown): Error {
  const error = new Error(message === undefined ? "" : String(message));
  error.name = String(name);
  return error;
}

function scriptError(what: string, problem: string): TypeError {
  return new TypeError(`${what} cannot be scripted: ${problem}`);
}

/** The scripted function for `spec`, called by the wrapper as fn(signal). */
function scripted(spec: unknown, stage: Stage, state: CaseState, what: string): (signal: AbortSignal) => Promise<unknown> {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) throw scriptError(what, "not an object");
  const script = spec as Record<string, unknown>;
  const kind = script.kind;
  if (typeof kind !== "string" || !KINDS.includes(kind)) throw scriptError(what, `unknown kind ${JSON.stringify(kind)}`);
  const delay = script.delayMs ?? 0;
  if (typeof delay !== "number" || !(delay >= 0 && delay <= MAX_DELAY_MS)) {
    throw scriptError(what, `delayMs ${JSON.stringify(delay)} is not a delay in 0..${MAX_DELAY_MS}`);
  }
  if ((kind === "resolve" || kind === "ignore_abort_resolve") && !("value" in script)) throw scriptError(what, "no value");
  if ((kind === "reject" || kind === "sync_throw") && typeof script.errorName !== "string") {
    throw scriptError(what, "errorName is not a string");
  }

  const fail = (error: Error): Error => {
    if (stage === "primary") state.primaryErrors.add(error);
    return error;
  };
  const aborted = (): Error => fail(namedError("AbortError", "aborted"));

  return function scriptedFn(signal: AbortSignal): Promise<unknown> {
    state.seen.set(stage, tagsJson(aegis!.getAegisTags()));
    if (kind === "sync_throw") throw fail(namedError(script.errorName, script.errorMessage));
    const abortable = kind !== "ignore_abort_resolve" && typeof signal?.addEventListener === "function";
    return new Promise((resolve, reject) => {
      if (abortable && signal.aborted) {
        reject(aborted());
        return;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(aborted());
      };
      if (abortable) signal.addEventListener("abort", onAbort, { once: true });
      if (kind === "hang_until_abort") return;
      const requested = delay;
      const begun = performance.now();
      timer = setTimeout(() => {
        if (abortable) signal.removeEventListener("abort", onAbort);
        state.maxLagMs = Math.max(state.maxLagMs, performance.now() - begun - requested);
        if (kind === "reject") reject(fail(namedError(script.errorName, script.errorMessage)));
        else resolve(script.value);
      }, requested);
    });
  };
}

/** The implementation's arguments, built from the input as given (even when invalid). */
function wrapArgs(input: Record<string, unknown>, state: CaseState): Record<string, unknown> {
  const { primary: _primary, ...args } = input;
  if ("fallback" in input) {
    const fallback = input.fallback;
    if (typeof fallback === "object" && fallback !== null && !Array.isArray(fallback)) {
      const spec = fallback as Record<string, unknown>;
      args.fallback = { ...spec, fn: scripted(spec.fn, "fallback", state, "fallback.fn") };
    }
  }
  return args;
}

// ---------------------------------------------------------------------------------------------
// Running one case

export interface RunResult {
  output: Json;
  elapsedMs: number;
  timerLagMs: number;
}

export function run(input: unknown): Promise<RunResult> {
  const events: unknown[] = [];
  return caseEvents.run(events, () => runCase(input, events));
}

async function runCase(input: unknown, events: unknown[]): Promise<RunResult> {
  const impl = aegis;
  if (impl === undefined) throw new Error("the budget binding is not loaded");
  if (typeof input !== "object" || input === null || Array.isArray(input)) throw new TypeError("the case input is not an object");
  const state = new CaseState();
  const primary = scripted((input as Record<string, unknown>).primary, "primary", state, "primary");
  const args = wrapArgs(input as Record<string, unknown>, state);

  const output: Record<string, Json> = {
    outcome: null,
    value: null,
    errorName: null,
    originalErrorName: null,
    fallbackErrorName: null,
  };
  const start = performance.now();
  let end: number;
  try {
    const value = await impl.withResourceBudget(args, primary);
    end = performance.now();
    output.outcome = state.seen.has("fallback") ? "fallback" : "ok";
    output.value = orNull(value);
  } catch (error) {
    end = performance.now();
    output.errorName = errorName(error);
    if (error instanceof impl.AegisConfigError) {
      output.outcome = "config_error";
    } else if (error instanceof impl.BudgetExceededError) {
      output.outcome = "budget_exceeded";
    } else if (error instanceof impl.FallbackFailedError) {
      output.outcome = "fallback_failed";
      output.originalErrorName = causeName(error, "originalCause");
      output.fallbackErrorName = causeName(error, "fallbackCause");
    } else if (state.primaryErrors.has(error)) {
      output.outcome = "primary_error";
    } else {
      output.outcome = "unexpected_error";
    }
  }
  const tagsAfter = tagsJson(impl.getAegisTags());
  // Let an event emitted just after settling arrive.
  await new Promise((resolve) => setImmediate(resolve));
  output.events = events.map(eventJson);
  output.tagsSeen = { primary: state.seen.get("primary") ?? null, fallback: state.seen.get("fallback") ?? null };
  output.tagsAfter = tagsAfter;
  return { output, elapsedMs: end - start, timerLagMs: state.maxLagMs };
}
