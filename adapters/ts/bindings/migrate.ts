/**
 * Binding for contract `migrate`: drives a TypeScript port of the antaris-contracts migrations.
 *
 * The port is the module whose entry file `ANTARIS_TS_SRC` names. It must export (the bundled
 * sample, adapters/samples/ts/antaris/migration.ts, is the model):
 *   migrate(data, fromVersion?, toVersion?)   the migrated copy of `data`; toVersion defaults to
 *                                              the current version when the argument is left out
 *   getMigrationPath(fromVersion, toVersion)  the steps, as [from, to] pairs
 *   compareVersions(a, b)                     { lt, le }: version a < b and a <= b; throws for a
 *                                              version that is not known
 *   MigrationError                            the error class
 * (`schemaVersion(x)`, the comparable version object, is part of the port but not called here.)
 *
 * Calls and output: ../../PROTOCOL.md, section `migrate`. An error's type is its `.name`, or
 * its constructor's name when `.name` is just the inherited "Error" (a subclass that did not set
 * one). `run` is synchronous: the adapter answers each case at once, with no promise per case.
 * `snippet` writes the program reproducing a case (the `snippet` op).
 */

import path from "node:path";
import { isFile, packageVersion, jsLiteral, errorType, errorMessage, importExports } from "./common.ts";

interface Port {
  migrate: (data: unknown, fromVersion?: unknown, toVersion?: unknown) => unknown;
  getMigrationPath: (fromVersion: unknown, toVersion: unknown) => unknown;
  compareVersions: (a: unknown, b: unknown) => unknown;
  MigrationError: abstract new (...args: never[]) => unknown;
}

const FUNCTIONS = ["migrate", "getMigrationPath", "compareVersions", "MigrationError"] as const;

let port: Port | undefined; // the implementation, bound by load()

// ---------------------------------------------------------------------------------------------
// Loading the implementation


/** The entry file named by `ANTARIS_TS_SRC`. */
function locateEntry(source: string | undefined = process.env.ANTARIS_TS_SRC): string {
  if (source === undefined || source === "") {
    throw new Error("ANTARIS_TS_SRC is not set: point it at a TypeScript port's entry file");
  }
  const entry = path.resolve(source);
  if (!isFile(entry)) throw new Error(`ANTARIS_TS_SRC=${source}: ${entry} is not a file (point it at the port's entry file)`);
  return entry;
}


export async function load(): Promise<{ name: string; version: string }> {
  const entry = locateEntry();
  const module = await importExports(entry, "migrate");
  const missing = FUNCTIONS.filter((name) => typeof module[name] !== "function");
  if (missing.length > 0) throw new Error(`${entry} does not export ${missing.join(", ")}`);
  port = module as unknown as Port;
  return { name: "antaris-contracts (TypeScript port)", version: packageVersion(entry) };
}

// ---------------------------------------------------------------------------------------------
// Running one case


function failure(error: unknown): { type: string; message: string } {
  return { type: errorType(error), message: errorMessage(error) };
}

export interface RunResult {
  output: Record<string, unknown>;
}

export function run(input: unknown): RunResult {
  const impl = port;
  if (impl === undefined) throw new Error("the migrate binding is not loaded");
  if (typeof input !== "object" || input === null || Array.isArray(input)) throw new TypeError("the case input is not an object");
  const c = input as Record<string, unknown>;
  switch (c.op) {
    case "migrate":
      return runMigrate(impl, c);
    case "path":
      return runPath(impl, c);
    case "compare":
      return runCompare(impl, c);
    default:
      throw new Error(`unknown migrate op ${JSON.stringify(c.op)}`);
  }
}

function runMigrate(impl: Port, c: Record<string, unknown>): RunResult {
  const data = c.data;
  const fromVersion = c.fromVersion; // null stays null (as given); absent is undefined
  const toVersion = c.toVersion;
  // Snapshot first: an input the adapter cannot serialize is the adapter's failure.
  const before = JSON.stringify(data);
  let result: unknown;
  try {
    result =
      toVersion === null || toVersion === undefined
        ? impl.migrate(data, fromVersion)
        : impl.migrate(data, fromVersion, toVersion);
  } catch (error) {
    return { output: { error: failure(error), inputUnchanged: unchanged(data, before) } };
  }
  return { output: { ok: result, inputUnchanged: unchanged(data, before) } };
}

/** MIG-PURE: `data` serializes exactly as it did before the call (key order included). */
function unchanged(data: unknown, before: string | undefined): boolean {
  try {
    return JSON.stringify(data) === before;
  } catch {
    return false; // the implementation left something unserializable in it: changed
  }
}

function runPath(impl: Port, c: Record<string, unknown>): RunResult {
  let steps: unknown;
  try {
    steps = impl.getMigrationPath(c.fromVersion, c.toVersion);
  } catch (error) {
    return { output: { error: failure(error) } };
  }
  // Reported as returned: steps of any length, or anything else, are the implementation's answer.
  return { output: { ok: steps } };
}

function runCompare(impl: Port, c: Record<string, unknown>): RunResult {
  let result: unknown;
  try {
    result = impl.compareVersions(c.a, c.b);
  } catch (error) {
    return { output: { error: failure(error) } };
  }
  return { output: { ok: result } }; // the object it returned, every field as it is
}

// ---------------------------------------------------------------------------------------------
// Snippets (the `snippet` op of ../../PROTOCOL.md): a paste-ready program that reproduces one
// case with the port's API, making exactly the call `run` makes.

const THREW = [
  "} catch (error) {",
  "  const err = error as Error;",
  '  console.log("threw:", err?.name, "| class:", err?.constructor?.name, "|", err?.message);',
  "  actual = { ...actual, error: { type: errorType(err) } }; // by its type: messages are not compared",
  "}",
];

/** Where a bug program imports the port from. */
export const programSource = { variable: "ANTARIS_TS_SRC", entries: [], exports: "migrate" };

// What a program records, as `run` reports it (as JSON: what JSON cannot hold left out).
const RECORDING = [
  "/** The name an error reports: its `name`, or its class's when that is only the inherited \"Error\". */",
  "function errorType(error: any): string {",
  '  if (typeof error === "object" && error !== null) {',
  '    if (typeof error.name === "string" && error.name !== "" && error.name !== "Error") return error.name;',
  '    if (typeof error.constructor?.name === "string" && error.constructor.name !== "") return error.constructor.name;',
  '    return typeof error.name === "string" ? error.name : "Object";',
  "  }",
  "  return typeof error;",
  "}",
  "",
  "const json = (value: unknown): any => JSON.parse(JSON.stringify(value));",
  "let actual: any = {};",
];

/** The program reproducing `input`, or null when `run` could not translate it either. */
export function snippet(input: unknown): string | null {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return null;
  const c = input as Record<string, unknown>;
  let name: string;
  let look: string;
  let body: string[];
  switch (c.op) {
    case "migrate": {
      // null or absent toVersion: the default target, so the argument is left out.
      const args = ["data", argument(c.fromVersion)];
      if (c.toVersion !== null && c.toVersion !== undefined) args.push(argument(c.toVersion));
      name = "migrate";
      look = "the migrated document or the error, and whether `data` was modified (MIG-PURE)";
      body = [
        "// `any`: the data exactly as the harness had it, even where it breaks the port's types.",
        `const data: any = ${jsLiteral(c.data)};`,
        "const before = JSON.stringify(data);",
        "try {",
        `  const result = migrate(${args.join(", ")});`,
        '  console.log("returned:", JSON.stringify(result));',
        "  actual = json({ ok: result });",
        ...THREW,
        "actual.inputUnchanged = JSON.stringify(data) === before; // key order included",
        'console.log("input unchanged:", actual.inputUnchanged);',
      ];
      break;
    }
    case "path":
      name = "getMigrationPath";
      look = "the steps returned ([] for equal versions) or the error";
      body = [
        "try {",
        `  const steps = getMigrationPath(${argument(c.fromVersion)}, ${argument(c.toVersion)});`,
        '  console.log("returned:", JSON.stringify(steps));',
        "  actual = json({ ok: steps });",
        ...THREW,
      ];
      break;
    case "compare":
      name = "compareVersions";
      look = "lt and le (version order: 2.0.0, 2.1.0, 2.1.1, 2.2.0) or the error";
      body = [
        "try {",
        `  const order = compareVersions(${argument(c.a)}, ${argument(c.b)});`,
        '  console.log("returned:", JSON.stringify(order));',
        "  actual = json({ ok: order });",
        ...THREW,
      ];
      break;
    default:
      return null;
  }
  return [
    "// Reproduces a divergence found by the conformance harness: contract migrate",
    `// Look at: ${look}.`,
    `const { ${name} } = implementation;`,
    "",
    ...RECORDING,
    "",
    ...body,
    "",
  ].join("\n");
}

/** A version argument as given: a string as it is, anything else cast (it breaks the types). */
function argument(value: unknown): string {
  if (value === undefined) return "undefined";
  return typeof value === "string" ? jsLiteral(value) : `${jsLiteral(value)} as any`;
}



