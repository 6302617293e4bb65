"""Delivery targets: what a story is mastered for, and a pass/fail report against that target's spec.

A plan names its target (`Plan.delivery`); the renderer masters to the target's loudness and true-peak ceiling,
and `report()` measures the master against every requirement of the spec, so a creator knows before exporting
whether a podcast host, a broadcaster or an audiobook store would accept the file.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .loudness import integrated_loudness, true_peak_db
from .mix import mean_square_db
from .plan import DELIVERIES


@dataclass(frozen=True)
class Target:
    short: str  # for a menu
    label: str  # the spec in words
    lufs: float | None  # integrated loudness the master is gained to (None: levelled by RMS instead)
    lufs_tolerance: float  # how far from it the spec accepts
    true_peak_db: float  # the limiter's ceiling (dBTP)
    # audiobook stores (ACX) specify plain RMS, sample peak and noise floor instead of loudness
    rms_dbfs: float | None = None  # what the master is levelled to
    rms_range_dbfs: tuple[float, float] | None = None
    peak_max_dbfs: float | None = None
    noise_floor_max_dbfs: float | None = None


TARGETS: dict[str, Target] = {
    "podcast": Target("Podcast · −16 LUFS", "Podcast: −16 LUFS, −1 dBTP", -16.0, 1.0, -1.0),
    "streaming": Target("Streaming · −14 LUFS", "Music/streaming platforms: −14 LUFS, −1 dBTP", -14.0, 1.0, -1.0),
    "broadcast": Target("Broadcast EBU R128 · −23 LUFS", "Broadcast, EBU R128: −23 LUFS ±0.5 LU, −1 dBTP", -23.0, 0.5, -1.0),
    # ACX measures RMS over the whole file, pauses included, so the master is levelled to the middle of its
    # range; the ceiling keeps a margin under −3 dBFS because the true peak is above every sample
    "audiobook": Target("Audiobook ACX · RMS −20 dBFS",
                        "Audiobook, ACX: RMS −23 to −18 dBFS, peak ≤ −3 dBFS, noise floor ≤ −60 dBFS", None, 0.0,
                        -3.5, rms_dbfs=-20.5, rms_range_dbfs=(-23.0, -18.0), peak_max_dbfs=-3.0,
                        noise_floor_max_dbfs=-60.0),
}
assert set(TARGETS) == set(DELIVERIES), "plan.DELIVERIES and delivery.TARGETS must name the same targets"


def mix_settings(settings, delivery: str):
    """`settings` (a MixSettings) mastering for the delivery target."""
    t = TARGETS[delivery]
    return replace(settings, target_lufs=t.lufs if t.lufs is not None else settings.target_lufs,
                   true_peak_db=t.true_peak_db, target_rms_dbfs=t.rms_dbfs)


FLOOR_WINDOW_S = 0.5  # ACX measures room tone; here: the quietest half-second windows of the master


@dataclass(frozen=True)
class Check:
    name: str
    measured: str
    goal: str
    ok: bool

    def line(self) -> str:
        return f"{'✓' if self.ok else '✗'} {self.name}: {self.measured} (goal {self.goal})"


def _db(x: float) -> float:
    return 20 * np.log10(x) if x > 0 else float("-inf")


def noise_floor_dbfs(audio: np.ndarray, sr: int) -> float:
    """RMS of the quietest 5 % of half-second windows (the floor between sounds), in dBFS, 32 windows at a time
    (no float64 copy of a long master)."""
    x = np.asarray(audio, dtype=np.float32).reshape(audio.shape[0], -1)
    w = max(1, int(FLOOR_WINDOW_S * sr))
    n = x.shape[0] // w
    if n == 0:
        return mean_square_db(x, sr)
    windows = x[: n * w].reshape(n, -1)
    ms = np.concatenate([np.einsum("ij,ij->i", b, b, dtype=np.float64)
                         for b in np.array_split(windows, -(-n // 32))])
    quiet = np.sort(ms / windows.shape[1])[: max(1, n // 20)]
    return _db(float(np.sqrt(quiet.mean())))


def report(audio: np.ndarray, sr: int, delivery: str, loudness: float | None = None,
           true_peak: float | None = None) -> list[Check]:
    """Every requirement of the target, measured on the master (pass `loudness`/`true_peak` when known)."""
    t = TARGETS[delivery]
    lufs = integrated_loudness(audio, sr) if loudness is None else loudness
    tp = true_peak_db(audio, sr) if true_peak is None else true_peak
    checks = []
    if t.lufs is not None:
        checks.append(Check("integrated loudness", f"{lufs:.1f} LUFS", f"{t.lufs:g} ± {t.lufs_tolerance:g} LU",
                            bool(abs(lufs - t.lufs) <= t.lufs_tolerance)))
    checks.append(Check("true peak", f"{tp:.1f} dBTP", f"≤ {t.true_peak_db:g} dBTP", bool(tp <= t.true_peak_db + 1e-6)))
    x = np.asarray(audio, dtype=np.float32)
    if t.rms_range_dbfs is not None:
        rms = mean_square_db(x, sr)
        lo, hi = t.rms_range_dbfs
        checks.append(Check("RMS", f"{rms:.1f} dBFS", f"{lo:g} to {hi:g} dBFS", bool(lo <= rms <= hi)))
    if t.peak_max_dbfs is not None:
        peak = _db(float(np.abs(x).max())) if x.size else float("-inf")
        checks.append(Check("sample peak", f"{peak:.1f} dBFS", f"≤ {t.peak_max_dbfs:g} dBFS",
                            bool(peak <= t.peak_max_dbfs)))
    if t.noise_floor_max_dbfs is not None:
        floor = noise_floor_dbfs(x, sr)
        checks.append(Check("noise floor (quietest half-seconds)", f"{floor:.1f} dBFS",
                            f"≤ {t.noise_floor_max_dbfs:g} dBFS — beds under narration raise it",
                            bool(floor <= t.noise_floor_max_dbfs)))
    return checks
