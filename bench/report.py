"""Markdown tables for benchmark results, and splicing them into README between markers."""

from __future__ import annotations

import platform
import re
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def table(rows: list[dict], columns: list[str]) -> str:
    out = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(r.get(c, "")) for c in columns) + " |")
    return "\n".join(out)


def machine() -> str:
    import os

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def save(name: str, markdown: str, update_readme: bool, measured: str | None = None) -> Path:
    """`measured`: when and where, if not now and here (tables made from a run saved on another machine)."""
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = f"{markdown}\n\n_Measured {measured or f'{stamp} on {machine()}'} by `python -m bench {name}`._\n"
    out = ROOT / "bench" / "results" / f"{name}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body, encoding="utf-8")
    if update_readme:
        readme = ROOT / "README.md"
        text = readme.read_text(encoding="utf-8")
        begin, end = f"<!-- bench:{name}:begin -->", f"<!-- bench:{name}:end -->"
        if begin not in text:
            raise SystemExit(f"README.md has no {begin} marker")
        text = re.sub(re.escape(begin) + r".*?" + re.escape(end), f"{begin}\n{body}{end}", text, flags=re.S)
        readme.write_text(text, encoding="utf-8")
    return out
