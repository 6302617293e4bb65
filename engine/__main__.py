"""Command line: python -m engine plan | render | regen | export | info — a shell over engine.studio.Studio.

Renders are checked and failing clips retaken as in the app (`--no-check` skips the checks); every warning is
printed to stderr with its segment id. Exit codes: 0 done; 1 finished, but a segment failed or failed its checks;
2 bad input (the message says what to fix); 130 interrupted (finished takes are already saved in the project).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import audio as audio_io
from .delivery import TARGETS
from .plan import DELIVERIES, PlanError
from .project import ProjectError
from .session import PLANNER_CHOICES
from .studio import Studio, StudioError, StudioSettings

EXIT_OK, EXIT_PARTIAL, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


def _studio(a, path: str | None = None) -> Studio:
    server = {key: value for key, value in (("url", getattr(a, "planner_url", None)),
                                            ("model", getattr(a, "planner_model", None))) if value}
    settings = StudioSettings(profile=a.profile or "auto", check=not getattr(a, "no_check", False),
                              auto_retake=getattr(a, "retakes", 1), delivery=getattr(a, "delivery", None),
                              planner=getattr(a, "planner", None) or "auto",
                              models={"roles": {"planner": server}} if server else None)
    studio = Studio(settings)
    if path is not None:
        for problem in studio.open(path):
            print(f"warning: {problem}", file=sys.stderr)
    return studio


def _render(studio: Studio, quiet: bool) -> None:
    from tqdm import tqdm

    with tqdm(total=0, unit="clip", file=sys.stderr, dynamic_ncols=True, leave=False, disable=quiet) as bar:
        def update(p):
            bar.total, bar.n = p.total, p.done
            bar.set_description_str(f"{p.phase} {p.segment_id or ''}".strip()[:40])
            bar.refresh()

        outcome = studio.render(progress=update)
    print(f"{'stopped' if outcome.cancelled else 'rendered'}: {outcome.summary()}")


def _report(studio: Studio) -> int:
    """Every notice on stderr with its segment id; EXIT_PARTIAL when a clip failed or failed its checks."""
    notices = studio.notices()
    print("\n".join(n.line() for n in notices), file=sys.stderr, end="\n" if notices else "")
    return EXIT_PARTIAL if any(n.kind in ("failed", "check") for n in notices) else EXIT_OK


def _export(studio: Studio, a) -> None:
    out = Path(a.output)
    ext = out.suffix.lower().lstrip(".")
    if ext in ("zip", "srt", "vtt"):
        done = studio.export("project" if ext == "zip" else ext, out)
        print(f"wrote {done.path}")
        return
    mixed = studio.mix(stems=getattr(a, "stems", False))
    done = studio.export(getattr(a, "format", None) or ext or "wav", out, mixed)
    r = done.result
    print(f"wrote {out} ({r.audio.shape[0] / r.sample_rate:.2f} s, {r.loudness:.1f} LUFS, "
          f"true peak {r.true_peak_db:.1f} dBTP)\ndelivery: {TARGETS[studio.plan.delivery].label}")
    print("\n".join(f"  {check.line()}" for check in studio.delivery_checks(r)))
    extra = [("stems", out.with_name(out.stem + "_stems.zip"))] if getattr(a, "stems", False) else []
    extra += [(k, out.with_suffix("." + k)) for k in ("srt", "vtt")] if getattr(a, "captions", False) else []
    for kind, path in extra:
        print(f"wrote {studio.export(kind, path, mixed).path}")
    missing = [f"not rendered yet, silent in the export: {', '.join(done.missing)}"] if done.missing else []
    for w in missing + r.warnings:
        print(f"warning: {w}", file=sys.stderr)


def cmd_plan(a) -> int:
    out = Path(a.output)
    folder, name = (out.parent, out.name) if out.suffix == ".json" else (out, "plan.json")
    studio = _studio(a)
    plan = studio.plan_story(a.instruction, folder, duration=a.duration, language=a.language, seed=a.seed,
                             plan_file=name)
    print(f"wrote {folder / name} ({len(plan.segments)} segments, {plan.target_duration:.1f} s planned); "
          f"render it with: python -m engine render {folder / name}")
    for notice in studio.notices(notes=True):
        print(notice.line(), file=sys.stdout if notice.kind == "note" else sys.stderr)
    return EXIT_OK


def cmd_render(a) -> int:
    studio = _studio(a, a.plan)
    _render(studio, a.quiet)
    _export(studio, a)
    return _report(studio)


def cmd_regen(a) -> int:
    studio = _studio(a, a.plan)
    studio.edit_segment(a.segment, caption=a.caption, text=a.text, instruction=a.instruction, seed=a.seed)
    take = studio.regenerate(a.segment, new_seed=all(x is None for x in (a.seed, a.caption, a.instruction, a.text)))
    print(f"segment {a.segment}: new take {take.id} (seed {take.seed}, {take.duration:.2f} s)")
    if a.output:
        _render(studio, True)
        _export(studio, a)
    return _report(studio)


def cmd_export(a) -> int:
    _export(_studio(a, a.plan), a)
    return EXIT_OK


def cmd_info(a) -> int:
    print(json.dumps(_studio(a).session.info(), indent=2, ensure_ascii=False))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m engine", description="AudioStory Studio engine")
    sub = ap.add_subparsers(dest="command", required=True)

    def command(name, fn, help, *args):
        p = sub.add_parser(name, help=help)
        for arg in args:
            p.add_argument(arg)
        p.add_argument("--profile", default=None, help="model profile: offline (default on CPU), auto, …")
        p.set_defaults(fn=fn)
        return p

    def mastering(p, output_default=None, required=False):
        p.add_argument("-o", "--output", default=output_default, required=required)
        p.add_argument("--delivery", choices=DELIVERIES, default=None,
                       help="master for this target from now on (saved in the plan; default: the plan's, podcast)")
        p.add_argument("--stems", action="store_true", help="also write <output>_stems.zip")

    def planning(p):
        p.add_argument("--planner", choices=PLANNER_CHOICES, default=None,
                       help="who plans: rules (instant, offline), local (the LLM on this GPU) or server (an "
                            "OpenAI-compatible LLM server); default: $AUDIOSTORY_PLANNER, else the profile's own "
                            "planner, or the server when one is set")
        p.add_argument("--planner-url", default=None,
                       help="the LLM server, e.g. http://localhost:11434/v1 (Ollama); default $AUDIOSTORY_PLANNER_URL")
        p.add_argument("--planner-model", default=None,
                       help="the server's model, e.g. qwen3:4b; default $AUDIOSTORY_PLANNER_MODEL, else the first "
                            "the server lists")

    def checks(p):
        p.add_argument("--no-check", action="store_true", help="do not check rendered clips (nor retake them)")
        p.add_argument("--retakes", type=int, default=1, help="new takes tried for a clip that fails (default 1)")

    p = command("plan", cmd_plan, "instruction → plan.json", "instruction")
    p.add_argument("--duration", type=float, default=None, help="target seconds (else read from the text)")
    p.add_argument("--language", choices=["en", "zh"], default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", default="story/plan.json", help="plan.json path or project folder")
    planning(p)

    p = command("render", cmd_render, "render every dirty clip, check it, mix and master", "plan")
    mastering(p, "story.wav")
    p.add_argument("--format", choices=list(audio_io.FORMATS), default=None)
    p.add_argument("--captions", action="store_true", help="also write .srt and .vtt captions")
    p.add_argument("-q", "--quiet", action="store_true")
    checks(p)

    p = command("regen", cmd_regen, "new take of one segment (new seed, or after editing it)", "plan", "segment")
    for field in ("--seed", "--caption", "--instruction", "--text"):
        p.add_argument(field, type=int if field == "--seed" else str, default=None)
    mastering(p)
    p.add_argument("--captions", action="store_true")
    checks(p)

    p = command("export", cmd_export, "mix (wav/flac/mp3/ogg), captions (srt/vtt) or project archive (zip)", "plan")
    mastering(p, required=True)

    planning(command("info", cmd_info, "profile, planner, device, models"))
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except (StudioError, PlanError, ProjectError, audio_io.AudioFileError, ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted; finished clips are saved in the project", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
