"""The end of every bug program: what the contract expects (the harness's reference, handed
to the `snippet` op), compared with what the program saw, both printed, and the exit status:
1 and "BUG PRESENT" while the implementation still behaves wrongly, 0 and "fixed" otherwise.

A binding's program leaves what it saw in `actual`, in the shape its `run` reports, less what
the contract does not decide (the harness's `comparable`). The helpers are one text: the
program embeds it, and the adapter runs it to write the report's expected and actual as the
program prints them.
"""

from .literals import Literals

CHECK = '''\
def same(a, b):
    """JSON equality: numbers by value (1 == 1.0) but never a bool for a number, keys in any order."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[key], b[key]) for key in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def expected_text(expected):
    if len(expected) == 1:
        return "expected: " + pprint.pformat(expected[0], width=100)
    return "expected one of (a race the contract leaves open):\\n" + "\\n".join(pprint.pformat(e, width=100) for e in expected)


def actual_text(actual):
    return "actual: " + pprint.pformat(actual, width=100)


def verdict(actual):
    print(expected_text(EXPECTED))
    print(actual_text(actual))
    if any(same(actual, e) for e in EXPECTED):
        print("fixed")
        sys.exit(0)
    print("BUG PRESENT")
    sys.exit(1)
'''

_helpers = {}
exec("import pprint\n" + CHECK, _helpers)


def importing(variable):
    """Lines that make the package under test importable from the folder `variable` names."""
    return [
        "import os",
        "import sys",
        "",
        f"# The package under test: from the folder {variable} names, else the installed one.",
        f'if os.environ.get("{variable}"):',
        f'    sys.path.insert(0, os.environ["{variable}"])',
        "",
    ]


def program(code, variable, expected, actual):
    """The whole program: the binding's `code` (its opening comments first, which must leave
    what it saw in `actual`) importing from `variable`, then the check against `expected`.
    Returns (program, expected as printed, actual as printed); without `expected` the program
    only prints what it saw."""
    lines = code.splitlines()
    comments = 0
    while comments < len(lines) and lines[comments].startswith("#"):
        comments += 1
    head = lines[:comments] + importing(variable) + lines[comments:]
    if expected is None:
        return "\n".join(head + ["", 'print("actual:", actual)', ""]), None, None
    lit = Literals()
    tail = [
        "",
        "",
        "# -- The check: what the contract expects for this case (from the harness's reference",
        "# implementation; several outputs when a timing race may go either way), compared with",
        "# what happened. Exit 1 and BUG PRESENT while the bug is there, 0 and fixed once it is not.",
        "import pprint",
        "",
        f"EXPECTED = {lit(expected)}",
        "",
        "",
        CHECK,
        "",
        "verdict(actual)",
        "",
    ]
    if lit.uses_json and "import json" not in lines:
        tail.insert(5, "import json")
    text = "\n".join(head + tail)
    compile(text, "<snippet>", "exec")  # a program that does not compile is never handed out
    shown_actual = None if actual is None else _helpers["actual_text"](actual)
    return text, _helpers["expected_text"](expected), shown_actual
