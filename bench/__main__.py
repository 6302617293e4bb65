"""python -m bench speed [--update-readme]"""

import argparse

from . import speed


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("what", choices=["speed"])
    ap.add_argument("--update-readme", action="store_true", help="replace the table in README.md")
    a = ap.parse_args()
    print({"speed": speed.run}[a.what](a.update_readme))


if __name__ == "__main__":
    main()
