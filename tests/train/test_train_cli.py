import numpy as np
import soundfile as sf

from eventcodec.cli.main import main


def test_params_prints_counts_by_module(capsys):
    assert main(["train", "--config", "paper", "--params"]) == 0
    out = capsys.readouterr().out
    assert "encoder.block0 (dilation 1)" in out and "decoder.head11" in out
    total = int(out.splitlines()[-1].split()[-1].replace(",", ""))
    assert 20_000_000 < total < 46_000_000


def test_missing_data_is_a_one_line_error(capsys, tmp_path):
    assert main(["train", "--config", "tiny"]) == 2
    assert "--data" in capsys.readouterr().err
    assert main(["train", "--config", "tiny", "--data", str(tmp_path)]) == 2
    assert "no audio files" in capsys.readouterr().err
    assert main(["train", "--config", "nope", "--data", str(tmp_path)]) == 2


def test_train_two_steps_from_the_cli(tmp_path, capsys):
    t = np.arange(40000) / 22050
    sf.write(tmp_path / "a.wav", np.sin(2 * np.pi * 440 * t) * np.exp(-2 * t), 22050)
    cfg = tmp_path / "c.toml"
    cfg.write_text('[model]\nn_samples = 2048\nn_events = 1\nchannels = 4\ndilations = [1]\nhead_hidden = 8\n'
                   'head_blocks = 0\nn_heads = 1\ncontrol_ranges = [["n_partials", 0.0, 0.05]]\n'
                   '[train]\nthreads = 1\nlog_every = 1\n')
    assert main(["train", "--config", str(cfg), "--data", str(tmp_path), "--out", str(tmp_path / "run"),
                 "--max-steps", "2", "--quiet", "--export", str(tmp_path / "models")]) == 0
    err = capsys.readouterr().err
    assert "trained 2 steps" in err and "exported to" in err
    exported = next((tmp_path / "models").iterdir())
    assert sorted(p.name for p in exported.iterdir()) == ["checkpoint.json", "model.safetensors"]


def test_an_existing_run_is_never_overwritten_without_resume(tmp_path, capsys):
    run, data = tmp_path / "run", tmp_path / "data"
    data.mkdir()
    (run / "checkpoint").mkdir(parents=True)
    (run / "checkpoint" / "checkpoint.json").write_text("{}")
    argv = ["train", "--config", "tiny", "--data", str(data), "--out", str(run)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "already holds a training run" in err[0] and "--resume" in err[0]
    assert (run / "checkpoint" / "checkpoint.json").read_text() == "{}"
    assert main([*argv, "--resume"]) == 2  # let through: it stops later, at the empty data folder
    assert "no audio files" in capsys.readouterr().err
    log_only = tmp_path / "log_only"
    log_only.mkdir()
    (log_only / "log.jsonl").write_text("")
    assert main(["train", "--config", "tiny", "--data", str(data), "--out", str(log_only)]) == 2
    assert "already holds a training run" in capsys.readouterr().err
    assert main(["train", "--config", "tiny", "--data", str(data), "--out", str(tmp_path / "new")]) == 2
    assert "no audio files" in capsys.readouterr().err  # a new (or empty) folder is fine
