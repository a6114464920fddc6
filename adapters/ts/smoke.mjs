#!/usr/bin/env node
// Smoke test of the TypeScript adapter and the bundled TypeScript aegis sample.
//
//   cd adapters/ts && npm ci --no-audit --no-fund && node smoke.mjs
//
// Starts the adapter the way the harness does (an argv list, from another working directory),
// and checks: the hello exchange; every script kind with and without a fallback against the
// contract's expected outputs; configuration errors; 300 overlapping cases each getting its
// own event; that an implementation printing to stdout does not corrupt the protocol stream;
// the checkout layouts of AEGIS_TS_SRC and the reasons given under `unavailable`; that every
// mutant shows in the canonical output; ping, bye with cases pending, throughput; and, when
// python3 is on PATH, that the Python adapter with the Python sample gives the same outputs.
// Exits 1 on the first failed check.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const adapters = path.dirname(here);
const SAMPLE = path.join(adapters, "samples", "ts", "aegis", "index.ts");
const TS_ARGV = ["node", "--import", path.join(here, "node_modules", "tsx", "dist", "loader.mjs"), path.join(here, "adapter.ts")];
const PY_ARGV = ["python3", path.join(adapters, "py", "adapter.py")];
const scratch = mkdtempSync(path.join(tmpdir(), "ts-adapter-smoke-"));

let failures = 0;
function check(condition, what, detail = "") {
  if (condition) return;
  failures++;
  console.error(`FAIL ${what}${detail ? `\n  ${detail}` : ""}`);
}

// --------------------------------------------------------------------------------------------
// Talking to an adapter

const canon = (v) =>
  Array.isArray(v) ? v.map(canon) : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v;
const same = (a, b) => JSON.stringify(canon(a)) === JSON.stringify(canon(b));

class Adapter {
  constructor(argv, env) {
    this.child = spawn(argv[0], argv.slice(1), { cwd: scratch, env: { ...process.env, AEGIS_SAMPLE_MUTANT: "", ...env }, stdio: ["pipe", "pipe", "pipe"] });
    this.stderr = "";
    this.badLines = [];
    this.waiters = new Map(); // id -> resolve
    this.pongs = new Map();
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
    let buffered = "";
    this.child.stderr.setEncoding("utf8").on("data", (d) => (this.stderr += d));
    this.child.stdout.setEncoding("utf8").on("data", (d) => {
      buffered += d;
      let i;
      while ((i = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, i);
        buffered = buffered.slice(i + 1);
        this.onLine(line);
      }
    });
    this.nextId = 0;
  }

  onLine(line) {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      this.badLines.push(line);
      return;
    }
    if (message.op === "hello") this.helloReply?.(message);
    else if (message.op === "pong") this.pongs.get(message.token)?.(message);
    else if (message.op === "result" && this.waiters.has(message.id)) {
      this.waiters.get(message.id)(message);
      this.waiters.delete(message.id);
    } else this.badLines.push(line);
  }

  send(message) {
    this.child.stdin.write(JSON.stringify(message) + "\n");
  }

  hello() {
    const reply = new Promise((resolve) => (this.helloReply = resolve));
    this.send({ op: "hello", protocol: 1 });
    return reply;
  }

  /** Sends every input at once; resolves to the replies in input order. */
  runAll(inputs) {
    const replies = inputs.map((input) => {
      const id = this.nextId++;
      const reply = new Promise((resolve) => this.waiters.set(id, resolve));
      this.send({ op: "run", id, contract: "budget", input });
      return reply;
    });
    return Promise.all(replies);
  }

  ping(token) {
    const reply = new Promise((resolve) => this.pongs.set(token, resolve));
    this.send({ op: "ping", token });
    return reply;
  }

  async bye() {
    this.send({ op: "bye" });
    return this.exited;
  }
}

async function withAdapter(env, body, argv = TS_ARGV) {
  const adapter = new Adapter(argv, env);
  const hello = await adapter.hello();
  try {
    return await body(adapter, hello);
  } finally {
    const code = await adapter.bye();
    check(code === 0, `adapter exits 0 on bye (${argv[0]})`, `exit ${code}; stderr tail: ${adapter.stderr.slice(-500)}`);
    check(adapter.badLines.length === 0, "every stdout line is a protocol message", adapter.badLines.slice(0, 3).join("\n  "));
  }
}

// --------------------------------------------------------------------------------------------
// Cases and what the contract expects of them

const T = 60; // timeoutMs of the hand-written cases
const EARLY = 5; // delays well before the deadline ...
const LATE = 150; // ... and well after it
const TAGS = { component: "reeve", op: "llm.call", tenantId: "t-1" };

const input = (primary, extra = {}) => ({
  budget: { timeoutMs: T, signalRespecting: true },
  tags: TAGS,
  primaryResourceClass: "llm",
  primary,
  ...extra,
});
const withFallback = (primary, fn, resourceClass = "io") => input(primary, { fallback: { resourceClass, fn } });

const resolve = (value, delayMs) => ({ kind: "resolve", value, delayMs });
const reject = (errorName, delayMs) => ({ kind: "reject", errorName, errorMessage: `scripted ${errorName}`, delayMs });
const hang = { kind: "hang_until_abort" };
const ignore = (value, delayMs) => ({ kind: "ignore_abort_resolve", value, delayMs });
const syncThrow = (errorName) => ({ kind: "sync_throw", errorName, errorMessage: `scripted ${errorName}` });

/** The canonical output of a call that completed, as the reference builds it. */
function completed(inp, outcome, { value = null, errorName = null, fallbackErrorName = null } = {}) {
  const fallbackRan = outcome === "fallback" || outcome === "fallback_failed";
  const tags = Object.fromEntries(Object.entries(inp.tags).filter(([, v]) => v !== undefined));
  return {
    outcome,
    value,
    errorName: outcome === "fallback_failed" ? "FallbackFailedError" : outcome === "budget_exceeded" ? "BudgetExceededError" : errorName,
    originalErrorName: outcome === "fallback_failed" ? "AbortError" : null,
    fallbackErrorName: outcome === "fallback_failed" ? fallbackErrorName : null,
    events: [
      {
        outcome,
        tags,
        primaryResourceClass: inp.primaryResourceClass,
        fallbackResourceClass: fallbackRan ? inp.fallback.resourceClass : null,
        timeoutMs: inp.budget.timeoutMs,
      },
    ],
    tagsSeen: { primary: tags, fallback: fallbackRan ? tags : null },
    tagsAfter: null,
  };
}

const CONFIG_ERROR = {
  outcome: "config_error",
  value: null,
  errorName: "AegisConfigError",
  originalErrorName: null,
  fallbackErrorName: null,
  events: [],
  tagsSeen: { primary: null, fallback: null },
  tagsAfter: null,
};

const breakIt = (edit) => {
  const inp = structuredClone(input(resolve(1, EARLY)));
  edit(inp);
  return inp;
};

// [name, input, expected output, same in the Python sample?]
const CASES = [];
const add = (name, inp, expected, python = true) => CASES.push({ name, input: inp, expected, python });
{
  let i;
  i = input(resolve({ a: [1, 2.5, null] }, EARLY));
  add("resolve early", i, completed(i, "ok", { value: { a: [1, 2.5, null] } }));
  i = input(resolve("late", LATE));
  add("resolve late", i, completed(i, "budget_exceeded"));
  i = input(reject("TypeError", EARLY));
  add("reject early", i, completed(i, "primary_error", { errorName: "TypeError" }));
  i = input(reject("TypeError", LATE));
  add("reject late", i, completed(i, "budget_exceeded"));
  i = input(reject("AbortError", 0));
  add("reject AbortError itself, no delay", i, completed(i, "primary_error", { errorName: "AbortError" }));
  i = input(hang);
  add("hang", i, completed(i, "budget_exceeded"));
  i = input(ignore(true, EARLY));
  add("ignore_abort_resolve early", i, completed(i, "ok", { value: true }));
  i = input(ignore("late value", LATE));
  add("ignore_abort_resolve late (value discarded)", i, completed(i, "budget_exceeded"));
  i = input(syncThrow("TimeoutError"));
  add("sync_throw", i, completed(i, "primary_error", { errorName: "TimeoutError" }));

  i = withFallback(resolve(7, EARLY), resolve("cached", EARLY));
  add("fallback: primary resolves early", i, completed(i, "ok", { value: 7 }));
  i = withFallback(reject("RateLimitError", EARLY), resolve("cached", EARLY));
  add("fallback: primary rejects early", i, completed(i, "primary_error", { errorName: "RateLimitError" }));
  i = withFallback(syncThrow("Error"), resolve("cached", EARLY));
  add("fallback: primary sync_throw", i, completed(i, "primary_error", { errorName: "Error" }));
  i = withFallback(hang, resolve("cached", EARLY));
  add("fallback: resolve", i, completed(i, "fallback", { value: "cached" }));
  i = withFallback(resolve(1, LATE), resolve(null, T - 15));
  add("fallback: its own full deadline", i, completed(i, "fallback", { value: null }));
  i = withFallback(ignore(1, LATE), ignore([], EARLY));
  add("fallback: ignore_abort_resolve both", i, completed(i, "fallback", { value: [] }));
  i = withFallback(reject("TypeError", LATE), reject("RateLimitError", EARLY));
  add("fallback: reject", i, completed(i, "fallback_failed", { fallbackErrorName: "RateLimitError" }));
  i = withFallback(hang, syncThrow("TimeoutError"));
  add("fallback: sync_throw", i, completed(i, "fallback_failed", { fallbackErrorName: "TimeoutError" }));
  i = withFallback(hang, hang);
  add("fallback: hang", i, completed(i, "fallback_failed", { fallbackErrorName: "AbortError" }));
  i = withFallback(hang, resolve(1, LATE));
  add("fallback: resolve late", i, completed(i, "fallback_failed", { fallbackErrorName: "AbortError" }));
  i = withFallback(hang, ignore(1, LATE));
  add("fallback: ignore_abort_resolve late", i, completed(i, "fallback_failed", { fallbackErrorName: "AbortError" }));
  i = withFallback(hang, resolve("same class", EARLY), "llm");
  add("fallback of an equal class", i, completed(i, "fallback", { value: "same class" }));
  i = { ...withFallback(hang, resolve(1, EARLY)), tags: { component: "c", op: "o", correlationId: "k" } };
  add("fallback without tenantId", i, completed(i, "fallback", { value: 1 }));

  add("fallback outranks primary", { ...withFallback(hang, resolve(1, EARLY), "llm"), primaryResourceClass: "io" }, CONFIG_ERROR);
  add("unknown primary class, no fallback", { ...input(resolve(1, EARLY)), primaryResourceClass: "gpu" }, CONFIG_ERROR);
  add("unknown primary class, fallback", { ...withFallback(hang, resolve(1, EARLY)), primaryResourceClass: "LLM" }, CONFIG_ERROR);
  add("unknown fallback class", withFallback(hang, resolve(1, EARLY), "disk"), CONFIG_ERROR);
  add("missing tags.op", breakIt((x) => delete x.tags.op), CONFIG_ERROR);
  add("missing tags.component", breakIt((x) => delete x.tags.component), CONFIG_ERROR);
  add("numeric tags.op", breakIt((x) => (x.tags.op = 5)), CONFIG_ERROR);
  add("array tenantId", breakIt((x) => (x.tags.tenantId = [])), CONFIG_ERROR);
  add("object correlationId", breakIt((x) => (x.tags.correlationId = { nested: "x" })), CONFIG_ERROR);
  add("timeoutMs 0", breakIt((x) => (x.budget.timeoutMs = 0)), CONFIG_ERROR);
  add("timeoutMs -5", breakIt((x) => (x.budget.timeoutMs = -5)), CONFIG_ERROR);
  add("timeoutMs 12.5", breakIt((x) => (x.budget.timeoutMs = 12.5)), CONFIG_ERROR);
  add("timeoutMs string", breakIt((x) => (x.budget.timeoutMs = "100")), CONFIG_ERROR);
  add("signalRespecting string", breakIt((x) => (x.budget.signalRespecting = "yes")), CONFIG_ERROR);
  add("signalRespecting 1", breakIt((x) => (x.budget.signalRespecting = 1)), CONFIG_ERROR);
  add("numeric primaryResourceClass", breakIt((x) => (x.primaryResourceClass = 5)), CONFIG_ERROR);
  // The reference refuses these too; the Python sample (through its binding) accepts them.
  add("null tenantId", breakIt((x) => (x.tags.tenantId = null)), CONFIG_ERROR, false);
  add("unknown tags field", breakIt((x) => (x.tags.extra = "x")), CONFIG_ERROR, false);
}

// --------------------------------------------------------------------------------------------
// The checks

async function scenarios(argv, env, label) {
  await withAdapter(
    env,
    async (adapter, hello) => {
      check(same(hello.contracts, ["budget"]), `${label}: hello lists budget`, JSON.stringify(hello));
      const replies = await adapter.runAll(CASES.map((c) => c.input));
      CASES.forEach((c, i) => {
        if (label === "python" && !c.python) return;
        check(same(replies[i].output, c.expected), `${label}: ${c.name}`, `got  ${JSON.stringify(replies[i])}\n  want ${JSON.stringify(c.expected)}`);
      });
    },
    argv,
  );
}

async function concurrency() {
  // 300 cases in flight at once, settling in interleaved order over ~150 ms, every outcome.
  const inputs = Array.from({ length: 300 }, (_, n) => {
    const tags = { component: `c${n % 7}`, op: "op", correlationId: `case-${n}` };
    if (n % 2) tags.tenantId = `t${n}`;
    const timeoutMs = 40 + (n % 5) * 20;
    const scripts = [resolve(n, timeoutMs / 2), hang, reject("E", timeoutMs / 4), ignore(n, timeoutMs + 40)];
    const fallback = n % 3 ? { resourceClass: "cpu", fn: scripts[(n + 1) % 4] } : undefined;
    return { budget: { timeoutMs, signalRespecting: n % 2 === 0 }, tags, primaryResourceClass: "pg", primary: scripts[n % 4], ...(fallback && { fallback }) };
  });
  await withAdapter({ AEGIS_TS_SRC: SAMPLE }, async (adapter) => {
    const replies = await adapter.runAll(inputs);
    let wrong = 0;
    replies.forEach((reply, n) => {
      const events = reply.output?.events ?? [];
      const own = events.length === 1 && same(events[0].tags, reply.output.tagsSeen.primary) && events[0].tags.correlationId === `case-${n}`;
      if (!own && wrong++ < 3) console.error(`  case ${n}: ${JSON.stringify(reply)}`);
    });
    check(wrong === 0, `300 overlapping cases each get exactly their own event (${wrong} wrong)`);
  });
}

function writeModule(dir, file, source, manifest) {
  mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
  writeFileSync(path.join(dir, file), source);
  if (manifest) writeFileSync(path.join(dir, "package.json"), JSON.stringify(manifest));
}

async function noisyImplementation() {
  // An implementation that prints to stdout in every way Node offers, at import and per call.
  const dir = path.join(scratch, "noisy");
  const noise = `console.log("log noise {"); console.info("info noise"); console.debug("debug noise");
    console.table([{ a: 1 }]); console.dir({ dir: true }); process.stdout.write("raw noise\\n");`;
  writeModule(
    dir,
    "src/index.ts",
    `import * as sample from ${JSON.stringify(pathToFileURL(SAMPLE).href)};
    export * from ${JSON.stringify(pathToFileURL(SAMPLE).href)};
    ${noise}
    export function withResourceBudget(args: unknown, fn: unknown) { ${noise} return sample.withResourceBudget(args as never, fn as never); }\n`,
    { name: "noisy", version: "9.9.9", type: "module" },
  );
  await withAdapter({ AEGIS_TS_SRC: dir }, async (adapter, hello) => {
    check(hello.implementations.budget?.version === "9.9.9", "checkout root with src/index.ts: version from its package.json", JSON.stringify(hello));
    const picked = CASES.slice(0, 12);
    const replies = await adapter.runAll(picked.map((c) => c.input));
    picked.forEach((c, i) => check(same(replies[i].output, c.expected), `noisy implementation: ${c.name}`, JSON.stringify(replies[i])));
    check(adapter.stderr.includes("raw noise") && adapter.stderr.includes("log noise"), "what the implementation prints goes to stderr");
  });
}

async function unavailable() {
  const twin = path.join(scratch, "twin");
  writeModule(twin, "ts/src/index.ts", `export * from ${JSON.stringify(pathToFileURL(SAMPLE).href)};\n`);
  writeFileSync(path.join(twin, "ts", "package.json"), JSON.stringify({ version: "0.0.9", type: "module" }));
  const expectations = [
    [{ AEGIS_TS_SRC: "" }, /AEGIS_TS_SRC is not set/],
    [{ AEGIS_TS_SRC: path.join(scratch, "nowhere") }, /does not exist/],
    [{ AEGIS_TS_SRC: scratch }, /no src\/index\.ts or ts\/src\/index\.ts under/],
    [{ AEGIS_TS_SRC: SAMPLE, AEGIS_SAMPLE_MUTANT: "no-such-mutant" }, /AEGIS_SAMPLE_MUTANT="no-such-mutant" is not a known mutant/],
  ];
  for (const [env, reason] of expectations) {
    await withAdapter(env, async (adapter, hello) => {
      check(hello.contracts.length === 0 && reason.test(hello.unavailable?.budget ?? ""), `unavailable: ${reason}`, JSON.stringify(hello));
      const [reply] = await adapter.runAll([CASES[0].input]);
      check(reply.adapterError !== undefined, "a run of an unavailable contract is an adapterError", JSON.stringify(reply));
    });
  }
  await withAdapter({ AEGIS_TS_SRC: twin }, async (adapter, hello) => {
    check(hello.implementations.budget?.version === "0.0.9", "checkout with ts/src/index.ts (earlier layout)", JSON.stringify(hello));
  });
}

async function mutants() {
  // Each mutant, on cases a generator produces all the time, and the part of the output it breaks.
  const byName = (name) => CASES.find((c) => c.name === name);
  const expectations = {
    "double-event": ["fallback: resolve", (o) => o.events.length === 2],
    "equal-class-rejected": ["fallback of an equal class", (o) => o.outcome === "config_error"],
    "tenant-dropped": ["resolve early", (o) => o.events[0].tags.tenantId === undefined && o.tagsSeen.primary.tenantId === "t-1"],
    "stale-signal": ["fallback: resolve", (o) => o.outcome === "fallback_failed" && o.fallbackErrorName === "AbortError"],
  };
  for (const [mutant, [caseName, broken]] of Object.entries(expectations)) {
    await withAdapter({ AEGIS_TS_SRC: SAMPLE, AEGIS_SAMPLE_MUTANT: mutant }, async (adapter, hello) => {
      check(hello.contracts.includes("budget"), `mutant ${mutant} loads`, JSON.stringify(hello));
      const c = byName(caseName);
      const [reply] = await adapter.runAll([c.input]);
      check(!same(reply.output, c.expected) && broken(reply.output), `mutant ${mutant} shows on "${caseName}"`, JSON.stringify(reply));
    });
  }
}

async function liveness() {
  await withAdapter({ AEGIS_TS_SRC: SAMPLE }, async (adapter) => {
    // Cases that never settle on their own (a day-long budget) must not delay pong or bye.
    for (let n = 0; n < 50; n++) adapter.send({ op: "run", id: 1_000_000 + n, contract: "budget", input: { ...input(hang), budget: { timeoutMs: 86_400_000, signalRespecting: true } } });
    const start = performance.now();
    const pong = await adapter.ping(7);
    check(pong.token === 7 && performance.now() - start < 1000, "pong while cases hang");

    const quick = Array.from({ length: 5000 }, (_, n) => input(resolve(n, 0)));
    const began = performance.now();
    const replies = await adapter.runAll(quick);
    const seconds = (performance.now() - began) / 1000;
    check(replies.every((r, n) => r.output?.value === n), "5000 quick cases all answered");
    console.log(`throughput: ${Math.round(quick.length / seconds)} replies/s`);
  });
}

const started = performance.now();
await scenarios(TS_ARGV, { AEGIS_TS_SRC: SAMPLE }, "typescript");
await concurrency();
await noisyImplementation();
await unavailable();
await mutants();
await liveness();
if (spawnSync("python3", ["--version"]).status === 0) {
  await scenarios(PY_ARGV, { AEGIS_PY_SRC: path.join(adapters, "samples", "py") }, "python");
} else {
  console.log("python3 not found: the cross-check with the Python adapter is skipped");
}
rmSync(scratch, { recursive: true, force: true });
console.log(`${failures === 0 ? "ok" : `${failures} check(s) failed`} (${CASES.length} scenarios, ${Math.round(performance.now() - started)} ms)`);
process.exit(failures === 0 ? 0 : 1);
