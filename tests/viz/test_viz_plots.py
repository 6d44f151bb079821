"""The figures on hand-built sets: they draw what they claim, handle tiny sets, and save PNG/SVG."""

import numpy as np
import pytest

from eventcodec import controls
from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet
from eventcodec.viz import plot_controls, plot_event_map, plot_timeline
from eventcodec.viz._mpl import save
from eventcodec.viz.embed import tsne

pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")


def _events(n: int, seed: int = 0) -> EventSet:
    rng = np.random.default_rng(seed)
    return EventSet(np.sort(rng.integers(0, 44100, n)), rng.uniform(0, 1, (n, 32)), n_samples=44100)


@pytest.mark.parametrize("n", [0, 1, 2, 4, 5, 12])
def test_tsne_handles_tiny_counts_and_stays_in_unit_range(n):
    y = tsne(_events(n).vectors, 3)
    assert y.shape == (n, 3)
    assert np.all((y >= 0) & (y <= 1))


def test_tsne_keeps_clusters_apart():
    a = _events(20, 1).vectors * 0.1
    b = 0.9 + _events(20, 2).vectors * 0.1
    y = tsne(np.concatenate([a, b]), 1)[:, 0]
    assert abs(y[:20].mean() - y[20:].mean()) > 0.5


def test_timeline_draws_one_segment_per_event_with_its_duration(tmp_path):
    es = _events(12)
    durations = np.linspace(0.1, 1.2, 12)
    audio = np.random.default_rng(0).normal(0, 0.1, 44100).astype(np.float32)
    fig = plot_timeline(es, audio, durations_s=durations, view="tsne")  # the paper's Fig. 1
    ax2 = fig.axes[-1]
    segments = ax2.collections[0].get_segments()
    assert len(segments) == 12
    lengths = sorted(s[1][0] - s[0][0] for s in segments)
    np.testing.assert_allclose(lengths, durations, atol=1e-9)
    assert "frequency (Hz" in fig.axes[0].get_ylabel() and fig.axes[0].get_yscale() == "log"
    save(fig, tmp_path / "t.png")
    save(fig, tmp_path / "t.svg")
    assert (tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"
    assert b"<svg" in (tmp_path / "t.svg").read_bytes()[:500]
    with pytest.raises(EventCodecError, match="png"):
        save(fig, tmp_path / "t.jpg")


def test_timeline_of_no_events_still_draws():
    fig = plot_timeline(EventSet.empty(22050), np.zeros(22050, np.float32))
    assert fig.axes[0].get_xlim() == (0.0, 1.0)


def test_map_of_two_files_has_a_legend_entry_each_and_tiny_sets_work():
    fig = plot_event_map([("one", _events(3)), ("two", _events(2, 5))])
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["one", "two"]
    single = plot_event_map([("solo", _events(1))])
    assert any("f0_hz" in ax.get_ylabel() for ax in single.axes)  # colourbar
    with pytest.raises(EventCodecError, match="no events"):
        plot_event_map([("none", EventSet.empty())])


def test_controls_view_labels_units_and_values():
    es = _events(3)
    fig = plot_controls(es, 1)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[controls.index_of("f0_hz")] == "f0_hz [Hz]"
    bars = [p.get_width() for p in ax.patches[:32]]
    np.testing.assert_allclose(bars, es.vectors[1], atol=1e-6)
    f0 = controls.to_physical(es.vectors[1])[controls.index_of("f0_hz")]
    assert any(t.get_text().startswith(f"{f0:.3g} Hz") for t in ax.texts)
    with pytest.raises(EventCodecError, match="out of range"):
        plot_controls(es, 7)


def test_stages_plot_has_one_panel_per_stage_on_a_shared_scale():
    from eventcodec.viz import plot_stages

    phys = controls.to_physical(controls.default_unit_vector())
    phys[controls.index_of("room_wet")] = 0.5
    es = EventSet(np.array([100]), controls.to_unit(phys[None]), n_samples=22050)
    fig = plot_stages(es, 0, stages=("impulse", "resonance", "room", "output"))
    panels = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert [ax.get_title(loc="left").split(":")[0] for ax in panels] == ["impulse", "resonance", "room", "output"]
    meshes = [ax.collections[0] for ax in panels]
    assert {m.get_clim() for m in meshes} == {(-80.0, 0.0)}
    assert max(float(m.get_array().max()) for m in meshes) == pytest.approx(0.0)
    with pytest.raises(EventCodecError, match="unknown stage"):
        plot_stages(es, 0, stages=("nope",))


def _pitched_and_noise() -> EventSet:
    """Three pitched tones (220, 440, 880 Hz) and a noise hit in the 1-4 kHz band."""
    p = np.tile(controls.to_physical(controls.default_unit_vector()), (4, 1))
    col = controls.INDEX
    p[:, col["f0_hz"]] = [220.0, 440.0, 880.0, 100.0]
    p[:, col["tonal_mix"]] = [1.0, 1.0, 1.0, 0.0]
    p[:, col["decay_s"]] = 1.0
    p[3, col["noise_highpass_hz"]], p[3, col["noise_lowpass_hz"]] = 1000.0, 4000.0
    return EventSet([0, 11025, 22050, 33075], controls.to_unit(p), n_samples=44100)


def test_timeline_draws_events_at_their_pitch_or_noise_band_by_default():
    from eventcodec.viz.embed import rgb

    es = _pitched_and_noise()
    fig = plot_timeline(es, np.zeros(44100, np.float32), durations_s=np.full(4, 0.2))
    ax = fig.axes[0]  # the spectrogram's own frequency axis: no second axis of t-SNE positions
    assert not any("t-SNE" in a.get_ylabel() for a in fig.axes)
    heights = [s[0][1] for s in ax.collections[1].get_segments()]  # [0] is the spectrogram mesh
    np.testing.assert_allclose(heights, [220.0, 440.0, 880.0, 2000.0], rtol=1e-4)
    colours = ax.collections[1].get_colors()[:, :3]
    np.testing.assert_allclose(colours, rgb(es.vectors, es.space, 0), atol=1e-6)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("pitched, at f0_hz" in t for t in labels) and any("noise band" in t for t in labels)


def test_timeline_tsne_view_is_the_papers_figure():
    fig = plot_timeline(_pitched_and_noise(), None, durations_s=np.full(4, 0.2), view="tsne")
    assert "t-SNE" in fig.axes[-1].get_ylabel()
    with pytest.raises(EventCodecError, match="view"):
        plot_timeline(_pitched_and_noise(), None, view="sideways")  # type: ignore[arg-type]
