"""Per-case branch signal for `verify --guided` (see ../PROTOCOL.md, "guided").

Started from the adapter's hello when the harness offers guidance. A trace function of our own
(coverage.py has no cheap per-case API) records, for each case, the arcs ("previous line >
line") its code took inside the packages under test; everything else (the adapter, the
standard library, other packages) is left untraced. Arcs go to the case whose task is running,
through a context variable, so asynchronous cases interleaving on one loop keep theirs apart.
Code an event loop runs as a callback, outside any task (a timer, a task's done callback), is
left untraced: whether such a callback runs before its case ends depends on timing, and a
branch that comes and goes with the machine's load would steer two runs of one seed apart.
The harness decides what is new: this file only says what each case reached.
"""

import asyncio
import contextvars
import os
import sys
import threading

import coverage_probe

# The arcs of the case running now (a set), or None outside any case.
_CASE_ARCS = contextvars.ContextVar("case_arcs", default=None)

# Bound once: the trace function asks them on every call into the packages under test.
_running_loop = asyncio._get_running_loop
_current_task = asyncio.current_task


class Probe:
    def __init__(self, folders):
        # Each folder with a trailing separator, so "pkg" never matches "pkg2".
        self._prefixes = tuple(os.path.join(folder, "") for folder in folders)
        self._files = {}  # code object's file -> its short name, or None when not traced

    def _short_name(self, filename):
        """The file's short name, or None when it is not traced; worked out once per file (the
        trace function looks in `_files` first)."""
        path = os.path.realpath(filename)
        short = None
        for prefix in self._prefixes:
            if path.startswith(prefix):
                short = os.path.relpath(path, os.path.dirname(prefix.rstrip(os.sep)))
                break
        self._files[filename] = short
        return short

    def _global_trace(self, frame, event, arg):
        if event != "call":
            return None
        # Inline rather than through helpers: this runs on every call the process makes.
        filename = frame.f_code.co_filename
        short = self._files.get(filename, False)
        if short is False:
            short = self._short_name(filename)
        if short is None:
            return None
        # Code run as a callback of an event loop rather than in a task is left untraced (a
        # coroutine's every resumption starts anew, so each is judged where it runs).
        loop = _running_loop()
        if loop is not None and _current_task(loop) is None:
            return None
        previous = -frame.f_code.co_firstlineno  # negative: the entry into the function

        def local_trace(frame, event, arg):
            nonlocal previous
            if event == "line":
                arcs = _CASE_ARCS.get()
                if arcs is not None:
                    arcs.add(f"{short}:{previous}>{frame.f_lineno}")
                previous = frame.f_lineno
            return local_trace

        return local_trace

    def start(self):
        sys.settrace(self._global_trace)
        threading.settrace(self._global_trace)

    @staticmethod
    def begin():
        """Starts collecting the current case's arcs (in this task's context); returns the
        token `end` takes."""
        return _CASE_ARCS.set(set())

    @staticmethod
    def end(token):
        """The arcs the case reached, sorted, and the context as it was before `begin`."""
        arcs = _CASE_ARCS.get()
        _CASE_ARCS.reset(token)
        return sorted(arcs or ())


def start():
    """Traces every known contract's package; None when none of them is found."""
    folders = [coverage_probe.package_folder(contract) for contract in coverage_probe.PACKAGES]
    folders = [folder for folder in folders if folder is not None]
    if not folders:
        return None
    probe = Probe(folders)
    probe.start()
    return probe


def guided_sync(run):
    """`run` (a binding's plain `run`) answering with the arcs its case reached as well."""

    def run_guided(case_input):
        token = Probe.begin()
        try:
            fields = run(case_input)
        finally:
            reached = Probe.end(token)
        return {**fields, "reached": reached}

    return run_guided


class GuidedAsync:
    """A binding whose `run` is a coroutine function, answering with the arcs as well."""

    def __init__(self, binding):
        self._binding = binding

    async def run(self, case_input):
        token = Probe.begin()
        try:
            fields = await self._binding.run(case_input)
        finally:
            reached = Probe.end(token)
        return {**fields, "reached": reached}
