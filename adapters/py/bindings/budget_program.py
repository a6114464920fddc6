"""The bug program of contract `budget` (the `snippet` op of ../../PROTOCOL.md): a paste-ready
program that reproduces one case with the real aegis API, the same WrapArgs, scripted functions
that behave as the binding's, error classes derived the same way; it records what the contract
compares, for the check the adapter adds (check.py)."""

import builtins
import keyword
import unicodedata

from .budget import _CLASSES, _keywords, _snake
from .literals import Literals


_KINDS = ("resolve", "reject", "hang_until_abort", "ignore_abort_resolve", "sync_throw", "resolve_now", "reject_now")

# Names the program uses: an error class is never declared under one of them.
_PROGRAM_NAMES = {
    "asyncio", "builtins", "json", "Budget", "Fallback", "Tags", "WrapArgs", "with_resource_budget", "set_aegis_observer",
    "get_aegis_tags", "FallbackFailedError", "sleep_or_abort", "primary", "fallback", "main", "Exception",
    "BaseException", "AegisConfigError", "BudgetExceededError", "dataclasses", "events", "seen", "observe", "staged",
    "error_name", "camel", "plain", "decided", "decided_event", "actual", "os", "sys", "pprint", "EXPECTED", "same",
    "expected_text", "actual_text", "verdict",
}


# What the program records, as the binding's `run` reports it, less what the contract does not
# decide (the harness's comparison): events without elapsed times and messages, a tag holding
# None left out.
_RECORDING = [
    "events = []  # what the observer received",
    "seen = {}  # stage -> the tags active when its function was called",
    "",
    "",
    "def observe(event):",
    '    print("event:", event)',
    "    events.append(event)",
    "",
    "",
    "def staged(err, stage):",
    '    """`err`, marked as raised by the scripted function of `stage`."""',
    "    err.stage = stage",
    "    return err",
    "",
    "",
    "def error_name(err):",
    '    """The name an error reports: aegis errors (and an AbortError) by their `name`."""',
    '    declared = getattr(err, "name", None)',
    "    own = isinstance(err, (AegisConfigError, BudgetExceededError, FallbackFailedError))",
    '    if isinstance(declared, str) and (own or type(err).__name__ == "AbortError"):',
    "        return declared",
    "    return None if err is None else type(err).__name__",
    "",
    "",
    "def camel(name):",
    '    head, *rest = name.split("_")',
    '    return head + "".join(part.title() for part in rest)',
    "",
    "",
    "def plain(value):",
    '    """A value as JSON: dataclasses and mappings member by member (camelCase keys)."""',
    "    if value is None or isinstance(value, (bool, int, float, str)):",
    "        return value",
    "    if isinstance(value, (list, tuple)):",
    "        return [plain(v) for v in value]",
    "    if dataclasses.is_dataclass(value) and not isinstance(value, type):",
    "        return {camel(f.name): plain(getattr(value, f.name)) for f in dataclasses.fields(value)}",
    "    if isinstance(value, dict):",
    "        return {camel(k): plain(v) for k, v in value.items()}",
    "    if hasattr(value, '__dict__'):",
    "        return {camel(k): plain(v) for k, v in vars(value).items()}",
    "    return str(value)",
    "",
    "",
    "def decided(tags):",
    '    """Tags as the contract compares them: a tag holding None is absent."""',
    "    return {k: v for k, v in tags.items() if v is not None} if isinstance(tags, dict) else tags",
    "",
    "",
    "def decided_event(event):",
    '    """An event as the contract compares it: no elapsed time or messages (measured, not',
    '    decided), fallbackResourceClass null when absent."""',
    '    for key in ("elapsedMs", "errorMessage", "fallbackErrorMessage"):',
    "        event.pop(key, None)",
    '    event.setdefault("fallbackResourceClass", None)',
    '    if "tags" in event:',
    '        event["tags"] = decided(event["tags"])',
    "    return event",
    "",
    "",
]


def snippet(case):
    """The program reproducing `case`, or None when it cannot be written (an input `run` cannot
    translate either: the failure would be the binding's, not the implementation's)."""
    if not isinstance(case, dict):
        return None
    stages = {"primary": case.get("primary")}
    if isinstance(case.get("fallback"), dict) and "fn" in case["fallback"]:
        stages["fallback"] = case["fallback"]["fn"]
    if not all(_writable(spec) for spec in stages.values()):
        return None
    try:  # the keywords `run` would pass: an input it cannot translate has no program
        _keywords({k: v for k, v in case.items() if k != "primary"}, "the input")
        for name in _CLASSES:
            if isinstance(case.get(name), dict):
                _keywords(case[name], name)
    except ValueError:
        return None

    lit = Literals()
    errors = _ErrorClasses(lit)
    functions = [_function_source(stage, spec, errors, lit) for stage, spec in stages.items()]
    # The WrapArgs `run` builds: every key but `primary` as a keyword argument, the budget,
    # tags and fallback objects as instances (the fallback's `fn` the scripted function).
    arguments = {}
    for key, value in case.items():
        if key == "primary":
            continue
        cls = _CLASSES.get(key) if isinstance(value, dict) else None
        if cls is None:
            arguments[key] = lit(value)
        else:
            members = {k: ("fallback" if key == "fallback" and k == "fn" else lit(v)) for k, v in value.items()}
            arguments[key] = _call(cls, members)

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
    body += _RECORDING + [
        "async def main():",
        "    set_aegis_observer(observe)",
        '    output = {"value": None, "errorName": None, "originalErrorName": None, "fallbackErrorName": None}',
        "    try:",
        f"        args = {_call('WrapArgs', arguments)}",
        "        output['value'] = await with_resource_budget(args, primary)",
        '        print("returned:", repr(output["value"]))',
        '        output["outcome"] = "fallback" if "fallback" in seen else "ok"',
        "    except BaseException as err:",
        '        print("raised:", type(err).__name__, err)',
        '        output["errorName"] = error_name(err)',
        "        if isinstance(err, AegisConfigError):",
        '            output["outcome"] = "config_error"',
        "        elif isinstance(err, BudgetExceededError):",
        '            output["outcome"] = "budget_exceeded"',
        "        elif isinstance(err, FallbackFailedError):",
        '            output["outcome"] = "fallback_failed"',
        '            output["originalErrorName"] = error_name(err.original_cause)',
        '            output["fallbackErrorName"] = error_name(err.fallback_cause)',
        '            print("causes:", output["originalErrorName"], output["fallbackErrorName"])',
        '        elif getattr(err, "stage", None) == "primary":',
        '            output["outcome"] = "primary_error"',
        "        else:",
        '            output["outcome"] = "unexpected_error"',
        "    tags_after = get_aegis_tags()",
        '    print("tags after:", tags_after)',
        "    await asyncio.sleep(0)  # an event emitted just after settling still counts",
        '    output["events"] = [decided_event(plain(event)) for event in events]',
        '    output["tagsSeen"] = {stage: decided(plain(seen.get(stage))) for stage in ("primary", "fallback")}',
        '    output["tagsAfter"] = decided(plain(tags_after))',
        "    return output",
        "",
        "",
        "actual = asyncio.run(main())",
    ]
    names = [
        "Budget", "Fallback", "Tags", "WrapArgs", "with_resource_budget", "set_aegis_observer", "get_aegis_tags",
        "AegisConfigError", "BudgetExceededError", "FallbackFailedError",
    ]
    head = [
        "# Reproduces a divergence found by the conformance harness: contract budget",
        f"# Scenario: {_scenario(case, stages)}",
        "# Look at: what the call returns or raises, the observer events (exactly one per completed",
        "# call, none for AegisConfigError) and the tags seen inside and after the call.",
        "import asyncio",
        *(["import builtins"] if errors.uses_builtins else []),
        "import dataclasses",
        *(["import json"] if lit.uses_json else []),
        "",
        f"from aegis import {', '.join(names)}",
        "",
        "",
    ]
    code = "\n".join(head + errors.declarations + body)
    compile(code, "<snippet>", "exec")  # a program that does not compile is never handed out
    return code


def _call(callee, members):
    """Source calling `callee` with the input's members (source text each) as keyword
    arguments, names in snake_case; a name that cannot be written `name=` goes in `**{...}`."""
    plain, other = [], []
    for key, source in members.items():
        name = _snake(key)
        if name.isidentifier() and not keyword.iskeyword(name) and unicodedata.normalize("NFKC", name) == name:
            plain.append(f"{name}={source}")
        else:
            other.append(f"{name!r}: {source}")
    if other:
        plain.append("**{" + ", ".join(other) + "}")
    return f"{callee}({', '.join(plain)})"


def _writable(spec):
    """Whether `run` scripts `spec` without failing itself (the scenario language, well formed)."""
    if not isinstance(spec, dict) or spec.get("kind") not in _KINDS:
        return False
    kind = spec["kind"]
    if kind in ("resolve", "reject", "ignore_abort_resolve") and not isinstance(spec.get("delayMs", 0), (int, float)):
        return False
    if kind in ("resolve", "ignore_abort_resolve", "resolve_now"):
        return "value" in spec
    if kind in ("reject", "sync_throw", "reject_now"):
        return isinstance(spec.get("errorName"), str) and "errorMessage" in spec
    return True


def _function_source(stage, spec, errors, lit):
    """The scripted function of `stage` as source lines (behaving as `_script` does)."""
    kind = spec["kind"]
    head = [f"async def {stage}(event):", f'    seen["{stage}"] = get_aegis_tags()', f'    print("{stage} sees tags:", seen["{stage}"])']

    def raise_(name, message):
        return errors.raise_(name, message, stage)

    if kind == "sync_throw":
        return [f"def {stage}(event):", *head[1:], "    " + raise_(spec["errorName"], spec["errorMessage"])]
    if kind == "hang_until_abort":
        return head + ["    await event.wait()", "    " + raise_("AbortError", "aborted")]
    if kind == "resolve_now":
        return head + [f"    return {lit(spec['value'])}  # no await: settles before any timer"]
    if kind == "reject_now":
        return head + ["    " + raise_(spec["errorName"], spec["errorMessage"]) + "  # no await: settles before any timer"]
    seconds = lit(spec.get("delayMs", 0) / 1000)
    if kind == "ignore_abort_resolve":
        return head + [f"    await asyncio.sleep({seconds})  # ignores the event", f"    return {lit(spec['value'])}"]
    abort = raise_("AbortError", "aborted")
    last = f"return {lit(spec['value'])}" if kind == "resolve" else raise_(spec["errorName"], spec["errorMessage"])
    return head + [f"    if not await sleep_or_abort({seconds}, event):", "        " + abort, "    " + last]


class _ErrorClasses:
    """The error classes a program declares: one per name, derived as `_scripted_error` does."""

    def __init__(self, lit):
        self.declarations = []
        self.uses_builtins = False
        self._lit = lit
        self._names = {}  # error name -> the expression naming its class in the program

    def raise_(self, name, message, stage):
        """A statement raising the error `name`, marked as the scripted function of `stage`'s."""
        if name not in self._names:
            self._declare(name, message)
        return f"raise staged({self._names[name]}({self._lit(message)}), {stage!r})"

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
            "resolve_now": "returns a value without awaiting",
            "reject_now": f"raises {spec.get('errorName')!r} without awaiting",
        }[spec["kind"]]

    parts = [
        f"budget {case['budget'].get('timeoutMs') if isinstance(case.get('budget'), dict) else None!r} ms",
        stage(f"primary ({case.get('primaryResourceClass')!r})", stages["primary"]),
        stage(f"fallback ({case['fallback'].get('resourceClass')!r})", stages["fallback"]) if "fallback" in stages else f"fallback {case['fallback']!r}" if "fallback" in case else "no fallback",
    ]
    return "; ".join(parts)
