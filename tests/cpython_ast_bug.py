"""Guards against CPython 3.11's "AST constructor recursion depth mismatch" (cpython
gh-106905: a SystemError from `ast.parse`, seen mostly with other threads running).

hypothesis names the lambdas of strategies (its own and schemathesis's) for their reprs by
parsing the lambda's source with `ast`. Deep inside a long test run, that parse can raise
the interpreter's SystemError (a CPython 3.11 bug, not one of ours); CI saw it once in the
schemathesis test. A lambda's name is only decoration, so that parse failing gives a
placeholder name instead of failing a test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis.internal import filtering, lambda_sources

PLACEHOLDER = "lambda: <unknown>"


def tolerant(describe: Callable[[Any], str]) -> Callable[[Any], str]:
    def description(f: Any) -> str:
        try:
            return describe(f)
        except SystemError:
            return PLACEHOLDER
    return description


def install() -> None:
    """Wrap both places hypothesis calls the lambda describer from (once per test run)."""
    if getattr(lambda_sources.lambda_description, "__wrapped_by_ispbot__", False):
        return
    safe = tolerant(lambda_sources.lambda_description)
    safe.__wrapped_by_ispbot__ = True  # type: ignore[attr-defined]
    lambda_sources.lambda_description = safe
    filtering.lambda_description = safe


def _is_the_bug(error: BaseException) -> bool:
    if isinstance(error, SystemError) and "AST constructor recursion depth mismatch" in str(error):
        return True
    inner = [*getattr(error, "exceptions", ()), error.__cause__, error.__context__]
    return any(e is not None and e is not error and _is_the_bug(e) for e in inner)


def retried(run: Callable[[], None], attempts: int = 3) -> None:
    """Run `run`; if the interpreter bug (and nothing else) broke it, run it again: the bug
    strikes at random, a real failure repeats (the tests using this are derandomized)."""
    for attempt in range(1, attempts + 1):
        try:
            run()
            return
        except Exception as error:
            if attempt == attempts or not _is_the_bug(error):
                raise
