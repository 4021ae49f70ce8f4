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
