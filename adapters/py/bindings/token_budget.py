"""Binding for contract `token-budget`: drives `TokenBudget` of lexigram-contracts.

The implementation is `lexigram.contracts.ai.llm.types.TokenBudget` from the installed
lexigram-contracts distribution; or, when `TOKEN_BUDGET_PY_SRC` names a directory holding
`token_budget_sample/`, our bundled sample, which has the same constructor, properties and
methods. See ../../PROTOCOL.md (section `token-budget`) for the calls made and the output.

The binding passes every field as it comes and every property value as it returns: the real
dataclass does not validate, and what it then computes (a float, a negative count) is a
finding for the harness to report, never something to repair here. `run` is a plain
function (nothing waits): the adapter calls it inline. `snippet` writes the program
reproducing a case with the real package's API.
"""

import keyword
import os

from .literals import Literals
from .sources import error_json, import_from, snake_case

_DISTRIBUTION = "lexigram-contracts"
_SAMPLE = "token_budget_sample"

_TokenBudget = None  # the implementation's class, bound by load()

# camelCase input field -> the constructor's keyword, in the constructor's order.
_FIELDS = {
    "modelContextLimit": "model_context_limit",
    "reservedForOutput": "reserved_for_output",
    "systemPromptTokens": "system_prompt_tokens",
    "toolDefinitionsTokens": "tool_definitions_tokens",
    "ragContextTokens": "rag_context_tokens",
    "historyTokens": "history_tokens",
}

# A step's one key -> the method it calls.
_STEPS = {"withRag": "with_rag_tokens", "withHistory": "with_history_tokens"}


# The variable naming the folder the package under test is imported from.
SOURCE = "TOKEN_BUDGET_PY_SRC"


def load():
    global _TokenBudget
    if os.environ.get("TOKEN_BUDGET_PY_SRC"):
        sample = import_from("TOKEN_BUDGET_PY_SRC", _SAMPLE)
        _TokenBudget = sample.TokenBudget
        return {"name": _DISTRIBUTION, "version": str(sample.__version__)}
    try:
        from lexigram.contracts.ai.llm.types import TokenBudget
    except ImportError as err:
        raise ImportError(
            f"lexigram-contracts is not importable ({err}); install it with "
            "`pip install --require-hashes --no-deps -r adapters/py/requirements.txt` "
            f"(the harness's managed venv has it), or set TOKEN_BUDGET_PY_SRC to a directory containing {_SAMPLE}/"
        ) from err
    _TokenBudget = TokenBudget
    import importlib.metadata  # only here: importing it is a tenth of a sample run's start-up

    try:
        version = importlib.metadata.version(_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return {"name": _DISTRIBUTION, "version": version}


# ---------------------------------------------------------------------------------------------
# The input


def _parts(case):
    """(budget, steps) of a case (a dict). A `budget` that is not an object, or `steps`
    (absent: none) that is not an array, raises TypeError: `run` reports it as the case's
    error, as the contract has it (no budget can be built from such an input)."""
    budget, steps = case.get("budget"), case.get("steps", [])
    if not isinstance(budget, dict):
        raise TypeError(f"`budget` must be an object, not {type(budget).__name__}")
    if not isinstance(steps, list):
        raise TypeError(f"`steps` must be an array, not {type(steps).__name__}")
    return budget, steps


def _kwargs(budget):
    """(known, unknown): the constructor's keywords for the six fields present, and every other
    field under its snake_case name (as a Python caller would write it), passed through so the
    implementation decides. Every key, every null: nothing is dropped."""
    known, unknown = {}, {}
    for name, value in budget.items():
        if name in _FIELDS:
            known[_FIELDS[name]] = value
        else:
            unknown[snake_case(name)] = value
    return known, unknown


def _step(step):
    """(method name, value) of a step that is exactly one of {"withRag": n} / {"withHistory": n};
    anything else raises, an error for the whole case (the contract's rule, not a failure of
    the adapter)."""
    if not isinstance(step, dict) or len(step) != 1 or next(iter(step)) not in _STEPS:
        raise ValueError(f"a step must be exactly one of {{\"withRag\": n}} / {{\"withHistory\": n}}, got {step!r}")
    [(name, value)] = step.items()
    return _STEPS[name], value


# ---------------------------------------------------------------------------------------------
# One case


def _state(budget):
    # Values as the implementation returns them (a float or a negative is a finding).
    return {
        "totalUsed": budget.total_used,
        "remaining": budget.remaining,
        "remainingForHistory": budget.remaining_for_history,
        "overBudget": budget.over_budget,
    }


def _fields(budget):
    return [getattr(budget, name) for name in _FIELDS.values()]


def _same(before, after):
    # Same type and equal: True -> 1 or 1 -> 1.0 is a change, though == says otherwise.
    return all(type(a) is type(b) and a == b for a, b in zip(before, after))


def run(case):
    if not isinstance(case, dict):
        raise TypeError(f"case input must be an object, not {type(case).__name__}")
    try:
        budget, steps = _parts(case)
        known, unknown = _kwargs(budget)
        # Two ** groups: a passed-through name that is also a mapped one raises TypeError
        # ("multiple values for keyword argument"), as that call written out would.
        original = _TokenBudget(**known, **unknown)
        constructed = _fields(original)
        current = original
        states = [_state(current)]
        new_object = True
        for step in steps:
            method, value = _step(step)
            following = getattr(current, method)(value)
            new_object = new_object and following is not current
            current = following
            states.append(_state(current))
        unchanged = _same(constructed, _fields(original))
    except Exception as err:
        return {"output": {"error": error_json(err)}}
    try:
        original.rag_context_tokens = 0  # any value: only whether the assignment raises counts
        assignment_fails = False
    except Exception:
        assignment_fails = True
    immutable = {"newObject": new_object, "originalUnchanged": unchanged, "assignmentFails": assignment_fails}
    return {"output": {"ok": {"states": states, "immutable": immutable}}}


# ---------------------------------------------------------------------------------------------
# Snippets (the `snippet` op of ../../PROTOCOL.md): a paste-ready program reproducing one case
# with the real lexigram-contracts API, making exactly the calls `run` makes.

_HELPERS = '''\
if os.environ.get("TOKEN_BUDGET_PY_SRC"):  # a folder holding a port such as the bundled sample
    from token_budget_sample import TokenBudget
else:
    from lexigram.contracts.ai.llm.types import TokenBudget

FIELDS = ("model_context_limit", "reserved_for_output", "system_prompt_tokens",
          "tool_definitions_tokens", "rag_context_tokens", "history_tokens")


def state(label, budget):
    """The four properties, printed and recorded as the contract names them."""
    print(f"{label}: total_used={budget.total_used!r} remaining={budget.remaining!r} "
          f"remaining_for_history={budget.remaining_for_history!r} over_budget={budget.over_budget!r}")
    return {"totalUsed": budget.total_used, "remaining": budget.remaining,
            "remainingForHistory": budget.remaining_for_history, "overBudget": budget.over_budget}


def fields_unchanged(before, after):
    """Same type and equal, field by field: True -> 1 or 1 -> 1.0 is a change."""
    return all(type(a) is type(b) and a == b for a, b in zip(before, after))


try:
'''

_TAIL = '''\
    unchanged = fields_unchanged(constructed, [getattr(original, name) for name in FIELDS])
    print("original unchanged:", unchanged, constructed)
    try:
        original.rag_context_tokens = 0
        assignment_fails = False
        print("assignment to rag_context_tokens: allowed (the original is mutable)")
    except Exception as err:
        assignment_fails = True
        print("assignment to rag_context_tokens: raised", type(err).__name__)
    immutable = {"newObject": new_object, "originalUnchanged": unchanged, "assignmentFails": assignment_fails}
    actual = {"ok": {"states": states, "immutable": immutable}}
except Exception as err:
    print("raised:", type(err).__name__, err)
    actual = {"error": "raised"}  # any error: the contract compares only that one is raised
'''


def _call_source(known, unknown, lit):
    """The constructor call, each field a keyword; a passed-through name that is no Python
    identifier goes in a ** dict."""
    arguments = [f"{name}={lit(value)}" for name, value in known.items()]
    odd = {}
    for name, value in unknown.items():
        if name.isidentifier() and not keyword.iskeyword(name) and name not in known:
            arguments.append(f"{name}={lit(value)}")
        else:
            odd[name] = value
    if odd:
        arguments.append(f"**{lit(odd)}")
    return f"TokenBudget({', '.join(arguments)})"


def snippet(case):
    """The program reproducing `case`, or None when it cannot be written (an input `run`
    cannot translate, or a step that is none of the two: the binding's own error, no call)."""
    if not isinstance(case, dict):
        return None
    try:
        budget, steps = _parts(case)
        calls = [_step(step) for step in steps]
    except (TypeError, ValueError):  # no call is made: the error is the binding's own
        return None
    lit = Literals()
    known, unknown = _kwargs(budget)
    body = [
        f"    original = {_call_source(known, unknown, lit)}",
        "    constructed = [getattr(original, name) for name in FIELDS]",
        '    states = [state("constructed", original)]',
        "    budget = original",
        "    new_object = True",
    ]
    for index, (method, value) in enumerate(calls):
        body += [
            f"    following = budget.{method}({lit(value)})",
            f'    print("step {index}: new object:", following is not budget)',
            "    new_object = new_object and following is not budget",
            "    budget = following",
            f'    states.append(state("after step {index} ({method})", budget))',
        ]
    head = [
        "# Reproduces a divergence found by the conformance harness: contract token-budget",
        "# Look at: the four properties after construction and after each step (non-negative",
        "# integers expected; an error for any field that is not one), and whether the budget is immutable.",
        *(["import json", ""] if lit.uses_json else []),
        "",
    ]
    code = "\n".join(head) + _HELPERS + "".join(line + "\n" for line in body) + _TAIL
    compile(code, "<snippet>", "exec")  # a program that does not compile is never handed out
    return code
