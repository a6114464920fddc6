/**
 * Canonical JSON (LEDGER-STRINGIFY): object keys sorted by UTF-16 code units at every depth,
 * arrays in order, no whitespace, strings and numbers exactly as JSON.stringify writes them.
 *
 * The text is built here rather than by JSON.stringify of a key-sorted copy: an object puts
 * integer-like keys ("1", "10") first whatever order they were added in, so a sorted copy would
 * not stay sorted.
 */

export function stableStringify(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
    case "string":
      // JSON.stringify's own formatting: shortest round-trip digits, -0 as 0, the JSON escapes.
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
      const record = value as Record<string, unknown>;
      // Array.prototype.sort with no comparator compares strings by UTF-16 code units.
      const keys = Object.keys(record).sort();
      return `{${keys.map((key) => `${JSON.stringify(key)}:${stableStringify(record[key])}`).join(",")}}`;
    }
    default:
      // undefined, a function, a symbol, a BigInt: not JSON, so no canonical form (fail closed).
      throw new TypeError(`stableStringify: a ${typeof value} is not a JSON value`);
  }
}
