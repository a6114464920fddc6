/**
 * The sample's mutants, for the harness's self-tests: `LEDGER_SAMPLE_MUTANT`, read once, when
 * the sample loads; unset or empty is the correct sample. A name that is not known stops the
 * load, so a typo never passes for the correct sample.
 */

export const MUTANTS: ReadonlyMap<string, string> = new Map([
  ["", "the correct sample"],
  ["local-time-window", "windowStartMs floors hours, days and months in the process's local time zone (Date's local setters)"],
  ["no-clamp", "commit applies actual - estimated to the spends without clamping them at 0"],
  ["int32-window-key", "the window bucket keys windowStartMs as a 32-bit integer (`| 0`), so starts 2^32 apart share spend"],
]);

export const MUTANT = process.env.LEDGER_SAMPLE_MUTANT ?? "";
if (!MUTANTS.has(MUTANT)) {
  const valid = [...MUTANTS.keys()].filter((name) => name !== "").join(", ");
  throw new Error(`LEDGER_SAMPLE_MUTANT=${JSON.stringify(MUTANT)} is not a known mutant (valid: ${valid}, or unset)`);
}
