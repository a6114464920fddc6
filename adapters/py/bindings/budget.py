"""Binding for contract `budget`: drives the Python aegis API (`with_resource_budget`).

The implementation is the `aegis` package found first on `AEGIS_PY_SRC` (an aegis checkout's
`py/src`, or our bundled sample), else the importable one. See ../../PROTOCOL.md for the
canonical output this binding produces; `snippet` writes the program reproducing a case (the
`snippet` op).
"""

import asyncio
import builtins
import contextvars
import dataclasses
import keyword
import os
import sys
import unicodedata

from .literals import Literals

aegis = None  # the implementation, bound by load()

# The events of the case running in the current context. Each case runs in its own task,
# so the observer finds its case through the task's context, never by timing or tags.
_case_events = contextvars.ContextVar("harness_case_events", default=None)


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


def _fields(obj):
    """The fields of a dataclass or mapping, with camelCase keys."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        items = ((f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj))
    elif isinstance(obj, dict):
        items = obj.items()
    else:
        items = vars(obj).items()
    return {_camel(k): v for k, v in items}


def _tags_json(tags):
    if tags is None:
        return None
    return {k: v for k, v in _fields(tags).items() if v is not None}


def _event_json(event):
    fields = _fields(event)
    return {
        "outcome": fields.get("outcome"),
        "tags": _tags_json(fields.get("tags")),
        "primaryResourceClass": fields.get("primaryResourceClass"),
        "fallbackResourceClass": fields.get("fallbackResourceClass"),
        "timeoutMs": fields.get("timeoutMs"),
    }


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
                return False
        self.max_lag_ms = max(self.max_lag_ms, (loop.time() - start) * 1000 - delay_ms)
        return True


def _script(spec, stage, seen, timers):
    """The scripted function for `spec`, called by the wrapper as fn(event)."""
    kind = spec["kind"]

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


def _arguments(case, seen, timers):
    """The implementation's WrapArgs, built from the input as given (even when invalid)."""
    budget = case.get("budget", {})
    tags = case.get("tags", {})
    budget_kwargs = {"timeout_ms": budget.get("timeoutMs"), "signal_respecting": budget.get("signalRespecting")}
    if "pgStatementTimeoutMs" in budget:
        budget_kwargs["pg_statement_timeout_ms"] = budget["pgStatementTimeoutMs"]
    tag_names = {"component": "component", "op": "op", "tenantId": "tenant_id", "correlationId": "correlation_id"}
    fallback = None
    if "fallback" in case:
        fallback = aegis.Fallback(fn=_script(case["fallback"]["fn"], "fallback", seen, timers), resource_class=case["fallback"].get("resourceClass"))
    return aegis.WrapArgs(
        budget=aegis.Budget(**budget_kwargs),
        tags=aegis.Tags(**{tag_names[k]: v for k, v in tags.items() if k in tag_names}),
        primary_resource_class=case.get("primaryResourceClass"),
        fallback=fallback,
    )


async def run(case):
    events = []
    _case_events.set(events)
    seen = {}  # stage -> tags it saw; a stage is present once its function was called
    timers = Timers()
    loop = asyncio.get_running_loop()
    output = {"value": None, "errorName": None, "originalErrorName": None, "fallbackErrorName": None}
    start = loop.time()
    try:
        # Building the arguments is part of the call under test: the implementation's own
        # types may refuse an input that breaks the schema.
        args = _arguments(case, seen, timers)
        start = loop.time()
        output["value"] = await aegis.with_resource_budget(args, _script(case["primary"], "primary", seen, timers))
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



# ---------------------------------------------------------------------------------------------
# Snippets (the `snippet` op of ../../PROTOCOL.md): a paste-ready program that reproduces one
# case with the real aegis API, for a bug report. It does what `run` does: the same WrapArgs,
# scripted functions that behave the same, error classes derived the same way.

_KINDS = ("resolve", "reject", "hang_until_abort", "ignore_abort_resolve", "sync_throw")

# Names the program uses: an error class is never declared under one of them.
_PROGRAM_NAMES = {
    "asyncio", "builtins", "json", "Budget", "Fallback", "Tags", "WrapArgs", "with_resource_budget", "set_aegis_observer",
    "get_aegis_tags", "FallbackFailedError", "sleep_or_abort", "primary", "fallback", "main", "Exception",
    "BaseException",
}


def snippet(case):
    """The program reproducing `case`, or None when it cannot be written (an input `run` cannot
    translate either: the failure would be the binding's, not the implementation's)."""
    if not isinstance(case, dict) or not isinstance(case.get("budget", {}), dict) or not isinstance(case.get("tags", {}), dict):
        return None
    stages = {"primary": case.get("primary")}
    if "fallback" in case:
        if not isinstance(case["fallback"], dict) or "fn" not in case["fallback"]:
            return None
        stages["fallback"] = case["fallback"]["fn"]
    if not all(_writable(spec) for spec in stages.values()):
        return None

    lit = Literals()
    errors = _ErrorClasses(lit)
    functions = [_function_source(stage, spec, errors, lit) for stage, spec in stages.items()]
    budget = case.get("budget", {})
    budget_args = [f"timeout_ms={lit(budget.get('timeoutMs'))}", f"signal_respecting={lit(budget.get('signalRespecting'))}"]
    if "pgStatementTimeoutMs" in budget:
        budget_args.append(f"pg_statement_timeout_ms={lit(budget['pgStatementTimeoutMs'])}")
    tag_names = {"component": "component", "op": "op", "tenantId": "tenant_id", "correlationId": "correlation_id"}
    tags = [f"{tag_names[k]}={lit(v)}" for k, v in case.get("tags", {}).items() if k in tag_names]
    fallback = "None"
    if "fallback" in stages:
        fallback = f"Fallback(fn=fallback, resource_class={lit(case['fallback'].get('resourceClass'))})"

    body = []
    if any(spec["kind"] in ("resolve", "reject") for spec in stages.values()):
        body += [
            "async def sleep_or_abort(seconds, event):",
            '    """Sleeps `seconds`; False if the budget\'s event is set first."""',
            "    if event.is_set():",
            "        return False",
            "    waiter = asyncio.ensure_future(event.wait())",
            "    done, _ = await asyncio.wait({waiter}, timeout=seconds)",
            "    waiter.cancel()",
            "    return not done",
            "",
            "",
        ]
    for source in functions:
        body += source + ["", ""]
    body += [
        "async def main():",
        '    set_aegis_observer(lambda event: print("event:", event))',
        "    try:",
        "        args = WrapArgs(",
        f"            budget=Budget({', '.join(budget_args)}),",
        f"            tags=Tags({', '.join(tags)}),",
        f"            primary_resource_class={lit(case.get('primaryResourceClass'))},",
        f"            fallback={fallback},",
        "        )",
        "        result = await with_resource_budget(args, primary)",
        '        print("returned:", repr(result))',
        "    except BaseException as err:",
        '        print("raised:", type(err).__name__, err)',
    ]
    names = ["Budget", "Fallback", "Tags", "WrapArgs", "with_resource_budget", "set_aegis_observer", "get_aegis_tags"]
    if "fallback" in stages:
        names.append("FallbackFailedError")
        body += [
            "        if isinstance(err, FallbackFailedError):",
            '            print("causes:", type(err.original_cause).__name__, type(err.fallback_cause).__name__)',
        ]
    body += [
        '    print("tags after:", get_aegis_tags())',
        "    await asyncio.sleep(0)  # an event emitted just after settling still prints",
        "",
        "",
        "asyncio.run(main())",
        "",
    ]
    head = [
        "# Reproduces a divergence found by the conformance harness: contract budget",
        f"# Scenario: {_scenario(case, stages)}",
        "# Look at: what the call returns or raises, the observer events (exactly one per completed",
        "# call, none for AegisConfigError) and the tags seen inside and after the call.",
        "import asyncio",
        *(["import builtins"] if errors.uses_builtins else []),
        *(["import json"] if lit.uses_json else []),
        "",
        f"from aegis import {', '.join(names)}",
        "",
        "",
    ]
    code = "\n".join(head + errors.declarations + body)
    compile(code, "<snippet>", "exec")  # a program that does not compile is never handed out
    return code


def _writable(spec):
    """Whether `run` scripts `spec` without failing itself (the scenario language, well formed)."""
    if not isinstance(spec, dict) or spec.get("kind") not in _KINDS:
        return False
    kind = spec["kind"]
    if kind in ("resolve", "reject", "ignore_abort_resolve") and not isinstance(spec.get("delayMs", 0), (int, float)):
        return False
    if kind in ("resolve", "ignore_abort_resolve"):
        return "value" in spec
    if kind in ("reject", "sync_throw"):
        return isinstance(spec.get("errorName"), str) and "errorMessage" in spec
    return True


def _function_source(stage, spec, errors, lit):
    """The scripted function of `stage` as source lines (behaving as `_script` does)."""
    kind = spec["kind"]
    head = [f"async def {stage}(event):", f'    print("{stage} sees tags:", get_aegis_tags())']
    if kind == "sync_throw":
        return [f"def {stage}(event):", head[1], "    " + errors.raise_(spec["errorName"], spec["errorMessage"])]
    if kind == "hang_until_abort":
        return head + ["    await event.wait()", "    " + errors.raise_("AbortError", "aborted")]
    seconds = lit(spec.get("delayMs", 0) / 1000)
    if kind == "ignore_abort_resolve":
        return head + [f"    await asyncio.sleep({seconds})  # ignores the event", f"    return {lit(spec['value'])}"]
    abort = errors.raise_("AbortError", "aborted")
    last = f"return {lit(spec['value'])}" if kind == "resolve" else errors.raise_(spec["errorName"], spec["errorMessage"])
    return head + [f"    if not await sleep_or_abort({seconds}, event):", "        " + abort, "    " + last]


class _ErrorClasses:
    """The error classes a program declares: one per name, derived as `_scripted_error` does."""

    def __init__(self, lit):
        self.declarations = []
        self.uses_builtins = False
        self._lit = lit
        self._names = {}  # error name -> the expression naming its class in the program

    def raise_(self, name, message):
        if name not in self._names:
            self._declare(name, message)
        return f"raise {self._names[name]}({self._lit(message)})"

    def _declare(self, name, message):
        base = getattr(builtins, name, None)
        if not (isinstance(base, type) and issubclass(base, Exception)):
            base = Exception
        try:
            base(message)
        except TypeError:  # a built-in base with a special constructor: the binding falls back too
            base = Exception
        statement = (
            name.isidentifier()
            and not keyword.iskeyword(name)
            and unicodedata.normalize("NFKC", name) == name  # else the class would get another name
            and name not in _PROGRAM_NAMES
            and not name.startswith("ScriptedError")
            and (not hasattr(builtins, name) or getattr(builtins, name) is base)
        )
        base_name = base.__name__
        if base_name in self._names.values():  # shadowed by a class declared above
            base_name = f"builtins.{base_name}"
            self.uses_builtins = True
        if statement:
            self._names[name] = name
            self.declarations += [f"class {name}({base_name}):", "    pass", "", ""]
        else:
            variable = self._names[name] = f"ScriptedError{len(self._names) + 1}"
            self.declarations += [f"{variable} = type({self._lit(name)}, ({base_name},), {{}})", "", ""]


def _scenario(case, stages):
    """One line describing the case, for the program's opening comment (repr keeps it one line)."""

    def stage(role, spec):
        delay = f"{spec.get('delayMs', 0)!r} ms"
        return role + " " + {
            "resolve": f"returns a value after {delay}",
            "reject": f"raises {spec.get('errorName')!r} after {delay}",
            "hang_until_abort": "hangs until aborted",
            "ignore_abort_resolve": f"ignores the abort, returns after {delay}",
            "sync_throw": f"raises {spec.get('errorName')!r} synchronously",
        }[spec["kind"]]

    parts = [
        f"budget {case.get('budget', {}).get('timeoutMs')!r} ms",
        stage(f"primary ({case.get('primaryResourceClass')!r})", stages["primary"]),
        stage(f"fallback ({case['fallback'].get('resourceClass')!r})", stages["fallback"]) if "fallback" in stages else "no fallback",
    ]
    return "; ".join(parts)
