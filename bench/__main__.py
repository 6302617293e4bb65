"""python -m bench speed|quality|understanding|gpu [--update-readme] [options]"""

import argparse
import sys

from . import quality, speed


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("what", choices=["speed", "quality", "understanding", "gpu"])
    ap.add_argument("--update-readme", action="store_true", help="replace the table in README.md")
    q = ap.add_argument_group("quality")
    q.add_argument("--quick", action="store_true", help="3 short stories and a small control sweep (~1 min)")
    q.add_argument("--all", action="store_true", help="all 30 preset stories")
    q.add_argument("--stories", help="comma-separated story ids from presets/stories.json")
    q.add_argument("--limit", type=int, help="at most this many stories of the chosen set")
    q.add_argument("--auto-retake", type=int, default=2, help="retakes per failing clip (0: check only)")
    q.add_argument("--no-asr", action="store_true", help="skip the Whisper round-trip")
    u = ap.add_argument_group("understanding")
    u.add_argument("--set", default="test", choices=["test", "dev", "dev2", "dev3"],
                   help="held-out prompts (default) or a tuning set (dev, dev2, dev3)")
    u.add_argument("--planners", default="rules", help="comma-separated: rules, local, server (side by side)")
    u.add_argument("--misses", action="store_true", help="list every missed item (dev set only: the test set stays "
                                                         "unseen by whoever tunes the planner)")
    a = ap.parse_args()
    if a.what == "understanding":
        from . import understanding

        if a.misses and a.set == "test":
            ap.error("--misses is for the dev set; the test set's misses are not for tuning")
        print(understanding.run(a.set, a.planners.split(","), a.update_readme, a.misses))
        return
    if a.what == "gpu":  # full-size random-weight models on a CUDA GPU (bench/gpu.py)
        from . import gpu

        sys.exit(gpu.main(["--update-readme"] if a.update_readme else []))
    if a.what == "speed":
        print(speed.run(a.update_readme))
    else:
        print(quality.run(a.update_readme, limit=a.limit, quick=a.quick, all_stories=a.all,
                          only=a.stories.split(",") if a.stories else None, auto_retake=a.auto_retake,
                          asr=not a.no_asr))


if __name__ == "__main__":
    main()
