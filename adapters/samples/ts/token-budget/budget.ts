/**
 * A small, correct TypeScript port of lexigram-contracts' `TokenBudget`, bundled with the
 * harness (there is no published TypeScript one). Written against docs/contracts/token-budget.md,
 * stricter than the Python dataclass on purpose: every field is checked to be a non-negative
 * integer (TOKEN-INTEGERS), and arithmetic is exact at any size (BigInt). Node's standard
 * library only.
 *
 * It defines the API the TypeScript `token-budget` binding drives (see adapters/ts/bindings/token_budget.ts):
 *   new TokenBudget({ modelContextLimit, reservedForOutput, systemPromptTokens,
 *                     toolDefinitionsTokens, ragContextTokens = 0, historyTokens = 0 })
 *   totalUsed, remaining, remainingForHistory   BigInt getters
 *   overBudget                                   boolean getter
 *   withRagTokens(n), withHistoryTokens(n)       a new budget with that one field replaced
 * A budget is frozen: assigning to a field throws (in strict mode, as all module code is).
 * A field or step value is an integer `number` (Number.isInteger) or a `bigint`, at least 0.
 *
 * Deliberately broken variants ("mutants") for the harness's self-tests are switched on with
 * `TOKEN_BUDGET_SAMPLE_MUTANT`; each is one realistic mistake, marked `MUTANT:` where it lives.
 */

export const MUTANTS: ReadonlyMap<string, string> = new Map([
  ["", "the correct sample"],
  ["number-arithmetic", "the sums and differences are computed with doubles, so values beyond 2^53 round"],
  ["mutating-with", "withRagTokens / withHistoryTokens assign to the budget itself (not frozen) and return it"],
  ["over-at-limit", "overBudget is totalUsed >= limit, so an exact fit counts as over"],
  ["int32-counts", "a count must pass `(value | 0) === value`, a 32-bit check, so 2^31 and above are refused"],
]);

const MUTANT = process.env.TOKEN_BUDGET_SAMPLE_MUTANT ?? "";
if (!MUTANTS.has(MUTANT)) {
  const valid = [...MUTANTS.keys()].filter((name) => name !== "").join(", ");
  throw new Error(`TOKEN_BUDGET_SAMPLE_MUTANT=${JSON.stringify(MUTANT)} is not a known mutant (valid: ${valid}, or unset)`);
}

/** A token count as given: an integer `number` or a `bigint`. */
export type TokenCount = number | bigint;

export interface TokenBudgetFields {
  modelContextLimit: TokenCount;
  reservedForOutput: TokenCount;
  systemPromptTokens: TokenCount;
  toolDefinitionsTokens: TokenCount;
  ragContextTokens?: TokenCount;
  historyTokens?: TokenCount;
}

const REQUIRED = ["modelContextLimit", "reservedForOutput", "systemPromptTokens", "toolDefinitionsTokens"] as const;
const OPTIONAL = ["ragContextTokens", "historyTokens"] as const; // default 0
const FIELDS: readonly string[] = [...REQUIRED, ...OPTIONAL];

/** TOKEN-INTEGERS: an integer (a bigint, or a number with no fraction), at least 0 (−0 is 0), as a BigInt. */
function tokenCount(value: unknown, what: string): bigint {
  let count: bigint;
  if (typeof value === "bigint") count = value;
  else if (MUTANT === "int32-counts" && typeof value === "number" && (value | 0) === value) count = BigInt(value); // MUTANT: 32-bit
  else if (MUTANT !== "int32-counts" && typeof value === "number" && Number.isInteger(value)) count = BigInt(value);
  else throw new TypeError(`${what} must be an integer, got ${shown(value)}`);
  if (count < 0n) throw new RangeError(`${what} must be at least 0, got ${count}`);
  return count;
}

function shown(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return typeof value;
  }
}

/** a + b + …, exactly. */
function sum(...counts: bigint[]): bigint {
  // MUTANT: number-arithmetic — doubles, then back to an integer: rounded beyond 2^53.
  if (MUTANT === "number-arithmetic") return BigInt(counts.reduce((total, count) => total + Number(count), 0));
  return counts.reduce((total, count) => total + count, 0n);
}

/** max(0, limit − used), exactly. */
function leftOf(limit: bigint, used: bigint): bigint {
  if (MUTANT === "number-arithmetic") return BigInt(Math.max(0, Number(limit) - Number(used)));
  return limit > used ? limit - used : 0n;
}

export class TokenBudget {
  readonly modelContextLimit: bigint;
  readonly reservedForOutput: bigint;
  readonly systemPromptTokens: bigint;
  readonly toolDefinitionsTokens: bigint;
  readonly ragContextTokens: bigint;
  readonly historyTokens: bigint;

  constructor(fields: TokenBudgetFields) {
    if (typeof fields !== "object" || fields === null || Array.isArray(fields)) {
      throw new TypeError(`TokenBudget: the fields must be an object, got ${shown(fields)}`);
    }
    const given = fields as unknown as Record<string, unknown>;
    for (const key of Object.keys(given)) {
      if (!FIELDS.includes(key)) throw new TypeError(`TokenBudget: unknown field ${JSON.stringify(key)}`);
    }
    for (const key of REQUIRED) {
      if (!Object.prototype.hasOwnProperty.call(given, key)) throw new TypeError(`TokenBudget: ${key} is required`);
    }
    const optional = (key: (typeof OPTIONAL)[number]): bigint =>
      Object.prototype.hasOwnProperty.call(given, key) ? tokenCount(given[key], key) : 0n;
    this.modelContextLimit = tokenCount(given.modelContextLimit, "modelContextLimit");
    this.reservedForOutput = tokenCount(given.reservedForOutput, "reservedForOutput");
    this.systemPromptTokens = tokenCount(given.systemPromptTokens, "systemPromptTokens");
    this.toolDefinitionsTokens = tokenCount(given.toolDefinitionsTokens, "toolDefinitionsTokens");
    this.ragContextTokens = optional("ragContextTokens");
    this.historyTokens = optional("historyTokens");
    // TOKEN-IMMUTABLE. MUTANT: mutating-with — left unfrozen, so its with… can assign.
    if (MUTANT !== "mutating-with") Object.freeze(this);
  }

  /** TOKEN-TOTAL: system + tools + rag + history + reserved for output. */
  get totalUsed(): bigint {
    return sum(this.systemPromptTokens, this.toolDefinitionsTokens, this.ragContextTokens, this.historyTokens, this.reservedForOutput);
  }

  /** TOKEN-REMAINING: max(0, limit − totalUsed). */
  get remaining(): bigint {
    return leftOf(this.modelContextLimit, this.totalUsed);
  }

  /** TOKEN-HISTORY: max(0, limit − (system + tools + rag + reserved for output)). */
  get remainingForHistory(): bigint {
    return leftOf(this.modelContextLimit, sum(this.systemPromptTokens, this.toolDefinitionsTokens, this.ragContextTokens, this.reservedForOutput));
  }

  /** TOKEN-OVER: totalUsed > limit (an exact fit is not over). */
  get overBudget(): boolean {
    // MUTANT: over-at-limit — `>=` where `>` is meant.
    if (MUTANT === "over-at-limit") return this.totalUsed >= this.modelContextLimit;
    return this.totalUsed > this.modelContextLimit;
  }

  withRagTokens(n: TokenCount): TokenBudget {
    return this.#with("ragContextTokens", tokenCount(n, "ragContextTokens"));
  }

  withHistoryTokens(n: TokenCount): TokenBudget {
    return this.#with("historyTokens", tokenCount(n, "historyTokens"));
  }

  /** A new budget with one field replaced; this one never changes. */
  #with(key: "ragContextTokens" | "historyTokens", count: bigint): TokenBudget {
    if (MUTANT === "mutating-with") {
      // MUTANT: mutating-with — the receiver is changed and handed back.
      (this as { -readonly [K in typeof key]: bigint })[key] = count;
      return this;
    }
    return new TokenBudget({
      modelContextLimit: this.modelContextLimit,
      reservedForOutput: this.reservedForOutput,
      systemPromptTokens: this.systemPromptTokens,
      toolDefinitionsTokens: this.toolDefinitionsTokens,
      ragContextTokens: this.ragContextTokens,
      historyTokens: this.historyTokens,
      [key]: count,
    });
  }
}
