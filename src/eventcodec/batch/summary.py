"""The end-of-run summary: files, hours of audio, bytes in/out, mean bitrate, throughput, failures."""

from __future__ import annotations

from dataclasses import dataclass, field

from eventcodec.batch.plan import Kind


@dataclass
class BatchSummary:
    """Totals over the files of one run (counted whether done now or by an earlier run).

    Attributes:
        kind: `encode` or `decode`.
        workers: where the work ran, in words.
        n_files: input files found.
        n_done_now: files processed by this run.
        n_skipped: files an earlier run had already done.
        audio_s: seconds of audio in all done files.
        audio_s_now: seconds of audio processed by this run.
        bytes_in: input bytes of all done files.
        bytes_out: output bytes of all done files.
        wall_s: seconds this run took.
        failures: (relative path, reason) for every file that failed in this run.
        old_failures: (relative path, reason) for files that failed in an earlier run and were not retried
            (neither the file nor the settings changed since).
    """

    kind: Kind
    workers: str = ""
    n_files: int = 0
    n_done_now: int = 0
    n_skipped: int = 0
    audio_s: float = 0.0
    audio_s_now: float = 0.0
    bytes_in: int = 0
    bytes_out: int = 0
    wall_s: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)
    old_failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def n_failed(self) -> int:
        return len(self.failures)

    @property
    def mean_bitrate_kbps(self) -> float:
        """Bitrate of the .evc files: outputs when encoding, inputs when decoding."""
        evc_bytes = self.bytes_out if self.kind == "encode" else self.bytes_in
        return 8 * evc_bytes / self.audio_s / 1000 if self.audio_s > 0 else 0.0

    @property
    def audio_hours_per_hour(self) -> float:
        """Throughput of this run: hours of audio processed per hour of wall time."""
        return self.audio_s_now / self.wall_s if self.wall_s > 0 else 0.0

    def lines(self, max_failures: int = 50) -> list[str]:
        """Human-readable summary, one fact per line."""
        out = [
            f"files:      {self.n_files} found, {self.n_done_now} {self.kind}d now, "
            f"{self.n_skipped} already done, {self.n_failed} failed",
            f"audio:      {self.audio_s / 3600:.3f} h in done files ({self.audio_s_now / 3600:.3f} h this run)",
            f"bytes:      {_fmt_bytes(self.bytes_in)} in, {_fmt_bytes(self.bytes_out)} out",
            f"bitrate:    {self.mean_bitrate_kbps:.2f} kbps mean (.evc bits / audio seconds)",
            f"throughput: {self.audio_hours_per_hour:.2f} h of audio per hour ({self.wall_s:.1f} s wall, "
            f"{self.workers or 'no workers needed'})",
        ]
        if self.old_failures:
            out.insert(1, f"            {len(self.old_failures)} failed before (unchanged, not retried; "
                          "--retry-failed tries them again)")
        for rel, reason in self.failures[:max_failures]:
            out.append(f"FAILED {rel}: {reason}")
        if self.n_failed > max_failures:
            out.append(f"... and {self.n_failed - max_failures} more failures (see the manifest)")
        for rel, reason in self.old_failures[:max_failures]:
            out.append(f"FAILED BEFORE {rel}: {reason}")
        if len(self.old_failures) > max_failures:
            out.append(f"... and {len(self.old_failures) - max_failures} more old failures (see the manifest)")
        return out


def _fmt_bytes(n: int) -> str:
    value, unit = float(n), "B"
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            break
        value /= 1000
    return f"{value:.0f} {unit}" if unit == "B" else f"{value:.2f} {unit}"
