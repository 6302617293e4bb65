"""Text helpers every part of the engine shares: what counts as Chinese, and which language a text is in.

One definition, so the planner, the voices, the checks and the UI never disagree about a line's language.
"""

from __future__ import annotations

import re

# CJK Unified Ideographs, Extension A and the compatibility block: every Han character a story may contain
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
CJK_CLASS = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # for building character classes: rf"[{CJK_CLASS}]"
_LATIN_WORD = re.compile(r"[A-Za-z]+")


def has_cjk(text: str) -> bool:
    return bool(CJK.search(text or ""))


def is_chinese(text: str, language: str = "") -> bool:
    """A line is spoken as Chinese when its language says so or when it contains Han characters."""
    return (language or "").lower().startswith("zh") or has_cjk(text)


def detect_language(text: str, default: str = "en") -> str:
    """'zh' when Chinese characters outnumber Latin words, else `default`."""
    cjk = len(CJK.findall(text or ""))
    latin = len(_LATIN_WORD.findall(text or ""))
    return "zh" if cjk and cjk >= latin else default
