"""Helpers the bindings share: importing a package from the source directory an environment
variable names, and writing what an implementation raised."""

import importlib
import os
import re
import sys


def import_from(variable, package):
    """The package `package` from the directory the environment variable `variable` names,
    put first on sys.path. Says what to set when the directory has no such package, or when
    another copy of it was imported instead."""
    source = os.environ[variable]
    if not os.path.isdir(os.path.join(source, package)):
        raise FileNotFoundError(
            f"{variable}={source} has no {package}/ package (point it at the directory that contains {package}/)"
        )
    sys.path.insert(0, os.path.abspath(source))
    module = importlib.import_module(package)
    if not _inside(module.__file__, source):
        raise ImportError(f"{variable}={source}, but {package} was imported from {module.__file__}")
    return module


def _inside(file, directory):
    return os.path.realpath(file).startswith(os.path.realpath(directory) + os.sep)


def error_json(err):
    """What an implementation raised, as outputs report it: its class name and message."""
    return {"type": type(err).__name__, "message": str(err)}


_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake_case(name):
    """A camelCase input name as a Python caller writes it (`extraTokens` -> `extra_tokens`);
    a name with no hump is left as it is. Names only: values are never touched."""
    return _HUMP.sub("_", name).lower() if _HUMP.search(name) else name
