/**
 * A small, correct TypeScript port of the antaris-contracts schema migrations, bundled with the
 * harness. Written against docs/contracts/migrate.md (stricter than the published Python package on
 * purpose: versions are checked before anything else, non-string versions are refused, and data
 * that is not an object is a MigrationError). Node's standard library only.
 *
 * It defines the API the TypeScript `migrate` binding drives (see adapters/ts/bindings/migrate.ts):
 *   migrate(data, fromVersion?, toVersion = "2.2.0")  -> a migrated copy of `data`
 *   getMigrationPath(fromVersion, toVersion)         -> the [from, to] steps
 *   schemaVersion(x)                                 -> a comparable SchemaVersion, or throws
 *   compareVersions(a, b)                            -> { lt, le } of schemaVersion(a) vs (b)
 *   MigrationError                                   -> the one error class the API throws
 *
 * Deliberately broken variants ("mutants") for the harness's self-tests are switched on with
 * `ANTARIS_SAMPLE_MUTANT`; each is one realistic mistake, marked `MUTANT:` where it lives. They
 * differ from the Python sample's mutants on purpose, so the two samples exercise other rules.
 */

export const VERSION = "0.1.0-sample";

export const MUTANTS: ReadonlyMap<string, string> = new Map([
  ["", "the correct sample"],
  ["downgrade-allowed", "an older target applies nothing and returns a copy instead of failing"],
  ["heartbeat-kept", "the 2.1.0 -> 2.1.1 step forgets to remove _heartbeat_contaminated"],
  ["null-as-absent", "a step fills a default over a key that is present with null (`??=`)"],
  ["not-object-typeerror", "data that is not an object throws a TypeError instead of MigrationError"],
  ["nfkc-versions", "version strings are NFKC-normalized before lookup, so full-width digits name a known version"],
  ["compare-extra-field", "compareVersions also returns `eq`, a field the contract's result does not have (a binding keeping lt and le alone hid it)"],
]);

const MUTANT = process.env.ANTARIS_SAMPLE_MUTANT ?? "";
if (!MUTANTS.has(MUTANT)) {
  const valid = [...MUTANTS.keys()].filter((name) => name !== "").join(", ");
  throw new Error(`ANTARIS_SAMPLE_MUTANT=${JSON.stringify(MUTANT)} is not a known mutant (valid: ${valid}, or unset)`);
}

// ---------------------------------------------------------------------------------------------
// Versions (MIG-VERSIONS, MIG-UNKNOWN, MIG-ORDER)

/** The known versions, oldest first. */
export const SCHEMA_VERSIONS = ["2.0.0", "2.1.0", "2.1.1", "2.2.0"] as const;
export type VersionString = (typeof SCHEMA_VERSIONS)[number];
export const CURRENT_VERSION: VersionString = "2.2.0";

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

/** One known version; versions compare by their place in SCHEMA_VERSIONS. */
export class SchemaVersion {
  private constructor(
    readonly value: VersionString,
    readonly rank: number,
  ) {}

  static readonly all: readonly SchemaVersion[] = SCHEMA_VERSIONS.map((value, rank) => new SchemaVersion(value, rank));

  lessThan(other: SchemaVersion): boolean {
    return this.rank < other.rank;
  }

  lessOrEqual(other: SchemaVersion): boolean {
    return this.rank <= other.rank;
  }

  toString(): string {
    return this.value;
  }

  toJSON(): string {
    return this.value;
  }
}

const BY_VALUE: ReadonlyMap<string, SchemaVersion> = new Map(SchemaVersion.all.map((v) => [v.value, v]));

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return `${typeof value} ${JSON.stringify(value) ?? String(value)}`;
  } catch {
    return typeof value;
  }
}

/** The known version named by `value`; anything else (another string, a number...) throws. */
export function schemaVersion(value: unknown, role = "schema"): SchemaVersion {
  // MUTANT: nfkc-versions — "normalizing" what the caller typed turns "２.２.０" into "2.2.0".
  const key = typeof value === "string" && MUTANT === "nfkc-versions" ? value.normalize("NFKC") : value;
  const version = typeof key === "string" ? BY_VALUE.get(key) : undefined;
  if (version === undefined) {
    throw new MigrationError(`unknown ${role} version ${show(value)}; known: ${SCHEMA_VERSIONS.join(", ")}`);
  }
  return version;
}

export function compareVersions(a: unknown, b: unknown): { lt: boolean; le: boolean } {
  const x = schemaVersion(a);
  const y = schemaVersion(b);
  if (MUTANT === "compare-extra-field") {
    // MUTANT: one more field than the contract's result.
    return { lt: x.lessThan(y), le: x.lessOrEqual(y), eq: x.lessOrEqual(y) && !x.lessThan(y) } as { lt: boolean; le: boolean };
  }
  return { lt: x.lessThan(y), le: x.lessOrEqual(y) };
}

function refuseDowngrade(source: SchemaVersion, target: SchemaVersion): boolean {
  if (!target.lessThan(source)) return false;
  if (MUTANT === "downgrade-allowed") return true; // MUTANT: a downgrade is let through as "nothing to do"
  throw new MigrationError(`downgrade from ${source.value} to ${target.value} is not supported`);
}

// ---------------------------------------------------------------------------------------------
// Documents

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Doc = Record<string, unknown>;

function isObject(value: unknown): value is Doc {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const hasOwn = (doc: object, key: string): boolean => Object.prototype.hasOwnProperty.call(doc, key);

/** Sets an own property, even for the key "__proto__" (plain assignment would set the prototype). */
function put(target: Doc, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/**
 * A deep copy of a JSON value, keeping key order. Iterative, so deep nesting cannot overflow the
 * stack. Values that are not plain objects, arrays or primitives go through structuredClone.
 */
function clone<T>(value: T): T {
  const fresh = (item: unknown): unknown => {
    if (Array.isArray(item)) return [];
    if (isObject(item) && Object.getPrototypeOf(item) === Object.prototype) return {};
    return undefined;
  };
  const root = fresh(value);
  if (root === undefined) {
    return typeof value === "object" && value !== null ? structuredClone(value) : value;
  }
  const pending: [unknown, unknown][] = [[value, root]];
  const copyOf = (item: unknown): unknown => {
    const target = fresh(item);
    if (target !== undefined) {
      pending.push([item, target]);
      return target;
    }
    return typeof item === "object" && item !== null ? structuredClone(item) : item;
  };
  while (pending.length > 0) {
    const [source, target] = pending.pop()!;
    if (Array.isArray(source)) {
      for (const item of source) (target as unknown[]).push(copyOf(item));
    } else {
      for (const key of Object.keys(source as Doc)) put(target as Doc, key, copyOf((source as Doc)[key]));
    }
  }
  return root as T;
}

// ---------------------------------------------------------------------------------------------
// Steps (MIG-STEP-2.0.0, MIG-STEP-2.1.0, MIG-STEP-2.1.1)

interface Step {
  source: SchemaVersion;
  target: SchemaVersion;
  /** Keys added where absent, with their defaults (copied for each document). */
  adds: readonly (readonly [string, Json])[];
  removes: readonly string[];
}

const [V200, V210, V211, V220] = SchemaVersion.all;

const STEPS: readonly Step[] = [
  {
    source: V200,
    target: V210,
    adds: [
      ["memory_type", "episodic"],
      ["type_metadata", {}],
      ["correlations", []],
      ["triggers", []],
    ],
    removes: [],
  },
  {
    source: V210,
    target: V211,
    adds: [["trace_id", null]],
    // MUTANT: the contamination marker is never removed.
    removes: MUTANT === "heartbeat-kept" ? [] : ["_heartbeat_contaminated"],
  },
  {
    source: V211,
    target: V220,
    adds: [
      ["escalated", false],
      ["original_confidence", null],
      ["escalation_reason", null],
      ["sla_compliant", true],
      ["sla_breaches", []],
      ["sla_adjustments", []],
      ["ab_variant", null],
      ["explanation", ""],
      ["supports_streaming", false],
      ["pattern_version", ""],
      ["audit_id", ""],
      ["user_id", null],
      ["conversation_id", null],
      ["agent_id", null],
      ["strategy", "hybrid"],
    ],
    removes: [],
  },
];

/** Applies one step to `doc`, a copy this module owns. */
function applyStep(step: Step, doc: Doc): void {
  for (const [key, value] of step.adds) {
    if (MUTANT === "null-as-absent") {
      (doc as Record<string, unknown>)[key] ??= clone(value); // MUTANT: `??=` also replaces null
    } else if (!hasOwn(doc, key)) {
      put(doc, key, clone(value)); // absent only: a key holding null keeps its null
    }
  }
  for (const key of step.removes) delete doc[key];
  doc.schema_version = step.target.value;
}

/** The adjacent steps from `source` up to `target`, in order (MIG-CHAIN). */
function chain(source: SchemaVersion, target: SchemaVersion): readonly Step[] {
  return STEPS.slice(source.rank, target.rank);
}

/** Pairs registered as one step (MIG-PATH); the long ones run the adjacent steps in order. */
const DIRECT = new Set([...STEPS.map((s) => `${s.source.value}>${s.target.value}`), "2.1.0>2.2.0", "2.0.0>2.2.0"]);

// ---------------------------------------------------------------------------------------------
// Public API

/** Whether a fromVersion argument counts as given (MIG-SOURCE): not undefined, null or "". */
function given(version: unknown): boolean {
  return version !== undefined && version !== null && version !== "";
}

/**
 * Returns a migrated copy of `data`; `data` itself is never modified (MIG-PURE). The source
 * version is `fromVersion` when given, else `data.schema_version` (MIG-SOURCE).
 */
export function migrate(data: unknown, fromVersion?: unknown, toVersion: unknown = CURRENT_VERSION): Doc {
  if (!isObject(data)) {
    const what = data === null ? "null" : Array.isArray(data) ? "an array" : typeof data;
    if (MUTANT === "not-object-typeerror") throw new TypeError(`data must be an object, got ${what}`); // MUTANT: untyped failure
    throw new MigrationError(`data must be a JSON object, got ${what}`);
  }
  let declared: unknown;
  if (given(fromVersion)) {
    declared = fromVersion;
  } else {
    declared = hasOwn(data, "schema_version") ? data.schema_version : undefined;
    if (declared === undefined || declared === null || declared === "") {
      throw new MigrationError("cannot tell the source version: no fromVersion and no schema_version in data");
    }
  }
  const source = schemaVersion(declared, "source");
  const target = schemaVersion(toVersion, "target");
  if (refuseDowngrade(source, target)) return clone(data);
  const doc = clone(data);
  for (const step of chain(source, target)) applyStep(step, doc);
  return doc;
}

/** The [from, to] steps migrating `fromVersion` to `toVersion` applies (MIG-PATH). */
export function getMigrationPath(fromVersion: unknown, toVersion: unknown): [string, string][] {
  const source = schemaVersion(fromVersion, "source");
  const target = schemaVersion(toVersion, "target");
  if (refuseDowngrade(source, target) || source === target) return [];
  if (DIRECT.has(`${source.value}>${target.value}`)) return [[source.value, target.value]];
  return chain(source, target).map((step): [string, string] => [step.source.value, step.target.value]);
}
