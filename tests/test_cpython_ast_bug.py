from hypothesis import strategies as st
from hypothesis.internal import lambda_sources

from tests import cpython_ast_bug


def test_a_lambda_whose_source_cannot_be_parsed_gets_a_placeholder_name() -> None:
    def broken(f: object) -> str:
        raise SystemError("AST constructor recursion depth mismatch (before=258, after=71)")

    assert cpython_ast_bug.tolerant(broken)(lambda x: x) == cpython_ast_bug.PLACEHOLDER


def test_the_guard_is_installed_and_lambdas_keep_their_real_names() -> None:
    assert getattr(lambda_sources.lambda_description, "__wrapped_by_ispbot__", False)
    assert "x + 1" in repr(st.integers().map(lambda x: x + 1))


def test_a_run_broken_by_the_interpreter_bug_is_run_again_and_a_real_failure_is_not() -> None:
    import pytest

    runs: list[int] = []

    def flaky() -> None:
        runs.append(1)
        if len(runs) == 1:
            try:
                raise SystemError("AST constructor recursion depth mismatch (before=192, after=73)")
            except SystemError as error:
                raise ExceptionGroup("hypothesis", [error]) from None

    cpython_ast_bug.retried(flaky)
    assert len(runs) == 2

    def failing() -> None:
        runs.append(1)
        raise AssertionError("a 500 from the API")

    runs.clear()
    with pytest.raises(AssertionError):
        cpython_ast_bug.retried(failing)
    assert len(runs) == 1
