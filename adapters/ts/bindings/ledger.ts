/**
 * Binding for contract `ledger`: drives the budget ledger, budget windows and receipt signer of
 * @aegis-runtime/core, from an Aegis-Runtime checkout's TypeScript sources.
 *
 * The implementation is named by `AEGIS_RUNTIME_SRC`: a checkout root (the entry is
 * packages/core/src/index.ts), the packages/core/src folder itself (its index.ts), or the entry
 * file. The entry must export `MemoryLedger` and `HmacSha256Signer`; `windowStartMs` and
 * `stableStringify` come from it when it re-exports them (upstream's index.ts does not), else
 * from budget/window.ts and utils/stableStringify.ts beside it. The bundled sample,
 * adapters/samples/ts/aegis-runtime, is an Aegis-shaped checkout of the harness's own.
 *
 * Calls and output: ../../PROTOCOL.md, section `ledger`. The amount strings "NaN", "Infinity"
 * and "-Infinity" become those doubles before a call, and a non-finite number in an output is
 * written as that string. `run` is async (the ledger and the signer are); `snippet` writes the program
 * reproducing a case (the `snippet` op).
 */

import { statSync } from "node:fs";
import path from "node:path";
import { isFile, packageVersion, jsLiteral, errorType, errorMessage, importExports } from "./common.ts";

interface Ledger {
  reserve(args: unknown): unknown;
  commit(args: unknown): unknown;
  peek(args: unknown): unknown;
}

/** What the binding uses of @aegis-runtime/core. */
interface Core {
  MemoryLedger: new () => Ledger;
  HmacSha256Signer: new (args: { keyId: unknown; secret: Uint8Array }) => { sign(payload: unknown): unknown };
  windowStartMs: (nowMs: unknown, window: unknown) => unknown;
  stableStringify: (value: unknown) => unknown;
}

const LEDGER_METHODS = ["reserve", "commit", "peek"] as const;

let core: Core | undefined; // the implementation, bound by load()

// ---------------------------------------------------------------------------------------------
// Loading the implementation

const WHERE =
  "point it at an Aegis-Runtime checkout (its root, where packages/core/src/index.ts is), at its packages/core/src folder, or at the entry file; the bundled sample is adapters/samples/ts/aegis-runtime";

/** The entry file of the implementation named by `AEGIS_RUNTIME_SRC`. */
function locateEntry(source: string | undefined = process.env.AEGIS_RUNTIME_SRC): string {
  if (source === undefined || source === "") throw new Error(`AEGIS_RUNTIME_SRC is not set: ${WHERE}`);
  const given = path.resolve(source);
  let stats;
  try {
    stats = statSync(given);
  } catch {
    throw new Error(`AEGIS_RUNTIME_SRC=${source}: ${given} does not exist (${WHERE})`);
  }
  if (stats.isFile()) return given;
  if (stats.isDirectory()) {
    for (const candidate of ["packages/core/src/index.ts", "index.ts"]) {
      const entry = path.join(given, candidate);
      if (isFile(entry)) return entry;
    }
  }
  throw new Error(`AEGIS_RUNTIME_SRC=${source}: no packages/core/src/index.ts or index.ts under ${given} (${WHERE})`);
}

/** `name` from the entry's exports, else from `<stem>.ts` (or `.js`, a built tree) beside the entry. */
async function exportedOrBeside(entryExports: Record<string, unknown>, entry: string, name: string, stem: string): Promise<unknown> {
  if (typeof entryExports[name] === "function") return entryExports[name];
  const candidates = [".ts", ".js"].map((extension) => path.join(path.dirname(entry), stem + extension));
  const file = candidates.find(isFile);
  if (file === undefined) throw new Error(`${entry} does not export ${name}, and there is no ${candidates.join(" or ")}`);
  const module = await importExports(file, name);
  if (typeof module[name] !== "function") throw new Error(`${file} does not export ${name}`);
  return module[name];
}

export async function load(): Promise<{ name: string; version: string }> {
  const entry = locateEntry();
  const module = await importExports(entry, "MemoryLedger");
  const missing = ["MemoryLedger", "HmacSha256Signer"].filter((name) => typeof module[name] !== "function");
  if (missing.length > 0) throw new Error(`${entry} does not export ${missing.join(", ")}`);
  core = {
    MemoryLedger: module.MemoryLedger as Core["MemoryLedger"],
    HmacSha256Signer: module.HmacSha256Signer as Core["HmacSha256Signer"],
    windowStartMs: (await exportedOrBeside(module, entry, "windowStartMs", "budget/window")) as Core["windowStartMs"],
    stableStringify: (await exportedOrBeside(module, entry, "stableStringify", "utils/stableStringify")) as Core["stableStringify"],
  };
  return { name: "@aegis-runtime/core", version: packageVersion(entry) };
}

// ---------------------------------------------------------------------------------------------
// The case input

const OPS = ["reserve", "commit", "peek"] as const;
type Op = Record<string, unknown> & { op: (typeof OPS)[number] };

/** The fields that hold amounts: the only ones whose "NaN" / "Infinity" / "-Infinity" are doubles. */
const AMOUNT_FIELDS = ["estimatedUsd", "actualUsd", "windowLimitUsd", "runLimitUsd"] as const;

const NON_FINITE: ReadonlyMap<unknown, number> = new Map([
  ["NaN", NaN],
  ["Infinity", Infinity],
  ["-Infinity", -Infinity],
]);

/** What a `commit` of a handle that names no returned reservation passes: the implementation decides. */
const NO_SUCH_RESERVATION = "no-such-reservation";

const HEX_BYTES = /^(?:[0-9a-fA-F]{2})*$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An amount as the implementation gets it: the three strings JSON cannot write as numbers become doubles. */
function amount(value: unknown): unknown {
  return NON_FINITE.has(value) ? NON_FINITE.get(value) : value;
}

/** A case: a script (`ops`) or a single call (`op` and its fields). */
type Input = Record<string, unknown> & { ops?: Op[] };

/** The input and its script checked whole, so a bad op late in the list runs nothing. */
function parseCase(input: unknown): Input {
  if (!isObject(input)) throw new TypeError("the case input is not an object");
  const c = input;
  if (!Object.prototype.hasOwnProperty.call(c, "ops")) return c as Input; // a single call
  if (!Array.isArray(c.ops)) throw new TypeError("the case input's ops is not an array");
  c.ops.forEach((op: unknown, n: number) => {
    if (!isObject(op) || !(OPS as readonly unknown[]).includes(op.op)) {
      throw new TypeError(`ops[${n}] is not a reserve, commit or peek op: ${JSON.stringify(op)}`);
    }
  });
  return c as Input;
}

/** A reserve or peek op's args object: its fields without `op`, amounts translated. */
function argsOf(op: Op): Record<string, unknown> {
  const { op: _op, ...args } = op; // rest keeps a "__proto__" field an own property
  for (const field of AMOUNT_FIELDS) {
    if (Object.prototype.hasOwnProperty.call(args, field)) args[field] = amount(args[field]);
  }
  return args;
}

// ---------------------------------------------------------------------------------------------
// Translating back to the canonical output

type Result = { ok: unknown } | { error: { type: string; message: string } };

function failure(error: unknown): { type: string; message: string } {
  return { type: errorType(error), message: errorMessage(error) };
}

/**
 * What the implementation returned, as JSON, by one uniform mapping that never drops, adds or
 * coerces a field: a non-finite number as the string JSON cannot do without, `undefined` as
 * null at the top (an object's undefined fields are left out, as JSON.stringify leaves them),
 * containers element by element, anything else as it is.
 */
function jsonOut(value: unknown): unknown {
  if (typeof value === "number" && !Number.isFinite(value)) return String(value); // "NaN", "Infinity", "-Infinity"
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : jsonOut(item)));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) Object.defineProperty(out, key, { value: jsonOut(item), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value === undefined ? null : value;
}

/**
 * What `reserve` returned: the reservation's id (for its handle) and the output, every field of
 * what it returned but the reservation's random id, which the output never holds. Anything else
 * is reported as it is (and names no reservation).
 */
function reservedOut(returned: unknown): { id: unknown; output: unknown } {
  if (!isObject(returned) || !isObject(returned.reservation)) return { id: undefined, output: jsonOut(returned) };
  // Upstream names it `reservationId`.
  const { reservationId: id, ...reservation } = returned.reservation;
  return { id, output: jsonOut({ ...returned, reservation }) };
}

/** `{ok}` with what `call` returned (awaited), translated; `{error}` when it threw or rejected. */
async function outcome(call: () => unknown, translate: (value: unknown) => unknown): Promise<Result> {
  let value: unknown;
  try {
    value = await call();
  } catch (error) {
    return { error: failure(error) };
  }
  return { ok: translate(value) }; // outside the try: a value that cannot be translated is the adapter's failure
}

// ---------------------------------------------------------------------------------------------
// Running one case

export interface RunResult {
  output: Record<string, unknown>;
}

export async function run(input: unknown): Promise<RunResult> {
  const impl = core;
  if (impl === undefined) throw new Error("the ledger binding is not loaded");
  const c = parseCase(input);
  if (c.ops !== undefined) return { output: { results: await runScript(impl, c.ops) } };
  switch (c.op) {
    case "windowStart":
      return { output: await outcome(() => impl.windowStartMs(c.nowMs, c.window), jsonOut) };
    case "sign":
      return { output: await runSign(impl, c) };
    case "stringify":
      return { output: await outcome(() => impl.stableStringify(c.value), jsonOut) };
    default:
      throw new TypeError(`unknown ledger op ${JSON.stringify(c.op)}`);
  }
}

/** One fresh ledger, the ops in order, each awaited; one result per op. */
async function runScript(impl: Core, ops: Op[]): Promise<Result[]> {
  const ledger = new impl.MemoryLedger();
  const missing = LEDGER_METHODS.filter((method) => typeof (ledger as unknown as Record<string, unknown>)?.[method] !== "function");
  if (missing.length > 0) throw new TypeError(`new MemoryLedger() has no ${missing.join(", ")}`);
  // Handle n -> the id of the reservation the n-th reserve returned; undefined when it threw.
  const handles: ({ id: unknown } | undefined)[] = [];
  const results: Result[] = [];
  for (const op of ops) {
    switch (op.op) {
      case "reserve": {
        let returned: unknown;
        try {
          returned = await ledger.reserve(argsOf(op));
        } catch (error) {
          handles.push(undefined);
          results.push({ error: failure(error) });
          break;
        }
        const { id, output } = reservedOut(returned);
        handles.push(id === undefined ? undefined : { id });
        results.push({ ok: output });
        break;
      }
      case "commit": {
        results.push(await outcome(() => ledger.commit(commitArgsOf(handles, op)), jsonOut));
        break;
      }
      case "peek":
        results.push(await outcome(() => ledger.peek(argsOf(op)), jsonOut));
        break;
    }
  }
  return results;
}

/**
 * A commit op's args object: every field as given but `op` (an absent actualUsd stays absent,
 * unknown fields stay), amounts translated, the handle `reservation` in the place of the id it names.
 */
function commitArgsOf(handles: ({ id: unknown } | undefined)[], op: Op): Record<string, unknown> {
  const { reservation: handle, ...args } = argsOf(op);
  args.reservationId = reservationIdOf(handles, handle);
  return args;
}

/** The id a handle names, or NO_SUCH_RESERVATION (out of range, not an integer, or a reserve that threw). */
function reservationIdOf(handles: ({ id: unknown } | undefined)[], handle: unknown): unknown {
  const named = typeof handle === "number" && Number.isInteger(handle) && handle >= 0 ? handles[handle] : undefined;
  return named === undefined ? NO_SUCH_RESERVATION : named.id;
}

async function runSign(impl: Core, c: Record<string, unknown>): Promise<Result> {
  const secretHex = c.secretHex;
  // Checked here: Buffer.from(hex, "hex") silently stops at the first pair that is not hex.
  if (typeof secretHex !== "string" || !HEX_BYTES.test(secretHex)) {
    const shown = typeof secretHex === "string" ? JSON.stringify(secretHex).slice(0, 80) : typeof secretHex;
    return { error: { type: "InvalidSecret", message: `secretHex ${shown} is not an even number of hex digits` } };
  }
  const secret = new Uint8Array(Buffer.from(secretHex, "hex")); // the bytes as a plain Uint8Array, as upstream types it
  return outcome(() => new impl.HmacSha256Signer({ keyId: c.keyId, secret }).sign(c.payload), jsonOut);
}

// ---------------------------------------------------------------------------------------------
// Snippets (the `snippet` op of ../../PROTOCOL.md): a paste-ready program that reproduces one
// case with the package's API, making exactly the calls `run` makes.

/** Where a bug program imports @aegis-runtime/core from. */
export const programSource = {
  variable: "AEGIS_RUNTIME_SRC",
  entries: ["packages/core/src/index.ts", "index.ts"],
  exports: "MemoryLedger",
};

/** A program's line binding `name`: from the entry's exports, else from `<stem>.ts` beside it (upstream's index.ts may not re-export it). */
function beside(name: string, stem: string): string {
  return (
    `const ${name} = implementation.${name} ?? ` +
    `(await import(pathToFileURL(path.join(path.dirname(entry), ${jsLiteral(`${stem}.ts`)})).href)).${name};`
  );
}

/** The program reproducing `input`, or null when `run` could not translate it (or makes no call). */
export function snippet(input: unknown): string | null {
  let c: Input;
  try {
    c = parseCase(input);
  } catch {
    return null;
  }
  if (c.ops !== undefined) return scriptSnippet(c.ops);
  switch (c.op) {
    case "windowStart":
      return program(
        "the window start returned (or the error): the start of the minute, hour, day or month in UTC,\n" +
          "// whatever the time zone. The harness ran the case under a TZ of its choice: run this under\n" +
          "// several (TZ=Pacific/Kiritimati, TZ=America/St_Johns, TZ=UTC).",
        [beside("windowStartMs", "budget/window")],
        [
          `  await show("windowStartMs", () => windowStartMs(${valueSource(c.nowMs)} as any, ${valueSource(c.window)} as any));`,
          '  console.log("time zone:", Intl.DateTimeFormat().resolvedOptions().timeZone);',
        ],
      );
    case "sign": {
      const secretHex = c.secretHex;
      // No call is made for a secret that is not hex bytes: there is nothing to reproduce.
      if (typeof secretHex !== "string" || !HEX_BYTES.test(secretHex)) return null;
      return program(
        "the signature returned (base64url, no padding, of HMAC-SHA256 over stableStringify(payload)) or the error.",
        ["const { HmacSha256Signer } = implementation;"],
        [
          "  // `any`: the payload exactly as the harness had it.",
          `  const payload: any = ${valueSource(c.payload)};`,
          `  const secret = new Uint8Array(Buffer.from(${jsLiteral(secretHex)}, "hex"));`,
          `  const signer = new HmacSha256Signer({ keyId: ${valueSource(c.keyId)} as any, secret });`,
          '  await show("sign", () => signer.sign(payload));',
        ],
      );
    }
    case "stringify":
      return program(
        "the canonical JSON returned (keys sorted by UTF-16 code units at every depth, numbers and\n" +
          "// strings as JSON.stringify writes them) or the error.",
        [beside("stableStringify", "utils/stableStringify")],
        [
          "  // `any`: the value exactly as the harness had it.",
          `  const value: any = ${valueSource(c.value)};`,
          '  await show("stableStringify", () => stableStringify(value));',
        ],
      );
    default:
      return null;
  }
}

function scriptSnippet(ops: Op[]): string {
  const steps: string[] = [];
  let reserves = 0;
  ops.forEach((op, n) => {
    const label = jsLiteral(`ops[${n}] ${op.op}`);
    switch (op.op) {
      case "reserve":
        steps.push(
          `  // handle ${reserves}`,
          `  const reserved${reserves}: any = await show(${label}, () => ledger.reserve(${argsSource(argsOf(op))}), withoutId);`,
          `  const id${reserves} = reserved${reserves}?.reservation?.reservationId;`,
          `  handles.push(typeof reserved${reserves}?.reservation === "object" && id${reserves} !== undefined ? { id: id${reserves} } : undefined);`,
        );
        reserves++;
        break;
      case "commit": {
        const handle = op.reservation;
        let id = `idOf(${String(handle)})`;
        if (typeof handle !== "number" || !Number.isInteger(handle) || handle < 0) {
          steps.push(`  // The handle ${valueSource(handle)} names no reservation: the harness passes this id.`);
          id = jsLiteral(NO_SUCH_RESERVATION);
        }
        const { reservation: _handle, ...fields } = argsOf(op);
        steps.push(`  await show(${label}, () => ledger.commit({ ...${argsSource(fields)}, reservationId: ${id} }));`);
        break;
      }
      case "peek":
        steps.push(`  await show(${label}, () => ledger.peek(${argsSource(argsOf(op))}));`);
        break;
    }
  });
  return program(
    "what each call returned or threw. Amounts are compared exactly, as doubles; a denied\n" +
      "// reservation charges nothing and cannot be committed; commit clamps both spends at 0.",
    ["const { MemoryLedger } = implementation;"],
    [
      "  // `any`: the arguments exactly as the harness had them, even where they break the types.",
      "  const ledger: any = new MemoryLedger();",
      "  // Handle n -> the id of the reservation the n-th reserve returned (undefined: it threw).",
      "  const handles: ({ id: unknown } | undefined)[] = [];",
      `  const idOf = (handle: number): unknown => handles[handle] === undefined ? ${jsLiteral(NO_SUCH_RESERVATION)} : handles[handle]!.id;`,
      "",
      ...steps,
    ],
    true,
  );
}

/** A whole program: the header, the imports, `show`, and `body` inside an async main; `actual` is
 * every result (a script) or the one result (a single call). */
function program(look: string, imports: string[], body: string[], script = false): string {
  return [
    "// Reproduces a divergence found by the conformance harness: contract ledger",
    `// Look at: ${look}`,
    ...imports,
    "",
    "// What each call returned (as JSON holds it) or that it threw: its type and message are not compared.",
    "const results: unknown[] = [];",
    "",
    "/** A value as JSON holds it: a non-finite number as its name, undefined members left out (null in an array or alone). */",
    "function jsonOut(value: any): any {",
    '  if (typeof value === "number" && !Number.isFinite(value)) return String(value);',
    "  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : jsonOut(item)));",
    '  if (typeof value === "object" && value !== null) {',
    "    const out: Record<string, unknown> = {};",
    "    for (const [key, item] of Object.entries(value)) {",
    "      if (item !== undefined) Object.defineProperty(out, key, { value: jsonOut(item), enumerable: true, writable: true, configurable: true });",
    "    }",
    "    return out;",
    "  }",
    "  return value === undefined ? null : value;",
    "}",
    "",
    "/** What reserve returned, without the reservation's random id. */",
    "function withoutId(returned: any): any {",
    '  if (typeof returned !== "object" || returned === null || typeof returned.reservation !== "object" || returned.reservation === null) {',
    "    return jsonOut(returned);",
    "  }",
    "  const { reservationId: _id, ...reservation } = returned.reservation;",
    "  return jsonOut({ ...returned, reservation });",
    "}",
    "",
    "/** Prints and records what `call` returned (awaited) or threw; returns what it returned. */",
    "async function show(label: string, call: () => unknown, translate = jsonOut): Promise<unknown> {",
    "  try {",
    "    const value = await call();",
    "    console.log(`${label} returned:`, value);",
    "    results.push({ ok: translate(value) });",
    "    return value;",
    "  } catch (error) {",
    "    const err = error as Error;",
    '    console.log(`${label} threw:`, err?.name, "|", err?.message);',
    '    results.push({ error: "raised" });',
    "    return undefined;",
    "  }",
    "}",
    "",
    "async function main(): Promise<void> {",
    ...body,
    "}",
    "",
    "await main();",
    `const actual = ${script ? "{ results }" : "results[0]"};`,
  ].join("\n");
}

/**
 * A value as source. A number keeps what JSON text cannot write (−0, and the non-finite amounts
 * the binding made of "NaN" / "Infinity" / "-Infinity"); anything else is its JSON literal.
 */
function valueSource(value: unknown): string {
  if (typeof value === "number" && (!Number.isFinite(value) || Object.is(value, -0))) {
    return Object.is(value, -0) ? "-0" : String(value);
  }
  return jsLiteral(value);
}

/** A reserve / peek args object (amounts already translated) as an object literal. */
function argsSource(args: Record<string, unknown>): string {
  const members = Object.entries(args).map(([key, value]) => {
    // A computed key: a plain "__proto__": in a literal would set the prototype instead.
    const name = key === "__proto__" ? `[${jsLiteral(key)}]` : jsLiteral(key);
    return `${name}: ${valueSource(value)}`;
  });
  return `{ ${members.join(", ")} }`;
}
