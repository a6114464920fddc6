/**
 * The start and end of every bug program. The start imports the package under test from the
 * file an environment variable names (so the program runs from anywhere with it set). The end
 * holds what the contract expects (the harness's reference, handed to the `snippet` op), compares
 * it with what the program saw, prints both, and sets the exit status: 1 and "BUG PRESENT" while
 * the implementation still behaves wrongly, 0 and "fixed" otherwise.
 *
 * A binding's program leaves what it saw in `actual`, in the shape its `run` reports, less what
 * the contract does not decide (the harness's `comparable`). The check is one text: the program
 * embeds it, and the adapter evaluates it to write the report's expected and actual as the
 * program prints them.
 */

import { inspect } from "node:util";

/** Where a binding's program imports the package under test from. */
export interface ProgramSource {
  /** The environment variable naming the entry file (or a folder holding one of `entries`). */
  variable: string;
  /** Entry files tried, in order, when the variable names a folder. */
  entries: readonly string[];
  /** One export the package must have: a module without it is read through its default export. */
  exports: string;
}

// Plain JavaScript (tsx runs it untyped), so the adapter can evaluate the same text.
const CHECK = `function same(a, b) {
  // JSON equality: numbers by value (a BigInt equals the same integer), keys in any order.
  const numeric = (x) => typeof x === "number" || typeof x === "bigint";
  if (numeric(a) && numeric(b)) return a == b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, n) => same(x, b[n]));
  }
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length &&
      keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && same(a[key], b[key]));
  }
  return a === b;
}

function expectedText(expected) {
  const show = (value) => inspect(value, { depth: null, sorted: true, breakLength: 100 });
  if (expected.length === 1) return "expected: " + show(expected[0]);
  return "expected one of (a race the contract leaves open):\\n" + expected.map(show).join("\\n");
}

function actualText(actual) {
  return "actual: " + inspect(actual, { depth: null, sorted: true, breakLength: 100 });
}

function verdict(actual) {
  console.log(expectedText(EXPECTED));
  console.log(actualText(actual));
  const fixed = EXPECTED.some((expected) => same(actual, expected));
  console.log(fixed ? "fixed" : "BUG PRESENT");
  process.exit(fixed ? 0 : 1);
}
`;

// The check, evaluated here from the text the program embeds.
const helpers = new Function("inspect", "EXPECTED", `${CHECK}\nreturn { expectedText, actualText };`) as (
  inspectFn: typeof inspect,
  expected: unknown[],
) => { expectedText: (expected: unknown[]) => string; actualText: (actual: unknown) => string };

/** Lines that import the package under test as `implementation` (top-level await: an ES module). */
function importing(source: ProgramSource): string[] {
  const entries = JSON.stringify(source.entries);
  return [
    ...(source.entries.length === 0 ? [] : ['import { existsSync, statSync } from "node:fs";']),
    'import path from "node:path";',
    'import { pathToFileURL } from "node:url";',
    'import { inspect } from "node:util";',
    "",
    `// The package under test: the entry file ${source.variable} names${source.entries.length === 0 ? "" : ` (or a checkout holding ${source.entries.join(" or ")})`}.`,
    `const source = process.env.${source.variable};`,
    `if (!source) throw new Error("set ${source.variable} to the implementation's entry file");`,
    ...(source.entries.length === 0
      ? ["const entry = path.resolve(source);"]
      : [
          "let entry = path.resolve(source);",
          `if (statSync(entry).isDirectory()) entry = ${entries}.map((e: string) => path.join(entry, e)).find((e: string) => existsSync(e)) ?? entry;`,
        ]),
    "const loaded: any = await import(pathToFileURL(entry).href);",
    `const implementation: any = ${JSON.stringify(source.exports)} in loaded || typeof loaded.default !== "object" ? loaded : loaded.default;`,
    "",
  ];
}

/**
 * The whole program: the binding's `code` (its opening comments first; it must leave what it saw
 * in `actual`) importing the package as `implementation`, then the check against `expected`.
 * Returns the program and the expected and actual as it prints them (absent without `expected`).
 */
export function program(
  code: string,
  source: ProgramSource,
  expected: unknown[] | undefined,
  actual: unknown,
  literal: (value: unknown) => string,
): { code: string; expected?: string; actual?: string } {
  const lines = code.split("\n");
  let comments = 0;
  while (comments < lines.length && lines[comments].startsWith("//")) comments++;
  const head = [...lines.slice(0, comments), ...importing(source), ...lines.slice(comments)];
  if (expected === undefined) return { code: [...head, 'console.log("actual:", actual);', ""].join("\n") };
  const tail = [
    "",
    "// -- The check: what the contract expects for this case (from the harness's reference",
    "// implementation; several outputs when a timing race may go either way), compared with",
    "// what happened. Exit 1 and BUG PRESENT while the bug is there, 0 and fixed once it is not.",
    `const EXPECTED: unknown[] = ${literal(expected)};`,
    "",
    CHECK,
    "verdict(actual);",
    "",
  ];
  const shown = helpers(inspect, expected);
  return {
    code: [...head, ...tail].join("\n"),
    expected: shown.expectedText(expected),
    ...(actual === undefined ? {} : { actual: shown.actualText(actual) }),
  };
}
