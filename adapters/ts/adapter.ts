/**
 * Harness adapter for TypeScript implementations, protocol 1 (see ../PROTOCOL.md).
 *
 * Runs on Node 20 under tsx (see README.md for the argv). One event loop reads JSON Lines from
 * stdin. A binding whose `run` returns a promise runs every case as its own promise, so many
 * cases are in flight at once and each has its own async context; a binding whose `run` returns
 * its result directly is answered at once, in the read loop, with no promise per case. Any
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
// program reproducing the case (a string) or null.
const BINDINGS: Record<string, string> = {
  budget: "./bindings/budget.ts",
  migrate: "./bindings/migrate.ts",
  "sql-migrations": "./bindings/sql_migrations.ts",
};

type RunResult = Record<string, unknown>;

interface Binding {
  load(): Promise<{ name: string; version: string }> | { name: string; version: string };
  run(input: unknown): Promise<RunResult> | RunResult;
  snippet?(input: unknown): string | null;
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

/** Writes protocol messages, batched: one write per turn of the event loop. */
class Replies {
  private lines: string[] = [];
  private scheduled = false;

  /** Queues one encoded message (a whole line: encoding happens before, never half-way). */
  sendLine(line: string): void {
    this.lines.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  send(message: Record<string, unknown>): void {
    this.sendLine(JSON.stringify(message));
  }

  flush(): void {
    this.scheduled = false;
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
// Bindings

const here = path.dirname(fileURLToPath(import.meta.url));

async function loadBindings(): Promise<{
  available: Map<string, Binding>;
  implementations: Record<string, { name: string; version: string }>;
  unavailable: Record<string, string>;
}> {
  const available = new Map<string, Binding>();
  const implementations: Record<string, { name: string; version: string }> = {};
  const unavailable: Record<string, string> = {};
  for (const [contract, modulePath] of Object.entries(BINDINGS)) {
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

function isPromiseLike(value: unknown): value is PromiseLike<RunResult> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

function failed(id: unknown, error: unknown): void {
  if (!closing) replies.sendLine(JSON.stringify({ op: "result", id, adapterError: describe(error) }));
}

function finished(id: unknown, result: RunResult): void {
  let line: string;
  try {
    // An output that cannot be encoded (a BigInt, a cycle) is the adapter's failure too.
    line = JSON.stringify({ op: "result", id, ...result });
  } catch (error) {
    failed(id, error);
    return;
  }
  if (!closing) replies.sendLine(line);
}

function runCase(message: Record<string, unknown>): void {
  const id = message.id;
  let result: Promise<RunResult> | RunResult;
  try {
    const binding = bindings.get(message.contract as string);
    if (binding === undefined) {
      throw new Error(`contract ${JSON.stringify(message.contract)} is not available in this adapter`);
    }
    result = binding.run(message.input);
  } catch (error) {
    failed(id, error);
    return;
  }
  if (isPromiseLike(result)) {
    // Through Promise.resolve, so a thenable whose `then` throws is still this case's failure.
    Promise.resolve(result).then(
      (value) => finished(id, value),
      (error: unknown) => failed(id, error),
    );
  } else {
    finished(id, result);
  }
}

/**
 * The `snippet` op: the program reproducing one case, or null when the binding cannot write one.
 * Never an adapterError: a failure is logged and answered with null.
 */
function snippet(message: Record<string, unknown>): void {
  let code: string | null = null;
  try {
    const write = bindings.get(message.contract as string)?.snippet;
    if (typeof write === "function") {
      const written: unknown = write(message.input);
      if (written !== null && typeof written !== "string") {
        throw new TypeError(`snippet() returned ${typeof written}, not a string or null`);
      }
      code = written as string | null;
    }
  } catch (error) {
    const { message: text, traceback } = describe(error);
    log(`cannot write a snippet (id ${JSON.stringify(message.id)}, contract ${JSON.stringify(message.contract)}): ${text}\n${traceback ?? ""}`);
    code = null;
  }
  if (!closing) replies.send({ op: "snippet", id: message.id, language: "typescript", code });
}

function handle(message: Record<string, unknown>): void {
  switch (message.op) {
    case "run":
      runCase(message);
      break;
    case "snippet":
      snippet(message);
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
      return message as Record<string, unknown>;
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

async function greet(line: string): Promise<void> {
  const first = parse(line);
  if (first?.op !== "hello") {
    log(`expected hello, got ${line.slice(0, 200)}`);
    exit(2);
    return;
  }
  const loaded = await loadBindings();
  bindings = loaded.available;
  replies.send({
    op: "hello",
    protocol: PROTOCOL,
    impl: { name: "typescript-adapter", language: "typescript", version: `node ${process.versions.node}` },
    contracts: [...bindings.keys()].sort(),
    implementations: loaded.implementations,
    unavailable: loaded.unavailable,
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
