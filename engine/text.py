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


ZH_NUMERAL = "零〇一二两三四五六七八九十百半"  # the characters of a number written in Chinese ("九十", "一百二十", "两")
_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def zh_number(s: str) -> float:
    """A number in digits or Chinese numerals: "90", "九十", "一百二十", "十五", "半" (0.5), "两分半"'s "两" (2)."""
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        return float(s)
    if s == "半":
        return 0.5
    total, num = 0, 0
    for ch in s:
        if ch in _ZH_DIGITS:
            num = _ZH_DIGITS[ch]
        elif ch == "十":
            total += (num or 1) * 10
            num = 0
        elif ch == "百":
            total += (num or 1) * 100
            num = 0
        elif ch == "半":
            return total + num + 0.5
    return float(total + num)


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
