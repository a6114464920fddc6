/**
 * Binding for contract `budget`: drives the TypeScript aegis API (`withResourceBudget`).
 *
 * The implementation is the module named by `AEGIS_TS_SRC`: an entry file itself, or an aegis
 * checkout whose `src/index.ts` (v0.1.1 layout) or `ts/src/index.ts` (earlier layout) is the
 * entry. See ../../PROTOCOL.md for the canonical output this binding produces; `snippet` writes
 * the program reproducing a case (the `snippet` op).
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { statSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { isFile, packageVersion, jsLiteral, importExports } from "./common.ts";

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


/** Imports the implementation and registers the observer; returns its name and version. */
export async function load(): Promise<{ name: string; version: string }> {
  const entry = locateEntry();
  const module = await importExports(entry, "withResourceBudget");
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

/**
 * An object the implementation produced, as it holds it: every own enumerable key, `null`s
 * included, a key holding `undefined` left out (JavaScript's absent). What the contract does
 * not compare is left out by the harness's comparison, never here.
 */
function asHeld(value: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined) out[key] = member;
  }
  return out;
}

/** Tags as the implementation holds them; null for no tags. */
function tagsJson(tags: unknown): Json {
  if (tags === undefined || tags === null) return null;
  if (typeof tags !== "object") return tags as Json;
  return asHeld(tags) as Json;
}

function orNull(value: unknown): Json {
  return value === undefined ? null : (value as Json);
}

/** An observer event as the implementation holds it, its tags as `tagsJson` has them. */
function eventJson(event: unknown): Json {
  if (typeof event !== "object" || event === null) return orNull(event);
  const fields = asHeld(event);
  if ("tags" in fields) fields.tags = tagsJson(fields.tags);
  return fields as Json;
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

const KINDS = ["resolve", "reject", "hang_until_abort", "ignore_abort_resolve", "sync_throw", "resolve_now", "reject_now"];
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
  if ((kind === "resolve" || kind === "ignore_abort_resolve" || kind === "resolve_now") && !("value" in script)) {
    throw scriptError(what, "no value");
  }
  if ((kind === "reject" || kind === "sync_throw" || kind === "reject_now") && typeof script.errorName !== "string") {
    throw scriptError(what, "errorName is not a string");
  }

  const fail = (error: Error): Error => {
    if (stage === "primary") state.primaryErrors.add(error);
    return error;
  };
  const aborted = (): Error => fail(namedError("AbortError", "aborted"));

  // Async functions that settle without awaiting anything: before any timer can fire.
  if (kind === "resolve_now") {
    return async function resolveNow(_signal: AbortSignal): Promise<unknown> {
      state.seen.set(stage, tagsJson(aegis!.getAegisTags()));
      return script.value;
    };
  }
  if (kind === "reject_now") {
    return async function rejectNow(_signal: AbortSignal): Promise<unknown> {
      state.seen.set(stage, tagsJson(aegis!.getAegisTags()));
      throw fail(namedError(script.errorName, script.errorMessage));
    };
  }

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
      let begun: number | undefined;
      const requested = delay;
      const onAbort = (): void => {
        clearTimeout(timer);
        // A timer already overdue when the abort arrives was fired late: that counts as lag
        // too (the race may have gone the other way only because the loop was busy).
        if (begun !== undefined) state.maxLagMs = Math.max(state.maxLagMs, performance.now() - begun - requested);
        reject(aborted());
      };
      if (abortable) signal.addEventListener("abort", onAbort, { once: true });
      if (kind === "hang_until_abort") return;
      const started = performance.now();
      begun = started;
      timer = setTimeout(() => {
        if (abortable) signal.removeEventListener("abort", onAbort);
        state.maxLagMs = Math.max(state.maxLagMs, performance.now() - started - requested);
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
      // A fallback without `fn` is passed without one: the implementation decides.
      if ("fn" in spec) args.fallback = { ...spec, fn: scripted(spec.fn, "fallback", state, "fallback.fn") };
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

// ---------------------------------------------------------------------------------------------
// Snippets (the `snippet` op of ../../PROTOCOL.md): a paste-ready program that reproduces one
// case with the real aegis API, for a bug report. It does what `run` does: the same arguments,
// scripted functions that behave the same, errors named the same.

const SNIPPET_IMPORT =
  "const { withResourceBudget, setAegisObserver, getAegisTags, BudgetExceededError, FallbackFailedError, AegisConfigError } = implementation;";

/** Where a bug program imports aegis from. */
export const programSource = { variable: "AEGIS_TS_SRC", entries: ["src/index.ts", "ts/src/index.ts"], exports: "withResourceBudget" };

// What a program records, as `run` reports it, less what the contract does not decide (the
// harness's comparison): events without elapsed times and messages, a tag holding null left out.
const RECORDING = [
  "const events: unknown[] = []; // what the observer received",
  "const seen = new Map<string, unknown>(); // stage -> the tags active when its function was called",
  "const primaryErrors = new Set<unknown>(); // what the primary threw",
  "",
  "/** An object as held: own keys, one holding undefined left out, one holding null too (absent). */",
  "function decided(value: any): any {",
  '  if (typeof value !== "object" || value === null) return value ?? null;',
  "  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined && member !== null));",
  "}",
  "",
  "function decidedEvent(event: any): any {",
  '  if (typeof event !== "object" || event === null) return event ?? null;',
  "  const { elapsedMs, errorMessage, fallbackErrorMessage, ...fields } = Object.fromEntries(",
  "    Object.entries(event).filter(([, member]) => member !== undefined),",
  "  ) as any;",
  '  if ("tags" in fields) fields.tags = decided(fields.tags);',
  "  return { fallbackResourceClass: null, ...fields };",
  "}",
  "",
  "/** `.name` when the error has a string one, else its class name. */",
  "function errorName(error: any): string | null {",
  "  if (error === undefined || error === null) return null;",
  '  if (typeof error === "object" || typeof error === "function") {',
  '    return typeof error.name === "string" ? error.name : error.constructor?.name ?? "Object";',
  "  }",
  "  return typeof error;",
  "}",
  "",
  "/** `fn`, its errors recorded as the primary's. */",
  "function tracked(fn: (signal: AbortSignal) => Promise<unknown>): (signal: AbortSignal) => Promise<unknown> {",
  "  return (signal) => {",
  "    try {",
  "      return fn(signal).catch((error: unknown) => {",
  "        primaryErrors.add(error);",
  "        throw error;",
  "      });",
  "    } catch (error) {",
  "      primaryErrors.add(error);",
  "      throw error;",
  "    }",
  "  };",
  "}",
  "",
];

/** The program reproducing `input`, or null when `run` could not script it either. */
export function snippet(input: unknown): string | null {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return null;
  const c = input as Record<string, unknown>;
  const fallback = isPlainObject(c.fallback) ? c.fallback : undefined; // else passed as given, no function
  const stages: [Stage, Record<string, unknown>][] = [];
  try {
    // The same checks `run` makes before calling anything: what it refuses has no program.
    scripted(c.primary, "primary", new CaseState(), "primary");
    stages.push(["primary", c.primary as Record<string, unknown>]);
    if (fallback !== undefined && "fn" in fallback) {
      scripted(fallback.fn, "fallback", new CaseState(), "fallback.fn");
      stages.push(["fallback", fallback.fn as Record<string, unknown>]);
    }
  } catch {
    return null;
  }
  const kinds = new Set(stages.map(([, spec]) => spec.kind));

  const lines = [
    "// Reproduces a divergence found by the conformance harness: contract budget",
    `// Scenario: ${scenario(c, stages)}`,
    "// Look at: what the call returns or throws, the observer events (exactly one per completed",
    "// call, none for AegisConfigError) and the tags seen inside and after the call.",
    SNIPPET_IMPORT,
    "",
    ...RECORDING,
  ];
  if ([...kinds].some((kind) => kind !== "ignore_abort_resolve")) {
    lines.push(
      "function namedError(name: string, message: string): Error {",
      "  const error = new Error(message);",
      "  error.name = name;",
      "  return error;",
      "}",
      "",
    );
  }
  if (kinds.has("resolve") || kinds.has("reject")) {
    lines.push(
      "/** Resolves after `ms`, or rejects with an AbortError as soon as `signal` fires. */",
      "function sleepOrAbort(ms: number, signal: AbortSignal): Promise<void> {",
      "  return new Promise((resolve, reject) => {",
      '    if (signal?.aborted) return reject(namedError("AbortError", "aborted"));',
      "    const onAbort = (): void => {",
      "      clearTimeout(timer);",
      '      reject(namedError("AbortError", "aborted"));',
      "    };",
      "    const timer = setTimeout(() => {",
      '      signal?.removeEventListener("abort", onAbort);',
      "      resolve();",
      "    }, ms);",
      '    signal?.addEventListener("abort", onAbort, { once: true });',
      "  });",
      "}",
      "",
    );
  }
  if (kinds.has("hang_until_abort")) {
    lines.push(
      "/** Never settles on its own; rejects with an AbortError when `signal` fires. */",
      "function untilAbort(signal: AbortSignal): Promise<never> {",
      "  return new Promise((_resolve, reject) => {",
      '    if (signal?.aborted) return reject(namedError("AbortError", "aborted"));',
      '    signal?.addEventListener("abort", () => reject(namedError("AbortError", "aborted")), { once: true });',
      "  });",
      "}",
      "",
    );
  }
  for (const [stage, spec] of stages) lines.push(...functionSource(stage, spec), "");

  // The arguments as `run` builds them: the input without `primary`, the fallback's `fn`
  // replaced by the scripted function (a fallback that is not an object, or has no `fn`, is
  // passed as given).
  const properties = Object.keys(c)
    .filter((key) => key !== "primary")
    .map((key) => {
      if (key !== "fallback" || fallback === undefined) return `    ${propertyKey(key)}: ${jsLiteral(c[key])},`;
      const inner = Object.keys(fallback).map((k) => `${propertyKey(k)}: ${k === "fn" ? "fallback" : jsLiteral(fallback[k])}`);
      return `    fallback: { ${inner.join(", ")} },`;
    });
  lines.push(
    "async function main(): Promise<Record<string, unknown>> {",
    "  setAegisObserver((event) => {",
    '    console.log("event:", JSON.stringify(event));',
    "    events.push(event);",
    "  });",
    "  // The arguments exactly as the harness passed them (`any`: they may break the declared types).",
    "  const args: any = {",
    ...properties,
    "  };",
    "  const output: Record<string, unknown> = { outcome: null, value: null, errorName: null, originalErrorName: null, fallbackErrorName: null };",
    "  try {",
    "    const result = await withResourceBudget(args, tracked(primary));",
    '    console.log("returned:", JSON.stringify(result));',
    '    output.outcome = seen.has("fallback") ? "fallback" : "ok";',
    "    output.value = result ?? null;",
    "  } catch (error) {",
    "    const err = error as Error;",
    "    const aegisClass = [AegisConfigError, BudgetExceededError, FallbackFailedError].find((cls) => error instanceof cls);",
    '    console.log("threw:", err?.name, "| aegis class:", aegisClass?.name ?? "none", "|", err?.message);',
    "    output.errorName = errorName(error);",
    '    if (error instanceof AegisConfigError) output.outcome = "config_error";',
    '    else if (error instanceof BudgetExceededError) output.outcome = "budget_exceeded";',
    "    else if (error instanceof FallbackFailedError) {",
    '      output.outcome = "fallback_failed";',
    "      output.originalErrorName = errorName(error.originalCause);",
    "      output.fallbackErrorName = errorName(error.fallbackCause);",
    '      console.log("causes:", output.originalErrorName, output.fallbackErrorName);',
    '    } else output.outcome = primaryErrors.has(error) ? "primary_error" : "unexpected_error";',
    "  }",
    "  const tagsAfter = getAegisTags();",
    '  console.log("tags after:", JSON.stringify(tagsAfter));',
    "  await new Promise((resolve) => setImmediate(resolve)); // an event emitted just after settling still counts",
    "  output.events = events.map(decidedEvent);",
    '  output.tagsSeen = { primary: decided(seen.get("primary")), fallback: decided(seen.get("fallback")) };',
    "  output.tagsAfter = decided(tagsAfter);",
    "  return output;",
    "}",
    "",
    "const actual = await main();",
  );
  return lines.join("\n");
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The scripted function of `stage` as source lines (behaving as `scripted` does). */
function functionSource(stage: Stage, spec: Record<string, unknown>): string[] {
  const tags = `  seen.set("${stage}", getAegisTags());\n  console.log("${stage} sees tags:", JSON.stringify(seen.get("${stage}")));`;
  const delay = jsLiteral(spec.delayMs ?? 0);
  const thrown = (): string =>
    `namedError(${jsLiteral(String(spec.errorName))}, ${jsLiteral(spec.errorMessage === undefined ? "" : String(spec.errorMessage))})`;
  const head = [`async function ${stage}(signal: AbortSignal): Promise<unknown> {`, tags];
  switch (spec.kind) {
    case "sync_throw":
      return [`function ${stage}(_signal: AbortSignal): Promise<unknown> {`, tags, `  throw ${thrown()};`, "}"];
    case "hang_until_abort":
      return [...head, "  return untilAbort(signal);", "}"];
    case "resolve_now":
      return [
        `async function ${stage}(_signal: AbortSignal): Promise<unknown> {`,
        tags,
        `  return ${jsLiteral(spec.value)}; // no await: settles before any timer`,
        "}",
      ];
    case "reject_now":
      return [
        `async function ${stage}(_signal: AbortSignal): Promise<unknown> {`,
        tags,
        `  throw ${thrown()}; // no await: settles before any timer`,
        "}",
      ];
    case "ignore_abort_resolve":
      return [
        `async function ${stage}(_signal: AbortSignal): Promise<unknown> {`,
        tags,
        `  await new Promise((resolve) => setTimeout(resolve, ${delay})); // ignores the signal`,
        `  return ${jsLiteral(spec.value)};`,
        "}",
      ];
    case "resolve":
      return [...head, `  await sleepOrAbort(${delay}, signal);`, `  return ${jsLiteral(spec.value)};`, "}"];
    default: // reject
      return [...head, `  await sleepOrAbort(${delay}, signal);`, `  throw ${thrown()};`, "}"];
  }
}

/** One line describing the case, for the program's opening comment (literals keep it one line). */
function scenario(c: Record<string, unknown>, stages: [Stage, Record<string, unknown>][]): string {
  const describeStage = (role: string, spec: Record<string, unknown>): string => {
    const delay = `${jsLiteral(spec.delayMs ?? 0)} ms`;
    const name = jsLiteral(spec.errorName);
    const what: Record<string, string> = {
      resolve: `returns a value after ${delay}`,
      reject: `throws ${name} after ${delay}`,
      hang_until_abort: "hangs until aborted",
      ignore_abort_resolve: `ignores the abort, returns after ${delay}`,
      sync_throw: `throws ${name} synchronously`,
      resolve_now: "returns a value without awaiting",
      reject_now: `throws ${name} without awaiting`,
    };
    return `${role} ${what[spec.kind as string]}`;
  };
  const budget = isPlainObject(c.budget) ? c.budget.timeoutMs : undefined;
  const parts = [`budget ${jsLiteral(budget)} ms`, describeStage(`primary (${jsLiteral(c.primaryResourceClass)})`, stages[0][1])];
  const fallback = stages[1];
  if (fallback !== undefined) {
    parts.push(describeStage(`fallback (${jsLiteral((c.fallback as Record<string, unknown>).resourceClass)})`, fallback[1]));
  } else {
    parts.push("fallback" in c ? `fallback ${jsLiteral(c.fallback)}` : "no fallback");
  }
  return parts.join("; ");
}

/** A property name in an object literal; `__proto__` computed, so it stays an own property. */
function propertyKey(key: string): string {
  if (key === "__proto__") return '["__proto__"]';
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : jsLiteral(key);
}



