"""A small, correct Python implementation of the aegis budget API, bundled with the harness.

It exposes the same names as the real package (`with_resource_budget`, `WrapArgs`, `Budget`,
`Tags`, `Fallback`, the observer and tag functions, the three error classes), so the one
`budget` binding drives this sample and a real aegis checkout alike.

Deliberately broken variants ("mutants") for the harness's self-tests are switched on with
`AEGIS_SAMPLE_MUTANT`; each is one realistic mistake, marked `MUTANT` where it lives.
"""

import asyncio
import os
import random
import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Optional

__version__ = "0.1.0-sample"

MUTANTS = {
    "": "the correct sample",
    "late-value": "accepts a value that arrives after the deadline",
    "fallback-clock": "counts the fallback's deadline from the call's start",
    "tags-leak": "leaves the call's tags active after it returns",
    "unknown-class-open": "lets an unknown resource class through when there is no fallback",
    "unknown-args-ignored": "accepts keyword arguments it does not know and ignores them",
    "pg-timeout-as-deadline": "takes a pg primary's own bare TimeoutError or AbortError (no message, as "
    "asyncio's own timeouts raise them) for the budget's deadline when a statement timeout is set "
    "(budget_exceeded, or the fallback, instead of primary_error)",
}
# Jitter (`AEGIS_SAMPLE_JITTER=SEED`): this correct sample with an event loop that stalls now
# and then, as a real implementation's does under load — every 0.2 to 1 s, a blocking sleep of
# up to 100 ms, drawn from a generator seeded with SEED. Every failure reported against it is
# a false alarm.
_JITTER = os.environ.get("AEGIS_SAMPLE_JITTER", "")
if _JITTER and not _JITTER.isdigit():
    raise ImportError(f"AEGIS_SAMPLE_JITTER={_JITTER!r} is not a seed (a whole number)")
_jitter = random.Random(int(_JITTER)) if _JITTER else None
_stalling = False


def _start_stalls(loop: asyncio.AbstractEventLoop) -> None:
    """Starts the stalls on the first call (they need the running loop)."""
    global _stalling
    if _jitter is None or _stalling:
        return
    _stalling = True

    def stall() -> None:
        time.sleep(_jitter.uniform(0, 0.1))
        loop.call_later(_jitter.uniform(0.2, 1.0), stall)

    loop.call_later(_jitter.uniform(0.2, 1.0), stall)


MUTANT = os.environ.get("AEGIS_SAMPLE_MUTANT", "")
if MUTANT not in MUTANTS:
    raise ImportError(f"AEGIS_SAMPLE_MUTANT={MUTANT!r} is not one of {sorted(MUTANTS)}")

_RANKS = {"mem-sample": 0, "cpu": 1, "io": 2, "pg": 3, "llm": 4}


def resource_class_rank(resource_class: str) -> int:
    return _RANKS[resource_class]


# The argument classes take whatever they are given, so the wrapper can refuse what breaks the
# input schema with AegisConfigError rather than a TypeError from a constructor: a missing
# argument, an argument the class does not know (kept aside, refused), and `None` given for an
# optional one (refused: an optional argument is given a value or left out, as the contract's
# schema has it). A field left out holds None.

_ABSENT = object()  # the default of every argument: "not given at all"


def _init(obj, where, given, optional, unknown):
    """Sets a frozen argument object's fields; keeps what the wrapper must refuse."""
    problems = []
    for name, value in given.items():
        if value is _ABSENT:
            value = None
        elif value is None and name in optional:
            problems.append(f"{where}.{name} is None (leave it out instead)")
        object.__setattr__(obj, name, value)
    if MUTANT != "unknown-args-ignored":  # MUTANT: lenient about keywords it does not know
        problems += [f"{where} has no argument {name!r}" for name in unknown]
    object.__setattr__(obj, "_problems", tuple(problems))


@dataclass(frozen=True, init=False)
class Budget:
    timeout_ms: Any = None
    signal_respecting: Any = None
    pg_statement_timeout_ms: Any = None

    def __init__(self, timeout_ms=_ABSENT, signal_respecting=_ABSENT, pg_statement_timeout_ms=_ABSENT, **unknown):
        given = {"timeout_ms": timeout_ms, "signal_respecting": signal_respecting, "pg_statement_timeout_ms": pg_statement_timeout_ms}
        _init(self, "budget", given, ("pg_statement_timeout_ms",), unknown)


@dataclass(frozen=True, init=False)
class Tags:
    component: Any = None
    op: Any = None
    tenant_id: Any = None
    correlation_id: Any = None

    def __init__(self, component=_ABSENT, op=_ABSENT, tenant_id=_ABSENT, correlation_id=_ABSENT, **unknown):
        given = {"component": component, "op": op, "tenant_id": tenant_id, "correlation_id": correlation_id}
        _init(self, "tags", given, ("tenant_id", "correlation_id"), unknown)


@dataclass(frozen=True, init=False)
class Fallback:
    fn: Optional[Callable[[asyncio.Event], Awaitable[Any]]] = None
    resource_class: Any = None

    def __init__(self, fn=_ABSENT, resource_class=_ABSENT, **unknown):
        _init(self, "fallback", {"fn": fn, "resource_class": resource_class}, (), unknown)


@dataclass(frozen=True, init=False)
class WrapArgs:
    budget: Optional[Budget] = None
    tags: Optional[Tags] = None
    primary_resource_class: Any = None
    fallback: Optional[Fallback] = None

    def __init__(self, budget=_ABSENT, tags=_ABSENT, primary_resource_class=_ABSENT, fallback=_ABSENT, **unknown):
        given = {"budget": budget, "tags": tags, "primary_resource_class": primary_resource_class, "fallback": fallback}
        _init(self, "args", given, ("fallback",), unknown)


@dataclass(frozen=True)
class AegisEvent:
    outcome: str
    tags: Tags
    elapsed_ms: float
    primary_resource_class: str
    timeout_ms: int
    fallback_resource_class: Optional[str] = None
    error_message: Optional[str] = None
    fallback_error_message: Optional[str] = None


class AegisConfigError(Exception):
    @property
    def name(self) -> str:
        return type(self).__name__


class BudgetExceededError(Exception):
    def __init__(self, budget: Budget, elapsed_ms: float, tags: Tags):
        super().__init__(f"budget of {budget.timeout_ms} ms exceeded after {elapsed_ms:.1f} ms")
        self.budget, self.elapsed_ms, self.tags = budget, elapsed_ms, tags

    @property
    def name(self) -> str:
        return type(self).__name__


class FallbackFailedError(Exception):
    def __init__(self, original_cause: BaseException, fallback_cause: BaseException, tags: Tags):
        super().__init__(f"fallback failed: {fallback_cause!r} (after {original_cause!r})")
        self.original_cause, self.fallback_cause, self.tags = original_cause, fallback_cause, tags

    @property
    def name(self) -> str:
        return type(self).__name__


class AbortError(Exception):
    """Stands for the primary's abort when the budget fires."""

    @property
    def name(self) -> str:
        return "AbortError"


_active_tags: ContextVar[Optional[Tags]] = ContextVar("aegis_tags", default=None)
_observer: Optional[Callable[[AegisEvent], None]] = None


def get_aegis_tags() -> Optional[Tags]:
    return _active_tags.get()


def set_aegis_observer(observer: Callable[[AegisEvent], None]) -> None:
    global _observer
    _observer = observer


def clear_aegis_observer() -> None:
    global _observer
    _observer = None


def _emit(event: AegisEvent) -> None:
    if _observer is not None:
        try:
            _observer(event)
        except Exception:
            pass  # a failing observer must not change the call's outcome


def _is_whole_positive(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, int):
        return value >= 1
    return value >= 1 and value.is_integer()


def _validate(args: WrapArgs) -> None:
    if not isinstance(args, WrapArgs):
        raise AegisConfigError("the arguments must be a WrapArgs")
    problems = []
    for part in (args, args.budget, args.tags, args.fallback):
        problems.extend(getattr(part, "_problems", ()) if isinstance(part, (WrapArgs, Budget, Tags, Fallback)) else ())
    tags = args.tags
    if not isinstance(tags, Tags):
        problems.append("tags must be a Tags")
    else:
        for field in ("component", "op"):
            if not isinstance(getattr(tags, field), str):
                problems.append(f"tags.{field} must be a string")
        for field in ("tenant_id", "correlation_id"):
            if getattr(tags, field) is not None and not isinstance(getattr(tags, field), str):
                problems.append(f"tags.{field} must be a string when given")
    budget = args.budget
    if not isinstance(budget, Budget):
        problems.append("budget must be a Budget")
    else:
        if not _is_whole_positive(budget.timeout_ms):
            problems.append("budget.timeout_ms must be a positive whole number")
        if not isinstance(budget.signal_respecting, bool):
            problems.append("budget.signal_respecting must be a bool")
        pg = budget.pg_statement_timeout_ms
        if pg is not None and not _is_whole_positive(pg):
            problems.append("budget.pg_statement_timeout_ms must be a positive whole number")
    classes = [("primary", args.primary_resource_class)]
    if args.fallback is not None:
        if not isinstance(args.fallback, Fallback):
            problems.append("fallback must be a Fallback")
        else:
            if not callable(args.fallback.fn):
                problems.append("fallback.fn must be callable")
            classes.append(("fallback", args.fallback.resource_class))
    for role, resource_class in classes:
        if MUTANT == "unknown-class-open" and role == "primary" and args.fallback is None:
            continue  # MUTANT: fail-open on an unknown class when nothing ranks against it
        if not isinstance(resource_class, str) or resource_class not in _RANKS:
            problems.append(f"{role} resource class {resource_class!r} is unknown")
    if not problems and args.fallback is not None:
        if _RANKS[args.fallback.resource_class] > _RANKS[args.primary_resource_class]:
            problems.append(
                f"fallback class {args.fallback.resource_class} outranks primary class {args.primary_resource_class}"
            )
    if problems:
        raise AegisConfigError("; ".join(problems))


def _swallow(task: "asyncio.Future[Any]") -> None:
    if not task.cancelled():
        task.exception()


async def _run_stage(fn: Callable[[asyncio.Event], Awaitable[Any]], timeout_s: float, *, late_value: bool):
    """Runs fn under a deadline: ("value", v), ("error", e) or ("deadline", None)."""
    signal = asyncio.Event()
    try:
        task = asyncio.ensure_future(fn(signal))
    except Exception as err:  # fn threw before returning an awaitable
        return "error", err
    done, _ = await asyncio.wait({task}, timeout=timeout_s)
    if not done:
        signal.set()
        if late_value:
            # MUTANT: waits for the aborted function, and takes its value if one comes.
            try:
                return "value", await task
            except Exception:
                return "deadline", None
        # The function may ignore the signal; its late value or error is discarded.
        task.add_done_callback(_swallow)
        return "deadline", None
    if task.exception() is not None:
        return "error", task.exception()
    return "value", task.result()


async def with_resource_budget(args: WrapArgs, fn: Callable[[asyncio.Event], Awaitable[Any]]) -> Any:
    _validate(args)
    loop = asyncio.get_running_loop()
    start = loop.time()
    timeout_s = args.budget.timeout_ms / 1000
    fallback = args.fallback
    _start_stalls(loop)

    def emit(outcome: str, **extra: Any) -> None:
        _emit(AegisEvent(
            outcome=outcome,
            tags=args.tags,
            elapsed_ms=(loop.time() - start) * 1000,
            primary_resource_class=args.primary_resource_class,
            timeout_ms=args.budget.timeout_ms,
            **extra,
        ))

    token = _active_tags.set(args.tags)
    try:
        kind, result = await _run_stage(fn, timeout_s, late_value=MUTANT == "late-value")
        if MUTANT == "pg-timeout-as-deadline" and kind == "error":
            # MUTANT: a timeout-like error without a message, as asyncio's own timers raise
            # them, is taken for the budget's deadline when a pg primary has a statement
            # timeout (as if the statement timeout were the budget's). Four conditions of the
            # input must line up, each met by about one failing case in six to ten, nested so
            # that each one met shows as a new branch.
            if args.primary_resource_class == "pg":
                if args.budget.pg_statement_timeout_ms is not None:
                    if type(result).__name__ in ("TimeoutError", "AbortError"):
                        if not str(result):
                            kind = "deadline"
        if kind == "value":
            emit("ok")
            return result
        if kind == "error":
            emit("primary_error", error_message=str(result))
            raise result
        if fallback is None:
            emit("budget_exceeded")
            raise BudgetExceededError(args.budget, (loop.time() - start) * 1000, args.tags)
        fallback_timeout_s = timeout_s
        if MUTANT == "fallback-clock":
            # MUTANT: the fallback only gets what is left of the primary's budget.
            fallback_timeout_s = max(0.0, timeout_s - (loop.time() - start))
        fb_kind, fb_result = await _run_stage(fallback.fn, fallback_timeout_s, late_value=False)
        if fb_kind == "value":
            emit("fallback", fallback_resource_class=fallback.resource_class)
            return fb_result
        fallback_cause = fb_result if fb_kind == "error" else AbortError("fallback aborted")
        emit(
            "fallback_failed",
            fallback_resource_class=fallback.resource_class,
            error_message="aborted",
            fallback_error_message=str(fallback_cause),
        )
        raise FallbackFailedError(AbortError("primary aborted"), fallback_cause, args.tags)
    finally:
        if MUTANT != "tags-leak":  # MUTANT: forgets to restore the caller's tags
            _active_tags.reset(token)
