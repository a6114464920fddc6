/**
 * Harness adapter for TypeScript implementations, protocol 1 (see ../PROTOCOL.md), batches included.
 *
 * Runs on Node 20 under tsx (see README.md for the argv). One event loop reads JSON Lines from
 * stdin. A binding whose `run` returns a promise runs every case as its own promise, so many
 * cases are in flight at once and each has its own async context; a binding whose `run` returns
 * its result directly is answered at once, in the read loop, with no promise per case (while
 * guided, `guide_probe.ts` runs cases one at a time, to tell their blocks apart). Any
 * exception while handling a case becomes an `adapterError` reply for that case only. The optional
 * `snippet` op is answered at once too; a failure there is a `"code": null` reply, never an
 * adapterError.
 *
 * Only Node built-ins are imported statically: the bindings (and through them the
 * implementations) are imported after the protocol stream has been taken.
 */

import path from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";

const PROTOCOL = 1;

// Contract id -> binding module (under bindings/). A binding exports `load()`, which imports
// the implementation and resolves to {name, version} or throws, and `run(input)`, which returns
// {output, elapsedMs?, timerLagMs?} or a promise of it; optionally `snippet(input)`, which returns a
// program reproducing the case (a string leaving what it saw in `actual`) or null, with
// `programSource` (where the program imports the package from) and `programLiteral` (how it
// writes a value; JSON literals without one).
const BINDINGS: Record<string, string> = {
  budget: "./bindings/budget.ts",
  migrate: "./bindings/migrate.ts",
  "sql-migrations": "./bindings/sql_migrations.ts",
  ledger: "./bindings/ledger.ts",
  "token-budget": "./bindings/token_budget.ts",
};

type RunResult = Record<string, unknown>;

interface Binding {
  load(): Promise<{ name: string; version: string }> | { name: string; version: string };
  run(input: unknown): Promise<RunResult> | RunResult;
  snippet?(input: unknown): string | null;
  programSource?: import("./bindings/check.ts").ProgramSource;
  programLiteral?(value: unknown): string;
  /** Integers beyond 2^53 in its inputs arrive as BigInt (see `parseLossless`). */
  exactIntegers?: boolean;
}

// ---------------------------------------------------------------------------------------------
// The protocol stream

/**
 * Keeps a private handle on the real stdout for the protocol and points everything else that
 * writes to stdout (`process.stdout.write`, `console.log`, `console.info`, `console.debug`,
 * and through the stream every other console method) at stderr. Must run before any
 * implementation is loaded: real packages log to stdout.
 */
function takeProtocolStream(): { write(data: string): void; pending(): boolean; drained(done: () => void): void } {
  const stdout = process.stdout;
  const write = stdout.write.bind(stdout) as (data: string) => boolean;
  const stderr = process.stderr;
  stdout.write = stderr.write.bind(stderr) as typeof stdout.write;
  const toStderr = console.error.bind(console);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  return {
    write: (data) => void write(data),
    pending: () => stdout.writableLength > 0,
    drained: (done) => void stdout.once("drain", done),
  };
}

const protocol = takeProtocolStream();

/**
 * Writes protocol messages, batched: one write per turn of the event loop. Once the harness's
 * batch offer is accepted (`batchBytes` set), the results of one turn go out together in
 * `results` messages of at most `batchBytes` each; a result longer than that alone goes as a
 * `result` message.
 */
class Replies {
  private lines: string[] = [];
  private scheduled = false;
  batchBytes: number | null = null;
  private results: string[] = []; // encoded results (no `op`) waiting for the flush
  private resultsBytes = 0;

  private schedule(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Queues one encoded message (a whole line: encoding happens before, never half-way). */
  sendLine(line: string): void {
    this.lines.push(line);
    this.schedule();
  }

  send(message: Record<string, unknown>): void {
    this.sendLine(encode(message));
  }

  /** Queues one case's encoded result, `{"id":…,…}` without its `op`. */
  result(encoded: string): void {
    const limit = this.batchBytes;
    if (limit === null) {
      this.sendLine(`{"op":"result",${encoded.slice(1)}`);
      return;
    }
    const bytes = Buffer.byteLength(encoded);
    if (bytes > limit) {
      this.sendLine(`{"op":"result",${encoded.slice(1)}`);
      return;
    }
    if (this.resultsBytes + bytes > limit) this.queueResults();
    this.results.push(encoded);
    this.resultsBytes += bytes + 1;
    this.schedule();
  }

  private queueResults(): void {
    this.lines.push(`{"op":"results","results":[${this.results.join(",")}]}`);
    this.results = [];
    this.resultsBytes = 0;
  }

  flush(): void {
    this.scheduled = false;
    if (this.results.length > 0) this.queueResults();
    if (this.lines.length === 0) return;
    const data = this.lines.join("\n") + "\n";
    this.lines = [];
    protocol.write(data);
  }
}

const replies = new Replies();

function log(message: string): void {
  process.stderr.write(`[ts-adapter] ${message}\n`);
}

function describe(error: unknown): { message: string; traceback?: string } {
  if (error instanceof Error) {
    return { message: `${error.name}: ${error.message}`, traceback: error.stack ?? undefined };
  }
  return { message: `thrown non-Error: ${String(error)}` };
}

let closing = false;

/** Exits at once with `code`, after the replies written so far have left. */
function exit(code: number): void {
  if (closing) return;
  closing = true; // nothing more is read or answered
  process.stdin.pause();
  replies.flush();
  if (protocol.pending()) protocol.drained(() => process.exit(code));
  else process.exit(code);
}

// A rejection nobody handles comes from the implementation under test (the binding handles all
// of its own); Node would crash with a terse message, so say plainly what happened, then crash
// as Node would: the harness finds the responsible case by re-running the ones in flight.
process.on("unhandledRejection", (reason) => {
  const { message, traceback } = describe(reason);
  log(`unhandled promise rejection (left by the implementation under test): ${message}\n${traceback ?? ""}`);
  exit(1);
});

// ---------------------------------------------------------------------------------------------
// Exact integers (PROTOCOL.md, `token-budget`)
//
// JSON.parse rounds an integer beyond 2^53 to the nearest double, and JSON.stringify cannot
// write a BigInt at all. The harness sends such integers (token counts of any size) and compares
// the replies exactly, so a line for a binding that exports `exactIntegers = true` and may hold
// one is read again by `parseLossless`, and a reply that JSON.stringify refuses is written by
// `writeLossless`. Every other binding sees JSON.parse's values, and everything takes the fast
// path first.

const LONG_DIGITS = /\d{16}/;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const INTEGER = /^-?\d+$/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * JSON.parse, except that an integer literal (no fraction, no exponent) outside Number's safe
 * range becomes a BigInt. Strings are handed to JSON.parse and numbers to Number(), so their
 * values are exactly JSON.parse's; keys are defined as JSON.parse defines them (a "__proto__"
 * key is an own property, a repeated key keeps its first place and its last value). Iterative,
 * so deep nesting cannot exhaust the stack. Throws SyntaxError for text that is not JSON.
 */
function parseLossless(text: string): unknown {
  let at = 0;
  // The containers being filled, innermost last; `key` is where an object's next value goes.
  const open: { container: unknown[] | Record<string, unknown>; key: string }[] = [];

  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${at} of the JSON text`);
  };
  const skipWhitespace = (): void => {
    // JSON's four whitespace characters, and nothing else (as JSON.parse).
    while (at < text.length && (text[at] === " " || text[at] === "\t" || text[at] === "\n" || text[at] === "\r")) at++;
  };
  const readString = (): string => {
    // Find the closing quote (a backslash escapes the next character), then let JSON.parse
    // decode the token: it checks the escapes and refuses raw control characters.
    let end = at + 1;
    while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
    if (end >= text.length) fail("unterminated string");
    const value = JSON.parse(text.slice(at, end + 1)) as string;
    at = end + 1;
    return value;
  };
  const readKey = (): string => {
    skipWhitespace();
    if (text[at] !== '"') fail("expected a string key");
    const key = readString();
    skipWhitespace();
    if (text[at] !== ":") fail("expected ':'");
    at++;
    return key;
  };
  const readNumber = (): number | bigint => {
    NUMBER.lastIndex = at;
    const match = NUMBER.exec(text);
    if (match === null) return fail("unexpected character");
    const token = match[0];
    at += token.length;
    if (INTEGER.test(token)) {
      const exact = BigInt(token);
      if (exact > MAX_SAFE || exact < -MAX_SAFE) return exact;
    }
    return Number(token); // what JSON.parse gives (-0 included)
  };
  const readScalar = (): unknown => {
    for (const [word, value] of [["true", true], ["false", false], ["null", null]] as const) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return value;
      }
    }
    return text[at] === '"' ? readString() : readNumber();
  };

  for (;;) {
    skipWhitespace();
    let value: unknown;
    if (text[at] === "{" || text[at] === "[") {
      const isArray = text[at] === "[";
      at++;
      skipWhitespace();
      if (text[at] === (isArray ? "]" : "}")) {
        at++;
        value = isArray ? [] : {};
      } else {
        open.push(isArray ? { container: [], key: "" } : { container: {}, key: readKey() });
        continue; // read its first value
      }
    } else {
      value = readScalar();
    }
    // A value is complete: put it in its container; close every container that ends here.
    for (;;) {
      const top = open[open.length - 1];
      if (top === undefined) {
        skipWhitespace();
        if (at !== text.length) fail("unexpected text after the JSON value");
        return value;
      }
      if (Array.isArray(top.container)) {
        top.container.push(value);
      } else {
        Object.defineProperty(top.container, top.key, { value, writable: true, enumerable: true, configurable: true });
      }
      skipWhitespace();
      if (text[at] === ",") {
        at++;
        if (!Array.isArray(top.container)) top.key = readKey();
        break; // read the next value
      }
      if (text[at] !== (Array.isArray(top.container) ? "]" : "}")) fail("expected ',' or the end of the container");
      at++;
      open.pop();
      value = top.container;
    }
  }
}

/**
 * JSON.stringify, except that a BigInt is written as its integer digits. The slow path of
 * `encode`: a TypeError for a cycle, as JSON.stringify.
 */
function writeLossless(value: unknown, key: string = "", ancestors: Set<object> = new Set()): string | undefined {
  if (typeof (value as { toJSON?: unknown } | null)?.toJSON === "function") {
    value = (value as { toJSON: (key: string) => unknown }).toJSON(key);
  }
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Number || value instanceof String || value instanceof Boolean) value = value.valueOf();
  if (typeof value !== "object" || value === null) return JSON.stringify(value); // undefined for undefined, functions, symbols
  if (ancestors.has(value)) throw new TypeError("Converting circular structure to JSON");
  ancestors.add(value);
  let text: string;
  if (Array.isArray(value)) {
    text = `[${value.map((item, n) => writeLossless(item, String(n), ancestors) ?? "null").join(",")}]`;
  } else {
    const members: string[] = [];
    for (const [name, item] of Object.entries(value)) {
      const written = writeLossless(item, name, ancestors);
      if (written !== undefined) members.push(`${JSON.stringify(name)}:${written}`);
    }
    text = `{${members.join(",")}}`;
  }
  ancestors.delete(value);
  return text;
}

/** One message as one line of JSON; BigInts (exact integers) as integer literals. */
function encode(message: Record<string, unknown>): string {
  try {
    return JSON.stringify(message);
  } catch (error) {
    // Most likely a BigInt; anything the slow writer cannot write either fails as JSON.stringify did.
    try {
      return writeLossless(message)!;
    } catch {
      throw error;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Bindings

const here = path.dirname(fileURLToPath(import.meta.url));

/** Loads the bindings of the `wanted` contracts (undefined: every one). */
async function loadBindings(wanted: Set<string> | undefined): Promise<{
  available: Map<string, Binding>;
  implementations: Record<string, { name: string; version: string }>;
  unavailable: Record<string, string>;
}> {
  const available = new Map<string, Binding>();
  // The bug programs' start and end (only Node built-ins are imported statically).
  const check = (await import(pathToFileURL(path.join(here, "bindings/check.ts")).href)) as typeof import("./bindings/check.ts");
  const common = (await import(pathToFileURL(path.join(here, "bindings/common.ts")).href)) as typeof import("./bindings/common.ts");
  programs = { program: check.program, jsLiteral: common.jsLiteral };
  const implementations: Record<string, { name: string; version: string }> = {};
  const unavailable: Record<string, string> = {};
  for (const [contract, modulePath] of Object.entries(BINDINGS)) {
    if (wanted !== undefined && !wanted.has(contract)) continue;
    try {
      const binding = (await import(pathToFileURL(path.join(here, modulePath)).href)) as Binding;
      const implementation = await binding.load();
      implementations[contract] = { name: String(implementation.name), version: String(implementation.version) };
      available.set(contract, binding);
    } catch (error) {
      // An implementation that fails to load makes its contract unavailable, with the reason.
      unavailable[contract] = describe(error).message;
    }
  }
  return { available, implementations, unavailable };
}

// ---------------------------------------------------------------------------------------------
// Messages

let bindings = new Map<string, Binding>();
let programs:
  | { program: typeof import("./bindings/check.ts").program; jsLiteral: (value: unknown) => string }
  | undefined;

function isPromiseLike(value: unknown): value is PromiseLike<RunResult> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

function failed(id: unknown, error: unknown): void {
  guide?.reached(); // what the case ran is nobody's: an adapter error carries no branches
  if (!closing) replies.result(JSON.stringify({ id, adapterError: describe(error) }));
}

function finished(id: unknown, result: RunResult): void {
  let encoded: string;
  try {
    // An output that cannot be encoded (a cycle) is the adapter's failure too.
    encoded = encode(guide === null ? { id, ...result } : { id, ...result, reached: guide.reached() });
  } catch (error) {
    failed(id, error);
    return;
  }
  if (!closing) replies.result(encoded);
}

/** One case, through the guide when there is one (it runs cases one at a time). */
function startCase(contract: unknown, id: unknown, message: Record<string, unknown>): void {
  if (guide === null) runCase(contract, id, message);
  else guide.oneAtATime(() => runCase(contract, id, message));
}

/**
 * One case: `message` holds its `input` (a `run` message, or one case of `runs`). Returns the
 * promise of its reply when the binding answers asynchronously.
 */
function runCase(contract: unknown, id: unknown, message: Record<string, unknown>): Promise<void> | undefined {
  let result: Promise<RunResult> | RunResult;
  try {
    const binding = bindings.get(contract as string);
    if (binding === undefined) {
      throw new Error(`contract ${JSON.stringify(contract)} is not available in this adapter`);
    }
    result = binding.run(message.input);
  } catch (error) {
    failed(id, error);
    return undefined;
  }
  if (isPromiseLike(result)) {
    // Through Promise.resolve, so a thenable whose `then` throws is still this case's failure.
    return Promise.resolve(result).then(
      (value) => finished(id, value),
      (error: unknown) => failed(id, error),
    );
  }
  finished(id, result);
  return undefined;
}

/**
 * The `snippet` op: the program reproducing one case, or null when the binding cannot write one.
 * Never an adapterError: a failure is logged and answered with null.
 */
function snippet(message: Record<string, unknown>): void {
  let reply: Record<string, unknown> = { code: null };
  try {
    const binding = bindings.get(message.contract as string);
    const written: unknown = typeof binding?.snippet === "function" ? binding.snippet(message.input) : null;
    if (written !== null && typeof written !== "string") {
      throw new TypeError(`snippet() returned ${typeof written}, not a string or null`);
    }
    if (typeof written === "string" && binding?.programSource !== undefined && programs !== undefined) {
      const expected = Array.isArray(message.expected) ? message.expected : undefined;
      const literal = binding.programLiteral ?? programs.jsLiteral;
      reply = { ...programs.program(written, binding.programSource, expected, message.actual, literal), source: binding.programSource.variable };
    }
  } catch (error) {
    const { message: text, traceback } = describe(error);
    log(`cannot write a snippet (id ${JSON.stringify(message.id)}, contract ${JSON.stringify(message.contract)}): ${text}\n${traceback ?? ""}`);
    reply = { code: null };
  }
  if (!closing) replies.send({ op: "snippet", id: message.id, language: "typescript", ...reply });
}

function handle(message: Record<string, unknown>): void {
  switch (message.op) {
    case "run":
      startCase(message.contract, message.id, message);
      break;
    case "runs":
      // Several cases in one message, each started in turn as if it came alone.
      for (const item of Array.isArray(message.cases) ? (message.cases as unknown[]) : []) {
        const one = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
        startCase(message.contract, one.id, one);
        if (closing) break;
      }
      break;
    case "snippet":
      snippet(message);
      break;
    case "coverage":
      if (coverage === null) {
        log("ignoring coverage: it was not offered");
        break;
      }
      // Answered before anything read after it: the harness waits for it before its bye.
      pause(coverage.report(message.contract).then((reply) => replies.send(reply)));
      break;
    case "ping":
      replies.send({ op: "pong", token: message.token });
      break;
    case "bye":
      exit(0);
      break;
    default:
      log(`ignoring unknown op ${JSON.stringify(message.op)}`);
  }
}

function parse(line: string): Record<string, unknown> | undefined {
  try {
    const message = JSON.parse(line) as unknown;
    if (typeof message === "object" && message !== null && !Array.isArray(message)) {
      // Only a run of 16 or more digits can be an integer beyond 2^53 (2^53 has 16 digits).
      const exact = bindings.get((message as Record<string, unknown>).contract as string)?.exactIntegers === true;
      return (exact && LONG_DIGITS.test(line) ? parseLossless(line) : message) as Record<string, unknown>;
    }
    log(`ignoring a line that is not a JSON object: ${line.slice(0, 200)}`);
  } catch (error) {
    log(`ignoring a line that is not JSON (${describe(error).message}): ${line.slice(0, 200)}`);
  }
  return undefined;
}

// Lines that arrive before the hello exchange is complete wait here.
let state: "hello" | "loading" | "ready" = "hello";
let waiting: string[] = [];
let greeting: Promise<void> = Promise.resolve();
// The coverage probe, when the harness asked for coverage.
let coverage: { report(contract: unknown): Promise<Record<string, unknown>> } | null = null;
// The guide, when the harness asked for guidance: each result then says what its case reached.
let guide: import("./guide_probe.ts").GuideProbe | null = null;

/** Holds every line read from now on until `work` settles, then handles them in order. */
function pause(work: Promise<void>): void {
  state = "loading";
  greeting = work
    .catch((error) => log(`coverage failed: ${describe(error).message}`))
    .then(() => {
      state = "ready";
      const queued = waiting;
      waiting = [];
      for (const queuedLine of queued) onLine(queuedLine);
    });
}

async function greet(line: string): Promise<void> {
  const first = parse(line);
  if (first?.op !== "hello") {
    log(`expected hello, got ${line.slice(0, 200)}`);
    exit(2);
    return;
  }
  const offer = first.batch as { maxBytes?: unknown } | undefined;
  const batch = typeof offer === "object" && offer !== null && Number.isInteger(offer.maxBytes);
  if (batch) replies.batchBytes = offer.maxBytes as number;
  if (first.coverage === true) {
    // Before any implementation is loaded, so its module-level lines count too.
    const { CoverageProbe } = await import("./coverage.ts");
    coverage = await CoverageProbe.start(log);
  }
  // The contracts the harness will ask for: loading (compiling) the others would be
  // start-up time spent for nothing.
  const wanted = Array.isArray(first.contracts)
    ? new Set(first.contracts.filter((contract): contract is string => typeof contract === "string"))
    : undefined;
  if (first.guided === true && coverage === null) {
    // Before any implementation is loaded, so its blocks are counted from their first run.
    const { GuideProbe } = await import("./guide_probe.ts");
    guide = GuideProbe.start(wanted === undefined ? Object.keys(BINDINGS) : [...wanted], log);
  }
  const loaded = await loadBindings(wanted);
  bindings = loaded.available;
  guide?.reached(); // what loading ran is no case's
  replies.send({
    op: "hello",
    protocol: PROTOCOL,
    impl: { name: "typescript-adapter", language: "typescript", version: `node ${process.versions.node}` },
    contracts: [...bindings.keys()].sort(),
    implementations: loaded.implementations,
    unavailable: loaded.unavailable,
    ...(batch ? { batch: true } : {}),
    ...(coverage !== null ? { coverage: true } : {}),
    ...(guide !== null ? { guided: true } : {}),
  });
  state = "ready";
  const queued = waiting;
  waiting = [];
  for (const queuedLine of queued) onLine(queuedLine);
}

function onLine(line: string): void {
  if (closing || line.trim() === "") return;
  if (state === "ready") {
    const message = parse(line);
    if (message !== undefined) handle(message);
  } else if (state === "hello") {
    state = "loading";
    greeting = greet(line).catch((error) => {
      log(`hello failed: ${describe(error).message}`);
      exit(3);
    });
  } else {
    waiting.push(line);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading stdin

let partial = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk: string) => {
  const data = partial + chunk;
  let start = 0;
  for (let end = data.indexOf("\n", start); end !== -1; end = data.indexOf("\n", start)) {
    onLine(data.slice(start, end));
    start = end + 1;
  }
  partial = data.slice(start);
});
process.stdin.on("end", () => {
  if (partial !== "") onLine(partial);
  partial = "";
  // Like `bye` once the hello exchange is over: the harness is gone, pending cases are dropped.
  void greeting.then(() => exit(0));
});
