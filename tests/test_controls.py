import numpy as np
import pytest

from eventcodec import controls
from eventcodec.errors import ControlError


def test_table_has_32_unique_named_controls_with_defaults_in_bounds():
    assert controls.N_CONTROLS == 32
    assert len(set(controls.NAMES)) == 32
    for c in controls.CONTROLS:
        assert c.min < c.max
        assert c.min <= c.default <= c.max
        if c.scale == "log":
            assert c.min > 0


def test_unit_physical_round_trip():
    rng = np.random.default_rng(0)
    u = rng.uniform(0, 1, size=(100, 32)).astype(np.float32)
    back = controls.to_unit(controls.to_physical(u))
    np.testing.assert_allclose(back, u, atol=1e-5)


def test_scalar_and_vector_mappings_agree():
    u = controls.default_unit_vector()
    phys = controls.to_physical(u)
    for c, p in zip(controls.CONTROLS, phys, strict=True):
        assert p == pytest.approx(c.default, rel=1e-4, abs=1e-6)


def test_unknown_control_is_a_clear_error():
    with pytest.raises(ControlError, match="unknown control"):
        controls.index_of("pitch")
