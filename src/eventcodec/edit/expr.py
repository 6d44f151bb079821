"""Filter expressions over events, e.g. ``f0_hz < 200 and amp_db > -30`` or ``t >= 1.5``.

The text is parsed with Python's `ast` module and checked against a strict whitelist: comparisons
(``< <= > >= == !=``, chained too), ``and``/``or``/``not``, parentheses, numbers (with an optional
sign), control names in physical units (see `eventcodec explain`), ``t``/``time_s`` (onset in
seconds), ``index`` (position in the set) and ``instrument`` (label from `edit.instruments`).
Nothing else is accepted and nothing is ever passed to `eval`; the checked tree is evaluated here on
whole columns at once.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping

import numpy as np

from eventcodec import controls
from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet

MAX_EXPRESSION_CHARS = 500
TIME_NAMES = ("t", "time_s")
EXTRA_NAMES = (*TIME_NAMES, "index", "instrument")
NEEDS_CONTROLS = ("instrument",)  # extra names computed from the controls

Columns = Mapping[str, np.ndarray]
Predicate = Callable[[Columns], np.ndarray]

_COMPARE: dict[type[ast.cmpop], Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}


class FilterError(EventCodecError):
    """A filter expression that does not parse or uses something outside the whitelist."""


def _fail(text: str, why: str) -> FilterError:
    return FilterError(f"bad filter {text!r}: {why}")


def _value(node: ast.expr, text: str) -> Callable[[Columns], np.ndarray]:
    """A numeric operand: a number, a signed number or a name."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        try:
            number = float(node.value)
        except OverflowError:  # an int literal beyond float range, e.g. 1000...0 with 400 digits
            raise _fail(text, f"number too large ({len(str(node.value))} digits)") from None
        return lambda cols: np.float64(number)  # type: ignore[return-value]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _value(node.operand, text)
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        return lambda cols: sign * inner(cols)
    if isinstance(node, ast.Name):
        name = node.id
        if name not in controls.INDEX and name not in EXTRA_NAMES:
            raise _fail(text, f"unknown name {name!r}; use a control name (f0_hz, amp_db, decay_s, ...; "
                              f"`eventcodec explain` lists them), t/time_s, index or instrument")
        return lambda cols: cols[name]
    raise _fail(text, f"expected a number or a name, got {ast.unparse(node)!r}")


def _boolean(node: ast.expr, text: str) -> Predicate:
    """A boolean sub-expression: a comparison, and/or of them, or not."""
    if isinstance(node, ast.BoolOp):
        parts = [_boolean(v, text) for v in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or

        def _bool_op(cols: Columns) -> np.ndarray:
            out = parts[0](cols)
            for p in parts[1:]:
                out = combine(out, p(cols))
            return out

        return _bool_op
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _boolean(node.operand, text)
        return lambda cols: np.logical_not(inner(cols))
    if isinstance(node, ast.Compare):
        operands = [_value(node.left, text)] + [_value(c, text) for c in node.comparators]
        ops = []
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise _fail(text, f"unsupported comparison {type(op).__name__}; use < <= > >= == !=")
            ops.append(_COMPARE[type(op)])

        def _compare(cols: Columns) -> np.ndarray:
            vals = [o(cols) for o in operands]
            out = ops[0](vals[0], vals[1])
            for i in range(1, len(ops)):
                out = np.logical_and(out, ops[i](vals[i], vals[i + 1]))
            return out

        return _compare
    raise _fail(text, f"expected a comparison such as 'f0_hz < 200', got {ast.unparse(node)!r}")


def parse_filter(text: str) -> Predicate:
    """Parse a filter expression into a predicate over columns.

    Args:
        text: e.g. ``"f0_hz < 200 and not t > 3"``.

    Returns:
        A function mapping columns (name -> (n_events,) array) to a bool mask (n_events,).

    Raises:
        FilterError: empty, too long, bad syntax, unknown name or a construct outside the whitelist.
    """
    if not text or not text.strip():
        raise FilterError("empty filter expression")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise _fail(text[:40] + "...", f"longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise _fail(text, f"syntax error ({e.msg})") from None
    return _boolean(tree.body, text)


def names_in(text: str) -> set[str]:
    """Names an expression refers to (after parsing it)."""
    parse_filter(text)
    return {n.id for n in ast.walk(ast.parse(text.strip(), mode="eval")) if isinstance(n, ast.Name)}


def columns(events: EventSet, need_controls: bool = True, instrument: np.ndarray | None = None
            ) -> dict[str, np.ndarray]:
    """Columns an expression can name: physical controls, `t`/`time_s` in seconds, `index` and `instrument`.

    Args:
        events: the set; control columns only exist for the `controls` space.
        need_controls: include the 32 physical control columns and `instrument`.
        instrument: labels (n_events,) to use for `instrument` (default: `edit.instruments.instruments`).

    Returns:
        name -> (n_events,) float64 array.
    """
    cols: dict[str, np.ndarray] = {}
    time_s = events.times.astype(np.float64) / events.sample_rate
    cols["t"] = cols["time_s"] = time_s
    cols["index"] = np.arange(len(events), dtype=np.float64)
    if need_controls and events.space == "controls":
        phys = controls.to_physical(events.vectors)
        for i, name in enumerate(controls.NAMES):
            cols[name] = phys[:, i]
        if instrument is None:
            from eventcodec.edit.instruments import instruments

            instrument = instruments(events)
        cols["instrument"] = np.asarray(instrument, dtype=np.float64)
    return cols


def evaluate(text: str, events: EventSet, instrument: np.ndarray | None = None) -> np.ndarray:
    """Bool mask (n_events,) of the events matching `text`; `instrument` labels as in `columns`.

    Raises:
        FilterError: a bad expression, or control names used on a `latent` set.
    """
    predicate = parse_filter(text)
    names = names_in(text)
    uses_controls = bool(names - (set(EXTRA_NAMES) - set(NEEDS_CONTROLS)))
    if uses_controls and events.space != "controls":
        raise _fail(text, "control names need an event set in the controls space (this one is latent)")
    if "instrument" not in names:  # labels cost a clustering: only when named
        instrument = np.zeros(len(events))
    mask = np.broadcast_to(np.asarray(predicate(columns(events, uses_controls, instrument)), dtype=bool),
                           (len(events),))
    return np.array(mask, dtype=bool)
