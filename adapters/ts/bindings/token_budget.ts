/**
 * Binding for contract `token-budget`: drives a TypeScript port of lexigram-contracts'
 * immutable `TokenBudget`.
 *
 * There is no published TypeScript one: the implementation is the module whose entry file
 * `TOKEN_BUDGET_TS_SRC` names. It must export (the bundled sample,
 * adapters/samples/ts/token-budget/budget.ts, is the model):
 *   TokenBudget   a class: new TokenBudget({ modelContextLimit, reservedForOutput,
 *                 systemPromptTokens, toolDefinitionsTokens, ragContextTokens?, historyTokens? }),
 *                 getters totalUsed, remaining, remainingForHistory, overBudget, and methods
 *                 withRagTokens(n), withHistoryTokens(n) returning new budgets
 *
 * Calls and output: ../../PROTOCOL.md, section `token-budget`. Integers beyond 2^53 arrive as
 * BigInts (the adapter reads them exactly) and are passed as they are; what the getters return
 * is written as it is (a BigInt as an integer literal). `run` is synchronous: the adapter answers
 * each case at once. `snippet` writes the program reproducing a case (the `snippet` op).
 */

import path from "node:path";
import { isFile, packageVersion, jsLiteral, errorType, errorMessage, importExports } from "./common.ts";

interface Budget {
  readonly totalUsed: unknown;
  readonly remaining: unknown;
  readonly remainingForHistory: unknown;
  readonly overBudget: unknown;
  withRagTokens(n: unknown): Budget;
  withHistoryTokens(n: unknown): Budget;
}

type BudgetClass = new (fields: unknown) => Budget;

const FIELDS = [
  "modelContextLimit",
  "reservedForOutput",
  "systemPromptTokens",
  "toolDefinitionsTokens",
  "ragContextTokens",
  "historyTokens",
] as const;

let TokenBudget: BudgetClass | undefined; // the implementation, bound by load()

// ---------------------------------------------------------------------------------------------
// Loading the implementation

/** The entry file named by `TOKEN_BUDGET_TS_SRC`. */
function locateEntry(source: string | undefined = process.env.TOKEN_BUDGET_TS_SRC): string {
  if (source === undefined || source === "") {
    throw new Error(
      "TOKEN_BUDGET_TS_SRC is not set: point it at the entry file of a TypeScript TokenBudget (there is no published TypeScript one; the bundled sample is adapters/samples/ts/token-budget/budget.ts)",
    );
  }
  const entry = path.resolve(source);
  if (!isFile(entry)) throw new Error(`TOKEN_BUDGET_TS_SRC=${source}: ${entry} is not a file (point it at the module's entry file)`);
  return entry;
}

/** Where a bug program imports the port from, and how it writes values (BigInts exact). */
export const programSource = { variable: "TOKEN_BUDGET_TS_SRC", entries: [], exports: "TokenBudget" };
export const programLiteral = (value: unknown): string => source(value);

/** Token counts are exact at any size: the adapter reads integers beyond 2^53 as BigInt. */
export const exactIntegers = true;

export async function load(): Promise<{ name: string; version: string }> {
  const entry = locateEntry();
  const module = await importExports(entry, "TokenBudget");
  if (typeof module.TokenBudget !== "function") throw new Error(`${entry} does not export a TokenBudget class`);
  TokenBudget = module.TokenBudget as BudgetClass;
  return { name: "lexigram-contracts TokenBudget (TypeScript port)", version: packageVersion(entry) };
}

// ---------------------------------------------------------------------------------------------
// The case input

interface Case {
  budget: Record<string, unknown>;
  steps: unknown[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The case's shape; the values inside are the implementation's to judge. A budget that is not
 * an object, or steps (absent: none) that are not an array, raise: no budget can be built from
 * such an input, so `run` reports it as the case's error, as the contract has it.
 */
function parseCase(input: Record<string, unknown>): Case {
  if (!isObject(input.budget)) throw new TypeError("the case input's budget is not an object");
  const steps = input.steps === undefined ? [] : input.steps;
  if (!Array.isArray(steps)) throw new TypeError("the case input's steps is not an array");
  return { budget: input.budget, steps };
}

type Step = { method: "withRagTokens" | "withHistoryTokens"; value: unknown };

/** A step is exactly {"withRag": n} or {"withHistory": n}; anything else is an error result (the case's). */
function stepOf(step: unknown, n: number): Step {
  const keys = isObject(step) ? Object.keys(step) : [];
  if (isObject(step) && keys.length === 1 && (keys[0] === "withRag" || keys[0] === "withHistory")) {
    return { method: keys[0] === "withRag" ? "withRagTokens" : "withHistoryTokens", value: step[keys[0]] };
  }
  const error = new TypeError(`steps[${n}] is not {"withRag": n} or {"withHistory": n}: ${source(step)}`);
  error.name = "InvalidStep";
  throw error;
}

// ---------------------------------------------------------------------------------------------
// Running one case

export interface RunResult {
  output: Record<string, unknown>;
}

export function run(input: unknown): RunResult {
  const impl = TokenBudget;
  if (impl === undefined) throw new Error("the token-budget binding is not loaded");
  if (!isObject(input)) throw new TypeError("the case input is not an object");
  try {
    return { output: { ok: runBudget(impl, parseCase(input)) } };
  } catch (error) {
    // Anything raised on the way: construction, a property, a step.
    return { output: { error: { type: errorType(error), message: errorMessage(error) } } };
  }
}

/** The four properties, read in this order; each value written as it is (absent as null). */
function stateOf(budget: Budget): Record<string, unknown> {
  return {
    totalUsed: budget.totalUsed ?? null,
    remaining: budget.remaining ?? null,
    remainingForHistory: budget.remainingForHistory ?? null,
    overBudget: budget.overBudget ?? null,
  };
}

function runBudget(impl: BudgetClass, c: Case): Record<string, unknown> {
  const original = new impl(c.budget); // the fields exactly as given, absent ones left out
  const asConstructed = FIELDS.map((field) => (original as unknown as Record<string, unknown>)[field]);
  const states = [stateOf(original)];
  let current = original;
  let newObject = true;
  c.steps.forEach((step, n) => {
    const { method, value } = stepOf(step, n);
    const next = current[method](value);
    if (next === current) newObject = false;
    current = next;
    states.push(stateOf(current));
  });
  const after = original as unknown as Record<string, unknown>;
  const originalUnchanged = FIELDS.every((field, n) => Object.is(after[field], asConstructed[n]));
  // One assignment to a field of the original, of a value other than its own. This module is
  // an ES module, so strict: a refused assignment throws instead of being ignored.
  let assignmentFails = false;
  try {
    after.ragContextTokens = after.ragContextTokens === 0n ? 1n : 0n;
  } catch {
    assignmentFails = true;
  }
  return { states, immutable: { newObject, originalUnchanged, assignmentFails } };
}

// ---------------------------------------------------------------------------------------------
// Snippets (the `snippet` op of ../../PROTOCOL.md): a paste-ready program that reproduces one
// case with the port's API, making exactly the calls `run` makes.

/** The program reproducing `input`, or null when `run` could not translate it either. */
export function snippet(input: unknown): string | null {
  let c: Case;
  try {
    c = parseCase(input);
  } catch {
    return null;
  }
  const steps: string[] = [];
  for (const [n, step] of c.steps.entries()) {
    let call: Step;
    try {
      call = stepOf(step, n);
    } catch {
      // What the binding does with such a step: the case ends as an error there.
      steps.push(
        `  // steps[${n}], ${source(step)}, is neither {"withRag": n} nor {"withHistory": n}: the harness counts the case as an error.`,
        `  throw new TypeError(${jsLiteral(`steps[${n}] is not a with… step`)});`,
      );
      break;
    }
    steps.push(
      `  const after${n} = current.${call.method}(${source(call.value)});`,
      `  if (after${n} === current) newObject = false;`,
      `  current = after${n};`,
      `  states.push(state(${jsLiteral(`after steps[${n}]`)}, current));`,
    );
  }
  return [
    "// Reproduces a divergence found by the conformance harness: contract token-budget",
    "// Look at: the four properties of each budget (exact integers: BigInt), whether a with… step",
    "// returned a new budget, whether the original kept its fields, and whether assigning to a field throws.",
    "const { TokenBudget } = implementation;",
    "",
    "const FIELDS = [",
    '  "modelContextLimit", "reservedForOutput", "systemPromptTokens",',
    '  "toolDefinitionsTokens", "ragContextTokens", "historyTokens",',
    "] as const;",
    "",
    "/** The four properties, printed and recorded (absent as null). */",
    "function state(label: string, budget: any): Record<string, unknown> {",
    "  const { totalUsed = null, remaining = null, remainingForHistory = null, overBudget = null } = budget;",
    "  console.log(label, { totalUsed, remaining, remainingForHistory, overBudget });",
    "  return { totalUsed, remaining, remainingForHistory, overBudget };",
    "}",
    "",
    "let actual: unknown;",
    "try {",
    "  // `any`: the fields exactly as the harness had them, even where they break the types.",
    `  const original: any = new TokenBudget(${source(c.budget)} as any);`,
    "  const asConstructed = FIELDS.map((field) => original[field]);",
    '  const states = [state("as constructed", original)];',
    "  let current: any = original;",
    "  let newObject = true;",
    ...steps,
    '  console.log("every step returned a new object:", newObject);',
    "  const originalUnchanged = FIELDS.every((field, n) => Object.is(original[field], asConstructed[n]));",
    '  console.log("original unchanged:", originalUnchanged);',
    "  let assignmentFails = false;",
    "  try {",
    "    original.ragContextTokens = original.ragContextTokens === 0n ? 1n : 0n; // strict mode (an ES module)",
    '    console.log("assignment to ragContextTokens: accepted");',
    "  } catch (error) {",
    "    assignmentFails = true;",
    '    console.log("assignment to ragContextTokens: threw", (error as Error)?.name);',
    "  }",
    "  actual = { ok: { states, immutable: { newObject, originalUnchanged, assignmentFails } } };",
    "} catch (error) {",
    "  const err = error as Error;",
    '  console.log("threw:", err?.name, "| class:", err?.constructor?.name, "|", err?.message);',
    '  actual = { error: "raised" }; // any error: the contract compares only that one is thrown',
    "}",
    "",
  ].join("\n");
}

/** A value as source: BigInts as `123n` (exact), the rest as their JSON literals. */
function source(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (Array.isArray(value)) return `[${value.map(source).join(", ")}]`;
  if (isObject(value)) {
    const members = Object.entries(value).map(([key, item]) => {
      // A computed key: a plain "__proto__": in a literal would set the prototype instead.
      const name = key === "__proto__" ? `[${jsLiteral(key)}]` : jsLiteral(key);
      return `${name}: ${source(item)}`;
    });
    return `{ ${members.join(", ")} }`;
  }
  return jsLiteral(value);
}
