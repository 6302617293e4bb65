"""python -m bench speed|quality|gpu [--update-readme] [quality options]"""

import argparse
import sys

from . import quality, speed


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("what", choices=["speed", "quality", "gpu"])
    ap.add_argument("--update-readme", action="store_true", help="replace the table in README.md")
    q = ap.add_argument_group("quality")
    q.add_argument("--quick", action="store_true", help="3 short stories and a small control sweep (~1 min)")
    q.add_argument("--all", action="store_true", help="all 30 preset stories")
    q.add_argument("--stories", help="comma-separated story ids from presets/stories.json")
    q.add_argument("--limit", type=int, help="at most this many stories of the chosen set")
    q.add_argument("--auto-retake", type=int, default=2, help="retakes per failing clip (0: check only)")
    q.add_argument("--no-asr", action="store_true", help="skip the Whisper round-trip")
    a = ap.parse_args()
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
