"""Command line: python -m engine plan | render | regen | export | info.

Exit codes: 0 done; 1 finished but some segments failed; 2 bad input (the message says what to fix);
130 interrupted (finished takes are already saved in the project).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import audio as audio_io
from .plan import DELIVERIES, PlanError
from .project import Project, ProjectError

EXIT_OK, EXIT_PARTIAL, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


def _session(profile: str | None):
    from .session import Session

    return Session(profile or "auto")


def _progress_bar(total_hint: int = 0):
    from tqdm import tqdm

    bar = tqdm(total=total_hint, unit="clip", file=sys.stderr, dynamic_ncols=True, leave=False)

    def update(p):
        bar.total = p.total
        bar.n = p.done
        bar.set_description_str(p.message[:40])
        bar.refresh()

    return bar, update


def cmd_plan(a) -> int:
    session = _session(a.profile)
    plan = session.plan(a.instruction, duration=a.duration, language=a.language, seed=a.seed)
    out = Path(a.output)
    if out.suffix != ".json":  # a folder: the project's plan goes to <folder>/plan.json
        out = out / "plan.json"
    proj = Project.create(out.parent, plan, out.name)
    print(f"wrote {proj.root / proj.plan_file} ({len(plan.segments)} segments, {plan.target_duration:.1f} s planned); "
          f"render it with: python -m engine render {out}")
    for note in plan.notes:
        print(f"note: {note}")
    return EXIT_OK


def _open(path: str) -> Project:
    proj = Project.open(path)
    for problem in proj.problems:
        print(f"warning: {problem}", file=sys.stderr)
    return proj


def _render(proj: Project, session, quiet: bool):
    from .render import Renderer

    r = Renderer(session, proj)
    bar, update = (None, None) if quiet else _progress_bar()
    try:
        report = r.render(progress=update)
    finally:
        if bar is not None:
            bar.close()
    for sid, err in report.failed.items():
        print(f"segment {sid} failed: {err}", file=sys.stderr)
    return r, report


def _apply_delivery(proj: Project, a) -> None:
    """--delivery: master for that target from now on (saved in the plan)."""
    if getattr(a, "delivery", None) and a.delivery != proj.plan.delivery:
        proj.plan.delivery = a.delivery
        proj.save()


def _write_outputs(r, a, result, timeline) -> None:
    from .delivery import TARGETS, report

    out = Path(a.output)
    audio_io.write(out, result.audio, result.sample_rate, getattr(a, "format", None))
    print(f"wrote {out} ({result.audio.shape[0] / result.sample_rate:.2f} s, {result.loudness:.1f} LUFS, "
          f"true peak {result.true_peak_db:.1f} dBTP)")
    print(f"delivery: {TARGETS[r.plan.delivery].label}")
    for check in report(result.audio, result.sample_rate, r.plan.delivery, result.loudness, result.true_peak_db):
        print(f"  {check.line()}")
    if getattr(a, "stems", False):
        z = out.with_name(out.stem + "_stems.zip")
        z.write_bytes(audio_io.stems_zip(result.master_stems(), result.sample_rate))
        print(f"wrote {z}")
    if getattr(a, "captions", False):
        for ext, fn in (("srt", audio_io.srt), ("vtt", audio_io.vtt)):
            f = out.with_suffix("." + ext)
            f.write_text(fn(r.plan, timeline), encoding="utf-8")
            print(f"wrote {f}")
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)


def cmd_render(a) -> int:
    proj = _open(a.plan)
    _apply_delivery(proj, a)
    session = _session(a.profile)
    r, report = _render(proj, session, a.quiet)
    result, timeline = r.mix(stems=a.stems)
    _write_outputs(r, a, result, timeline)
    print(f"rendered {len(report.rendered)}, reused {len(report.cached)}, locked {len(report.locked)}, "
          f"failed {len(report.failed)}")
    return EXIT_PARTIAL if report.failed else EXIT_OK


def cmd_regen(a) -> int:
    from .render import Renderer

    proj = _open(a.plan)
    _apply_delivery(proj, a)
    r = Renderer(_session(a.profile), proj)
    seg = proj.plan.segment(a.segment)
    if a.caption is not None:
        seg.caption = a.caption
    if a.instruction is not None:
        seg.instruction = a.instruction
    if a.text is not None:
        seg.text = a.text
    if a.seed is not None:
        seg.seed = a.seed
    take = r.regenerate(a.segment, new_seed=a.seed is None and a.caption is None and a.instruction is None
                        and a.text is None)
    print(f"segment {a.segment}: new take {take.id} (seed {take.seed}, {take.duration:.2f} s)")
    if a.output:
        _render(proj, r.session, True)
        result, timeline = r.mix(stems=a.stems)
        _write_outputs(r, a, result, timeline)
    return EXIT_OK


def cmd_export(a) -> int:
    proj = _open(a.plan)
    out = Path(a.output)
    ext = out.suffix.lower().lstrip(".")
    if ext == "zip":
        out.write_bytes(proj.export_zip())
        print(f"wrote project archive {out}")
        return EXIT_OK
    from .render import Renderer

    _apply_delivery(proj, a)
    r = Renderer(_session(a.profile), proj)
    missing = [s.id for s in proj.plan.segments if s.take() is None or s.take().path is None]
    if missing:
        print(f"warning: not rendered yet, silent in the export: {', '.join(missing)} "
              f"(run `python -m engine render {a.plan}` first)", file=sys.stderr)
    result, timeline = r.mix(stems=getattr(a, "stems", False))
    if ext in ("srt", "vtt"):
        out.write_text((audio_io.srt if ext == "srt" else audio_io.vtt)(proj.plan, timeline), encoding="utf-8")
        print(f"wrote {out}")
        return EXIT_OK
    _write_outputs(r, a, result, timeline)
    return EXIT_OK


def cmd_info(a) -> int:
    print(json.dumps(_session(a.profile).info(), indent=2, ensure_ascii=False))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m engine", description="AudioStory Studio engine")
    sub = ap.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--profile", default=None, help="model profile: offline (default on CPU), auto, …")

    p = sub.add_parser("plan", help="instruction → plan.json")
    p.add_argument("instruction")
    p.add_argument("--duration", type=float, default=None, help="target seconds (else read from the text)")
    p.add_argument("--language", choices=["en", "zh"], default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", default="story/plan.json", help="plan.json path or project folder")
    common(p)
    p.set_defaults(fn=cmd_plan)

    p = sub.add_parser("render", help="render every dirty clip, mix and master")
    p.add_argument("plan", help="project folder or its plan.json")
    p.add_argument("-o", "--output", default="story.wav")
    p.add_argument("--format", choices=list(audio_io.FORMATS), default=None)
    p.add_argument("--stems", action="store_true", help="also write <output>_stems.zip")
    p.add_argument("--captions", action="store_true", help="also write .srt and .vtt captions")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("--delivery", choices=DELIVERIES, default=None,
                   help="master for this target from now on (saved in the plan; default: the plan's, podcast)")
    common(p)
    p.set_defaults(fn=cmd_render)

    p = sub.add_parser("regen", help="new take of one segment (new seed, or after editing it)")
    p.add_argument("plan")
    p.add_argument("segment")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--caption", default=None)
    p.add_argument("--instruction", default=None)
    p.add_argument("--text", default=None)
    p.add_argument("-o", "--output", default=None, help="also remix to this file")
    p.add_argument("--delivery", choices=DELIVERIES, default=None,
                   help="master for this target from now on (saved in the plan; default: the plan's, podcast)")
    p.add_argument("--stems", action="store_true")
    p.add_argument("--captions", action="store_true")
    common(p)
    p.set_defaults(fn=cmd_regen)

    p = sub.add_parser("export", help="mix (wav/flac/mp3/ogg), captions (srt/vtt) or project archive (zip)")
    p.add_argument("plan")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--delivery", choices=DELIVERIES, default=None,
                   help="master for this target from now on (saved in the plan; default: the plan's, podcast)")
    p.add_argument("--stems", action="store_true")
    common(p)
    p.set_defaults(fn=cmd_export)

    p = sub.add_parser("info", help="profile, device, models")
    common(p)
    p.set_defaults(fn=cmd_info)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except (PlanError, ProjectError, audio_io.AudioFileError, ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted; finished clips are saved in the project", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
