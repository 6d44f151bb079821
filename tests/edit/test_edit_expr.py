import numpy as np
import pytest

from eventcodec.edit.expr import FilterError, evaluate, parse_filter


def test_comparisons_and_boolean_logic_select_the_right_events(mixed):
    assert evaluate("f0_hz < 200", mixed).tolist() == [True, False, False, False, True, False]
    assert evaluate("f0_hz < 200 and amp_db > -11", mixed).tolist() == [False] * 4 + [True, False]
    assert evaluate("not f0_hz < 200 or t >= 3", mixed).tolist() == [False, True, True, True, False, True]
    assert evaluate("200 <= f0_hz < 1000", mixed).tolist() == [False, True, True, False, False, True]
    assert evaluate("(t > 0.9) and (time_s < 1.3)", mixed).tolist() == [False, False, True, True, False, False]
    assert evaluate("index == -1 or index != index", mixed).sum() == 0
    assert evaluate("amp_db > -1e9", mixed).all()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("f0_hz <", "syntax"),
        ("f0 < 200", "unknown name 'f0'"),
        ("f0_hz", "expected a comparison"),
        ("__import__('os').system('true') < 1", "expected a number or a name"),
        ("f0_hz + 1 < 3", "expected a number or a name"),
        ("f0_hz in (1, 2)", "expected a number or a name"),
        ("f0_hz is 3", "unsupported comparison"),
        ("open < 1", "unknown name"),
        ("'a' < f0_hz", "expected a number or a name"),
        ("True < 1", "expected a number or a name"),
        ("x" * 600 + " < 1", "longer than"),
        ("t < 1" + "0" * 400, "number too large"),
    ],
)
def test_bad_expressions_raise_one_clear_filter_error(text, message, mixed):
    with pytest.raises(FilterError, match=r"bad filter|empty") as info:
        evaluate(text, mixed)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_parse_never_evaluates_python(monkeypatch):
    import builtins

    def boom(*args, **kwargs):
        raise AssertionError("eval called")

    monkeypatch.setattr(builtins, "eval", boom)
    predicate = parse_filter("t < 1")
    assert predicate({"t": np.array([0.5, 2.0])}).tolist() == [True, False]


def test_control_names_on_a_latent_set_are_refused_but_time_works(mixed):
    latent = mixed.replace(space="latent", model_hash="abc")
    with pytest.raises(FilterError, match="controls space"):
        evaluate("f0_hz < 200", latent)
    assert evaluate("t < 1", latent).tolist() == [True, True, False, False, False, False]
