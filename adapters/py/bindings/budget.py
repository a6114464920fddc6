"""Binding for contract `budget`: drives the Python aegis API (`with_resource_budget`).

The implementation is the `aegis` package found first on `AEGIS_PY_SRC` (an aegis checkout's
`py/src`, or our bundled sample), else the importable one. See ../../PROTOCOL.md for the
canonical output this binding produces; `snippet` gives the program reproducing a case (the
`snippet` op), written by budget_program.py.
"""

import asyncio
import builtins
import contextvars
import dataclasses
import os
import sys

aegis = None  # the implementation, bound by load()

# The events of the case running in the current context. Each case runs in its own task,
# so the observer finds its case through the task's context, never by timing or tags.
_case_events = contextvars.ContextVar("harness_case_events", default=None)


# The variable naming the folder the package under test is imported from.
SOURCE = "AEGIS_PY_SRC"


def load():
    global aegis
    source = os.environ.get("AEGIS_PY_SRC")
    if source:
        if not os.path.isdir(os.path.join(source, "aegis")):
            raise FileNotFoundError(f"AEGIS_PY_SRC={source} has no aegis/ package (point it at a checkout's py/src)")
        sys.path.insert(0, source)
    import aegis as implementation

    if not hasattr(implementation, "with_resource_budget"):
        raise ImportError(f"the importable `aegis` ({implementation.__file__}) has no with_resource_budget")
    aegis = implementation
    aegis.set_aegis_observer(_observe)
    return {"name": "aegis", "version": _version(source)}


def _version(source):
    """The package's own version, else its distribution's, else its checkout's pyproject."""
    declared = getattr(aegis, "__version__", None)
    if declared:
        return str(declared)
    import importlib.metadata

    try:
        return importlib.metadata.version("stack-aegis")
    except importlib.metadata.PackageNotFoundError:
        pass
    if source:
        import tomllib

        try:
            with open(os.path.join(source, os.pardir, "pyproject.toml"), "rb") as f:
                return str(tomllib.load(f)["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            pass
    return "unknown"


def _observe(event):
    events = _case_events.get()
    if events is not None:
        events.append(event)


def _camel(name):
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _snake(name):
    """A canonical camelCase key as the Python API spells it: `tenantId` -> `tenant_id`."""
    return "".join("_" + c.lower() if "A" <= c <= "Z" else c for c in name)


def _keywords(members, where):
    """The keyword arguments for the members of an input object, every one of them (unknown
    keys and nulls included), names in snake_case. Two keys that become one keyword cannot
    both be passed: that input cannot be translated (the binding's failure, an adapterError)."""
    kwargs = {}
    for key, value in members.items():
        name = _snake(key)
        if name in kwargs:
            raise ValueError(f"{where}: two keys become the keyword {name!r}; the call cannot pass both")
        kwargs[name] = value
    return kwargs


def _fields(obj):
    """The fields of a dataclass or mapping, with camelCase keys."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        items = ((f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj))
    elif isinstance(obj, dict):
        items = obj.items()
    else:
        items = vars(obj).items()
    return {_camel(k): v for k, v in items}


def _json(value):
    """A value the implementation produced, as JSON: containers and dataclasses member by
    member (camelCase keys), anything else JSON cannot hold as its str()."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, dict) or (dataclasses.is_dataclass(value) and not isinstance(value, type)):
        return {k: _json(v) for k, v in _fields(value).items()}
    return str(value)


def _tags_json(tags):
    """Tags as the implementation holds them: every field, `None` as null (the harness's
    comparison takes a null tag as absent)."""
    return _json(tags)


def _event_json(event):
    """An observer event as the implementation holds it: every field (elapsed time and
    messages included; the harness's comparison leaves out what the contract does not compare)."""
    return {k: (_tags_json(v) if k == "tags" else _json(v)) for k, v in _fields(event).items()}


_error_classes = {}


def _scripted_error(name, message, stage):
    """An error named `name`, derived from the built-in of that name when there is one."""
    cls = _error_classes.get(name)
    if cls is None:
        base = getattr(builtins, name, None)
        if not (isinstance(base, type) and issubclass(base, Exception)):
            base = Exception
        cls = _error_classes[name] = type(name, (base,), {})
    try:
        err = cls(message)
    except TypeError:  # a built-in base with a special constructor
        cls = _error_classes[name] = type(name, (Exception,), {})
        err = cls(message)
    err.harness_stage = stage
    return err


def _error_name(err):
    declared = getattr(err, "name", None)
    if isinstance(err, (aegis.AegisConfigError, aegis.BudgetExceededError, aegis.FallbackFailedError)) and isinstance(declared, str):
        return declared
    if type(err).__name__ == "AbortError" and isinstance(declared, str):
        return declared
    return type(err).__name__


class Timers:
    """Sleeps for scripted delays and remembers how late the loop fired them."""

    def __init__(self):
        self.max_lag_ms = 0.0

    async def sleep(self, delay_ms, abort=None):
        """Sleeps `delay_ms`; returns False if `abort` (an asyncio.Event) is set first."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        if abort is None:
            await asyncio.sleep(delay_ms / 1000)
        else:
            if abort.is_set():
                return False
            waiter = asyncio.ensure_future(abort.wait())
            try:
                done, _ = await asyncio.wait({waiter}, timeout=delay_ms / 1000)
            finally:
                waiter.cancel()
            if done:
                # A delay already past when the abort is seen was fired late: that counts
                # as lag too (the race may have gone the other way only because the loop
                # was busy).
                self.max_lag_ms = max(self.max_lag_ms, (loop.time() - start) * 1000 - delay_ms)
                return False
        self.max_lag_ms = max(self.max_lag_ms, (loop.time() - start) * 1000 - delay_ms)
        return True


def _script(spec, stage, seen, timers):
    """The scripted function for `spec`, called by the wrapper as fn(event)."""
    kind = spec["kind"]
    if kind == "resolve_now":
        value = spec["value"]

        async def resolve_now(event):
            # Returns without awaiting anything: settles before any timer can fire.
            seen[stage] = _tags_json(aegis.get_aegis_tags())
            return value

        return resolve_now
    if kind == "reject_now":
        name, message = spec["errorName"], spec["errorMessage"]

        async def reject_now(event):
            # Raises without awaiting anything: settles before any timer can fire.
            seen[stage] = _tags_json(aegis.get_aegis_tags())
            raise _scripted_error(name, message, stage)

        return reject_now

    async def body(event):
        if kind == "hang_until_abort":
            await event.wait()
            raise _scripted_error("AbortError", "aborted", stage)
        delay = spec.get("delayMs", 0)
        if kind == "ignore_abort_resolve":
            await timers.sleep(delay)
            return spec["value"]
        if not await timers.sleep(delay, event):
            raise _scripted_error("AbortError", "aborted", stage)
        if kind == "resolve":
            return spec["value"]
        if kind == "reject":
            raise _scripted_error(spec["errorName"], spec["errorMessage"], stage)
        raise ValueError(f"unknown script kind {kind!r}")

    def fn(event):
        seen[stage] = _tags_json(aegis.get_aegis_tags())
        if kind == "sync_throw":
            raise _scripted_error(spec["errorName"], spec["errorMessage"], stage)
        return body(event)

    return fn


# The input's objects the API takes as instances of its own classes; any other value of these
# keys (a string, a null) is passed as it is.
_CLASSES = {"budget": "Budget", "tags": "Tags", "fallback": "Fallback"}


def _arguments(case, seen, timers):
    """A function building the implementation's WrapArgs from the input as given (even when
    invalid): every key but `primary`, unknown keys and nulls included, as keyword arguments
    (`budget`, `tags` and `fallback` objects as Budget, Tags and Fallback; the fallback's `fn`
    scripted). Translating happens now, and a failure is the binding's; the objects are built
    when the returned function is called, inside the call under test, so what their
    constructors raise is the implementation's answer."""
    top = _keywords({k: v for k, v in case.items() if k != "primary"}, "the input")
    parts = {}
    for name, cls in _CLASSES.items():
        if isinstance(top.get(name), dict):
            parts[name] = (cls, _keywords(top[name], name))
    if "fallback" in parts and "fn" in parts["fallback"][1]:
        parts["fallback"][1]["fn"] = _script(parts["fallback"][1]["fn"], "fallback", seen, timers)

    def build():
        kwargs = dict(top)
        for name, (cls, members) in parts.items():
            kwargs[name] = getattr(aegis, cls)(**members)
        return aegis.WrapArgs(**kwargs)

    return build


async def run(case):
    events = []
    _case_events.set(events)
    seen = {}  # stage -> tags it saw; a stage is present once its function was called
    timers = Timers()
    loop = asyncio.get_running_loop()
    output = {"value": None, "errorName": None, "originalErrorName": None, "fallbackErrorName": None}
    build = _arguments(case, seen, timers)
    primary = _script(case["primary"], "primary", seen, timers)
    start = loop.time()
    try:
        # Building the arguments is part of the call under test: the implementation's own
        # types may refuse an input that breaks the schema.
        args = build()
        start = loop.time()
        output["value"] = await aegis.with_resource_budget(args, primary)
        output["outcome"] = "fallback" if "fallback" in seen else "ok"
    except BaseException as err:
        output["errorName"] = _error_name(err)
        if isinstance(err, aegis.AegisConfigError):
            output["outcome"] = "config_error"
        elif isinstance(err, aegis.BudgetExceededError):
            output["outcome"] = "budget_exceeded"
        elif isinstance(err, aegis.FallbackFailedError):
            output["outcome"] = "fallback_failed"
            output["originalErrorName"] = _cause_name(err, "original_cause")
            output["fallbackErrorName"] = _cause_name(err, "fallback_cause")
        elif getattr(err, "harness_stage", None) == "primary":
            output["outcome"] = "primary_error"
        else:
            output["outcome"] = "unexpected_error"
    elapsed_ms = (loop.time() - start) * 1000
    tags_after = _tags_json(aegis.get_aegis_tags())
    # Let an event emitted just after settling arrive.
    await asyncio.sleep(0)
    output["events"] = [_event_json(e) for e in events]
    output["tagsSeen"] = {"primary": seen.get("primary"), "fallback": seen.get("fallback")}
    output["tagsAfter"] = tags_after
    return {"output": output, "elapsedMs": elapsed_ms, "timerLagMs": timers.max_lag_ms}


def _cause_name(err, attribute):
    cause = getattr(err, attribute, None)
    return None if cause is None else _error_name(cause)


def snippet(case):
    """The program reproducing `case` (budget_program.py writes it), or None."""
    from .budget_program import snippet as write

    return write(case)
