"""Figures: the story timeline (tracks above the mix spectrogram, time-aligned), clip spectrograms, and
pitch/energy contours for comparing voices. matplotlib with the Agg backend (no display needed)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .plan import Plan  # noqa: E402

from .timing import Timeline  # noqa: E402

_CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
              "Droid Sans Fallback")
_CJK_FILES = ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "wqy-zenhei.ttc", "wqy-microhei.ttc",
              "DroidSansFallbackFull.ttf")


def _cjk_fallback() -> None:
    """Chinese captions: matplotlib's default font has no CJK glyphs (they draw as boxes) and its font cache may
    predate the system's CJK fonts, so register one and use it as a per-glyph fallback. Runs once."""
    import glob

    from matplotlib import font_manager, rcParams

    known = {f.name for f in font_manager.fontManager.ttflist}
    if not any(n in known for n in _CJK_FONTS):
        for name in _CJK_FILES:
            for path in glob.glob(f"/usr/share/fonts/**/{name}", recursive=True):
                font_manager.fontManager.addfont(path)
        known = {f.name for f in font_manager.fontManager.ttflist}
    cjk = next((n for n in _CJK_FONTS if n in known), None)
    if cjk:
        rcParams["font.family"] = ["DejaVu Sans", cjk]


_cjk_fallback()

KIND_COLOURS = {"sound": "#4C9BE8", "speech": "#F28E2B", "music": "#59A14F"}
ERROR_COLOUR = "#D62728"


def _spectrogram(ax, audio: np.ndarray, sr: int, max_freq: float = 11025.0) -> None:
    a = np.asarray(audio, dtype=np.float32)
    if a.ndim == 2:
        a = a.mean(axis=1)
    # cap the number of frames so a 10-minute mix draws as fast as a 10-second one
    nfft = 1024
    hop = max(256, int(np.ceil(len(a) / 2000)))
    if len(a) < nfft:
        a = np.pad(a, (0, nfft - len(a)))
    n_frames = 1 + (len(a) - nfft) // hop
    idx = np.arange(nfft)[None, :] + hop * np.arange(n_frames)[:, None]
    spec = np.abs(np.fft.rfft(a[idx] * np.hanning(nfft), axis=1)) ** 2
    db = 10 * np.log10(spec.T + 1e-10)
    top = db.max() if db.size else 0
    freqs = np.fft.rfftfreq(nfft, 1 / sr)
    keep = freqs <= max_freq
    ax.imshow(db[keep], origin="lower", aspect="auto", cmap="magma", vmin=top - 80, vmax=top,
              extent=(0, len(a) / sr, 0, freqs[keep][-1] / 1000))
    ax.set_ylabel("kHz")


def timeline_figure(plan: Plan, timeline: Timeline, mix: np.ndarray | None = None, sr: int | None = None,
                    flagged: dict[str, str] | None = None, width: float = 12.0) -> Figure:
    """Foreground and background lanes (blocks coloured by kind, labelled with captions) above the mix
    spectrogram on the same time axis. `flagged` maps segment id → problem; those blocks get a red edge."""
    flagged = flagged or {}
    rows = 2 if mix is not None else 1
    fig, axes = plt.subplots(rows, 1, figsize=(width, 4.2 if rows == 2 else 2.2), sharex=True,
                             gridspec_kw={"height_ratios": [1.1, 1.0][:rows]}, squeeze=False)
    ax = axes[0, 0]
    lanes = {"foreground": 1, "background": 0}
    for p in timeline.placements:
        seg = plan.segment(p.segment_id)
        y = lanes[p.track]
        colour = KIND_COLOURS[p.kind]
        edge = ERROR_COLOUR if p.segment_id in flagged else "white"
        ax.broken_barh([(p.start, p.duration)], (y + 0.08, 0.84), facecolors=colour, alpha=0.75,
                       edgecolor=edge, linewidth=2 if p.segment_id in flagged else 0.8)
        label = seg.text if seg.kind == "speech" else seg.caption
        label = f"{p.segment_id} {label}".strip()
        txt = ax.text(p.start + 0.1, y + 0.5, label, va="center", ha="left", fontsize=7, color="black")
        # each label stays inside its own block instead of running over its neighbours
        txt.set_clip_path(plt.Rectangle((p.start, y), p.duration, 1.0, transform=ax.transData))
        txt.set_clip_on(True)
    ax.set_yticks([0.5, 1.5], ["background", "foreground"])
    ax.set_ylim(0, 2)
    ax.set_xlim(0, max(timeline.total, 1.0))
    handles = [plt.Rectangle((0, 0), 1, 1, color=c, alpha=0.75) for c in KIND_COLOURS.values()]
    ax.legend(handles, list(KIND_COLOURS), loc="upper right", fontsize=7, ncol=3, framealpha=0.8)
    ax.set_title(plan.title, fontsize=10, loc="left")
    if mix is not None and sr:
        _spectrogram(axes[1, 0], mix, sr)
    axes[-1, 0].set_xlabel("seconds")
    fig.tight_layout()
    return fig


def clip_figure(audio: np.ndarray, sr: int, title: str = "", width: float = 6.0) -> Figure:
    fig, ax = plt.subplots(figsize=(width, 2.0))
    _spectrogram(ax, audio, sr)
    ax.set_xlabel("seconds")
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    fig.tight_layout()
    return fig


def contours_figure(takes: list[tuple[str, np.ndarray, int]], width: float = 12.0) -> Figure:
    """Overlaid pitch (F0) and energy contours plus one spectrogram per rendering, for the contrast view."""
    from .analysis import frame_db
    from .analysis_speech import f0_track

    n = len(takes)
    fig = plt.figure(figsize=(width, 3.0 + 1.6 * ((n + 1) // 2)))
    grid = fig.add_gridspec(2 + (n + 1) // 2, 2)
    ax_f0 = fig.add_subplot(grid[0, :])
    ax_en = fig.add_subplot(grid[1, :], sharex=ax_f0)
    for i, (label, audio, sr) in enumerate(takes):
        a = audio.mean(axis=1) if audio.ndim == 2 else audio
        t, f0 = f0_track(a, sr)
        ax_f0.plot(t, np.where(f0 > 0, f0, np.nan), lw=1.4, label=label)
        db = frame_db(a, sr)
        ax_en.plot(np.arange(db.size) * 0.01, db, lw=1.0, label=label)
        sub = fig.add_subplot(grid[2 + i // 2, i % 2])
        _spectrogram(sub, a, sr, max_freq=6000)
        sub.set_title(label, fontsize=8, loc="left")
    ax_f0.set_ylabel("F0 (Hz)")
    ax_f0.legend(fontsize=7, loc="upper right")
    ax_en.set_ylabel("energy (dB)")
    ax_en.set_xlabel("seconds")
    fig.tight_layout()
    return fig
