/**
 * A small, correct TypeScript implementation of the parts of @aegis-runtime/core the `ledger`
 * contract covers, bundled with the harness and laid out as an Aegis-Runtime checkout
 * (packages/core/src), so the binding finds it as it finds the real one. Written against
 * docs/contracts/ledger.md, stricter than upstream on purpose: amounts and limits are checked
 * (LEDGER-AMOUNTS), windows are UTC (LEDGER-WINDOW), and canonical JSON sorts keys at every depth
 * by UTF-16 code units (LEDGER-STRINGIFY). Node's standard library only.
 *
 *   new MemoryLedger()                       async reserve(args), commit({reservationId, actualUsd}), peek(args)
 *   windowStartMs(nowMs, window)             the start of nowMs's minute, hour, day or month, in UTC
 *   new HmacSha256Signer({keyId, secret})    async sign(payload): base64url HMAC-SHA256 of stableStringify(payload)
 *   stableStringify(value)                   canonical JSON
 *
 * Unlike upstream's index.ts, this one re-exports windowStartMs and stableStringify; the binding
 * takes them from beside the entry when an index does not.
 *
 * Deliberately broken variants ("mutants") for the harness's self-tests are switched on with
 * `LEDGER_SAMPLE_MUTANT` (see sampleMutant.ts); each is marked `MUTANT:` where it lives.
 */

export { MemoryLedger } from "./budget/memoryLedger.ts";
export type { CommitArgs, LedgerSnapshot, PeekArgs, Reservation, ReserveArgs } from "./budget/memoryLedger.ts";
export { windowStartMs } from "./budget/window.ts";
export type { BudgetWindow } from "./budget/window.ts";
export { HmacSha256Signer } from "./audit/hmacSha256Signer.ts";
export { stableStringify } from "./utils/stableStringify.ts";
export { MUTANTS } from "./sampleMutant.ts";
