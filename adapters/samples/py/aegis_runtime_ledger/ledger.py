"""`MemoryLedger` of @aegis-runtime/core, in Python: spend per window and per run, with
reservations (docs/contracts/ledger.md, LEDGER-FIT .. LEDGER-AMOUNTS).

The TypeScript methods take one args object; here they take one dict with the same
(camelCase) keys, and return dicts with the same keys. They are plain methods, not
coroutines: nothing here waits.

All amounts are IEEE-754 doubles, as in JavaScript: every amount goes through float() before
any arithmetic (a JSON integer must not stay an exact Python int), and the operations run in
the TypeScript's order, so rounding drifts identically (0.1 + 0.2 and all).
"""

import math
import uuid

from aegis_runtime_ledger.stringify import MUTANT, write_json


class LedgerError(Exception):
    """A commit names no granted reservation."""


def _amount(args, name):
    """args[name] as a float: a number (bool is not one), finite, >= 0 (-0 is fine).
    Fail closed (LEDGER-AMOUNTS): anything else raises before the ledger changes."""
    value = args.get(name)
    if type(value) is not int and type(value) is not float:
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond the largest double: Infinity in JavaScript
        number = math.inf
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {number!r}")
    return number


_PEEK_FIELDS = ("tenantId", "runId", "window", "windowStartMs", "windowLimitUsd", "runLimitUsd")
_RESERVE_FIELDS = _PEEK_FIELDS + ("estimatedUsd", "nowMs")
_COMMIT_FIELDS = ("reservationId", "actualUsd")


def _check_fields(args, fields):
    """Fail closed: an args dict with a key the ledger does not define is refused before
    anything happens."""
    unknown = [key for key in args if key not in fields]
    if unknown:
        raise TypeError(f"unknown field(s) {', '.join(map(repr, unknown))}")


def _window_bucket(args):
    # JSON text of the tuple, so ids containing ':' (or of any JSON type) never collide; written
    # as JavaScript writes it, so 0 and 0.0 are one windowStartMs, as they are one number there.
    return write_json([args.get("tenantId"), args.get("window"), args.get("windowStartMs")])


def _run_bucket(args):
    return write_json([args.get("tenantId"), args.get("runId")])


def _snapshot(window_spend, run_spend, window_limit, run_limit):
    return {
        "windowSpendUsd": window_spend,
        "runSpendUsd": run_spend,
        "windowLimitUsd": window_limit,
        "runLimitUsd": run_limit,
        # max(0.0, x) as Math.max(0, x): -0.0 is not above 0.0, so the result is +0.0.
        "remainingWindowUsd": max(0.0, window_limit - window_spend),
        "remainingRunUsd": max(0.0, run_limit - run_spend),
    }


def _reservation(args, reservation_id, estimated):
    """The reservation as the TypeScript returns it: its id, the args it was made for (a field
    the args do not hold is left out, as JSON leaves out JavaScript's undefined), the amount
    charged, and createdAtMs (the args' nowMs)."""
    if MUTANT == "reservation-subset":
        # MUTANT: only the fields a caller "needs".
        return {"reservationId": reservation_id, "tenantId": args.get("tenantId"), "runId": args.get("runId"), "estimatedUsd": estimated}
    reservation = {"reservationId": reservation_id}
    for name in ("tenantId", "runId", "window", "windowStartMs"):
        if name in args:
            reservation[name] = args[name]
    reservation["estimatedUsd"] = estimated
    if "nowMs" in args:
        reservation["createdAtMs"] = args["nowMs"]
    return reservation


class _Granted:
    """What commit needs of a granted reservation."""

    def __init__(self, window_bucket, run_bucket, estimated):
        self.window_bucket = window_bucket
        self.run_bucket = run_bucket
        self.estimated = estimated
        self.committed = False


class MemoryLedger:
    def __init__(self):
        self._window_spend = {}  # window bucket -> USD spent
        self._run_spend = {}  # run bucket -> USD spent
        self._granted = {}  # reservationId -> _Granted (denied reservations are never here)

    def reserve(self, args):
        """{reservation, snapshot}: granted when estimatedUsd fits both the remaining window
        and the remaining run budget (LEDGER-FIT); else estimatedUsd 0 and nothing changes
        (LEDGER-DENY)."""
        _check_fields(args, _RESERVE_FIELDS)
        window_limit = _amount(args, "windowLimitUsd")
        run_limit = _amount(args, "runLimitUsd")
        estimated = _amount(args, "estimatedUsd")
        window_bucket, run_bucket = _window_bucket(args), _run_bucket(args)
        window_spend = self._window_spend.get(window_bucket, 0.0)
        run_spend = self._run_spend.get(run_bucket, 0.0)
        reservation_id = str(uuid.uuid4())  # random, as in the TypeScript
        fits = estimated <= max(0.0, window_limit - window_spend) and estimated <= max(0.0, run_limit - run_spend)
        if not fits:
            return {"reservation": _reservation(args, reservation_id, 0.0), "snapshot": _snapshot(window_spend, run_spend, window_limit, run_limit)}
        window_spend = window_spend + estimated
        run_spend = run_spend + estimated
        self._window_spend[window_bucket] = window_spend
        self._run_spend[run_bucket] = run_spend
        self._granted[reservation_id] = _Granted(window_bucket, run_bucket, estimated)
        return {"reservation": _reservation(args, reservation_id, estimated), "snapshot": _snapshot(window_spend, run_spend, window_limit, run_limit)}

    def commit(self, args):
        """Applies actualUsd - estimatedUsd to the reservation's two spends, each clamped at
        0 (LEDGER-COMMIT); a second commit changes nothing. An id naming no granted
        reservation raises (LEDGER-UNKNOWN). Returns None."""
        _check_fields(args, _COMMIT_FIELDS)
        actual = _amount(args, "actualUsd")  # checked first: a bad amount raises even for a committed one
        reservation_id = args.get("reservationId")
        granted = self._granted.get(reservation_id) if type(reservation_id) is str else None
        if granted is None:
            raise LedgerError("unknown reservation")
        if granted.committed:
            return None
        delta = actual - granted.estimated
        self._window_spend[granted.window_bucket] = max(0.0, self._window_spend[granted.window_bucket] + delta)
        self._run_spend[granted.run_bucket] = max(0.0, self._run_spend[granted.run_bucket] + delta)
        granted.committed = True
        return None

    def peek(self, args):
        """The snapshot for the reserve args without estimatedUsd/nowMs; changes nothing."""
        _check_fields(args, _PEEK_FIELDS)
        window_limit = _amount(args, "windowLimitUsd")
        run_limit = _amount(args, "runLimitUsd")
        window_spend = self._window_spend.get(_window_bucket(args), 0.0)
        run_spend = self._run_spend.get(_run_bucket(args), 0.0)
        return _snapshot(window_spend, run_spend, window_limit, run_limit)
