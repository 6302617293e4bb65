"""Understanding benchmark: does the planner keep what an instruction asks for?

    python -m bench understanding                    # the held-out set (bench/understanding/test.json), rules planner
    python -m bench understanding --set dev2 --misses   # a tuning set (dev, dev2, dev3), with what it misses
    python -m bench understanding --planners rules,server   # side by side when $AUDIOSTORY_PLANNER_URL is set
    python -m bench understanding --update-readme

The prompts and their expected items were written by someone who never saw a planner's output (format:
bench/understanding/README.md), none from presets/. Every asked item counts once: the stated length; each given line,
verbatim and with its speaker; each stated voice attribute or voice word of each speaker; each stated music field;
each named sound event; the stated setting (indoor/outdoor, weather, time of day); narration when narration is asked.
Score = items present and correct / items asked, per category and overall. Reported beside it, never hidden in it:
lines invented where the prompt gives all the dialogue, prompts read aloud that ask for no speech, forbidden sounds
planned (crickets in a museum), and seconds per plan. Everything is measured on the plan as the renderer will read it
(`engine.render.resolved_attributes`: the attributes a voice or the composer actually gets).
"""

from __future__ import annotations

import json
import re
import statistics
import time
import unicodedata
from pathlib import Path

from engine import instruct
from engine.plan import Plan
from engine.render import resolved_attributes

HERE = Path(__file__).resolve().parent / "understanding"
CATEGORIES = ("terse", "literary", "dialogue", "voice", "music-only", "sound-only", "no-duration", "unusual",
              "narration")
_INDOOR = {"indoor", "hall", "church", "bathroom", "car", "cave", "tunnel"}
_OUTDOOR = {"outdoor", "street", "forest", "city", "beach", "countryside"}
_WEATHER_WORDS = {"rain": ("rain", "drizzle", "downpour", "雨"), "snow": ("snow", "blizzard", "雪"),
                  "storm": ("storm", "thunder", "风暴", "暴风", "雷"), "wind": ("wind", "gust", "gale", "风"),
                  "hail": ("hail", "冰雹"), "fog": ("fog", "mist", "雾")}
_TIME_WORDS = {"night": ("night", "midnight", "dark", "夜", "晚上"), "morning": ("morning", "dawn", "sunrise", "早", "晨"),
               "day": ("day", "noon", "afternoon", "白天", "午"), "evening": ("evening", "dusk", "sunset", "傍晚", "黄昏")}


# --- text helpers ---------------------------------------------------------------------------------------------
def _norm(text: str) -> str:
    """Casefolded words and Han characters only: quotes, punctuation and spacing do not change a line."""
    text = unicodedata.normalize("NFKC", text or "").casefold().replace("’", "'")
    return re.sub(r"[^\w']+", " ", text).strip()


def _contains(haystack: str, needle: str) -> bool:
    """The needle as written, at the start of a word in English ("door" in "doors", not in "indoors")."""
    if not needle:
        return False
    want, text = _norm(needle), _norm(haystack)
    if re.search(r"[\u3400-\u9fff]", want):
        return want in text
    return re.search(r"(?<!\w)" + re.escape(want), text) is not None


def _speaker_matches(character: str | None, expected: str | None) -> bool:
    """A character is the expected speaker when the names agree, or one's last word (a role) is the other's
    ("old man" ~ "Old Man" ~ "Man", "小女孩" ~ "女孩")."""
    if expected is None:
        return character is not None
    if not character:
        return False
    a, b = _norm(character), _norm(expected)
    if re.search(r"[\u3400-\u9fff]", a + b):  # a Chinese role is its last two characters (年轻导游 ~ 女导游)
        return a in b or b in a or a[-2:] == b[-2:]
    # English compares whole words: "Man" is the "older man", never the "woman"
    wa, wb = a.split(), b.split()
    return set(wa) <= set(wb) or set(wb) <= set(wa) or wa[-1] == wb[-1]


# --- scoring one plan -----------------------------------------------------------------------------------------
def score(plan: Plan, expect: dict) -> dict:
    """Asked items and the ones the plan got right, by kind, plus the violations reported beside the score."""
    items: list[tuple[str, bool, str]] = []  # (kind, correct, what)

    def item(kind: str, ok: bool, what: str) -> None:
        items.append((kind, bool(ok), what))

    speech = [s for s in plan.segments if s.kind == "speech"]
    sounds = [s for s in plan.segments if s.kind == "sound"]
    music = [s for s in plan.segments if s.kind == "music"]
    if expect.get("duration"):
        item("duration", abs(plan.target_duration - float(expect["duration"])) <= 0.01 * float(expect["duration"]) + 0.05,
             f"length {expect['duration']} s")

    expected_lines = expect.get("lines") or []
    for line in expected_lines:
        said = [s for s in speech if _norm(s.text) == _norm(line["text"])]
        item("lines", any(_speaker_matches(s.character, line.get("speaker")) for s in said),
             f"line {line['text'][:40]!r} by {line.get('speaker')}")

    for speaker, voice in (expect.get("voices") or {}).items():
        theirs = [s for s in speech if _speaker_matches(s.character, speaker)]
        attrs = resolved_attributes(plan, theirs[0]) if theirs else {}
        ch = plan.character(theirs[0].character) if theirs else None
        words_blob = " ".join([ch.voice.instruction if ch else ""] + [s.instruction + " " + s.caption for s in theirs])
        for field in ("gender", "age", "emotion", "style"):
            if voice.get(field):
                want = voice[field]
                if field in ("emotion", "style"):  # the prompt's word in engine.instruct's terms (anxious → fearful)
                    want = getattr(instruct.parse_speech(want), field) or want
                got = attrs.get(field)
                ok = got == want or (field == "age" and want == "adult" and theirs and got is None)
                item("voices", ok, f"{speaker} {field} {want} (got {got})")
        if voice.get("pace"):
            pace = attrs.get("pace") or 1.0
            item("voices", pace < 1.0 if voice["pace"] == "slow" else pace > 1.0, f"{speaker} pace {voice['pace']}")
        for word in voice.get("words") or []:
            item("voices", _contains(words_blob, word), f"{speaker} voice word {word!r}")

    asked_music = expect.get("music") or {}
    if asked_music:
        got = [resolved_attributes(plan, s) for s in music]
        blob = " ".join(s.caption + " " + s.instruction for s in music)
        if asked_music.get("genre"):
            want = instruct.parse_music(asked_music["genre"]).genre
            item("music", any(g.get("genre") == want and want for g in got) or _contains(blob, asked_music["genre"]),
                 f"genre {asked_music['genre']}")
        for name in asked_music.get("instruments") or []:
            want = (instruct.parse_music(name).instruments or [None])[0]
            item("music", any(want in (g.get("instruments") or []) for g in got if want) or _contains(blob, name),
                 f"instrument {name}")
        if asked_music.get("tempo_bpm"):
            item("music", any(abs((g.get("tempo_bpm") or 0) - float(asked_music["tempo_bpm"])) <= 1 for g in got),
                 f"{asked_music['tempo_bpm']} BPM")
        if asked_music.get("key"):
            want_key = instruct.parse_music(f"in {asked_music['key']} major").key
            item("music", any(g.get("key") in (want_key, asked_music["key"]) for g in got), f"key {asked_music['key']}")
        if asked_music.get("mode"):
            item("music", any(g.get("mode") == asked_music["mode"] for g in got), f"mode {asked_music['mode']}")
        if asked_music.get("mood"):
            want = instruct.parse_music(asked_music["mood"]).mood
            item("music", any(g.get("mood") == want and want for g in got) or _contains(blob, asked_music["mood"]),
                 f"mood {asked_music['mood']}")

    heard = " ".join(s.caption + " " + s.instruction for s in sounds + music)
    for alternatives in expect.get("events") or []:
        item("events", any(_contains(heard, a) for a in alternatives), f"event {alternatives[0]!r}")

    setting = expect.get("setting") or {}
    if setting.get("environment"):
        envs = [resolved_attributes(plan, s).get("environment") for s in sounds]
        envs = [e for e in envs if e]
        inside = sum(e in _INDOOR for e in envs)
        outside = sum(e in _OUTDOOR for e in envs)
        ok = inside > outside if setting["environment"] == "indoor" else outside > inside
        item("setting", ok, f"{setting['environment']} (indoor {inside}, outdoor {outside})")
    if setting.get("weather"):
        item("setting", any(_contains(heard, w) for w in _WEATHER_WORDS.get(setting["weather"], (setting["weather"],))),
             f"weather {setting['weather']}")
    if setting.get("time"):
        blob = heard + " " + " ".join(s.caption for s in speech)
        item("setting", any(_contains(blob, w) for w in _TIME_WORDS.get(setting["time"], (setting["time"],))),
             f"time {setting['time']}")
    if expect.get("narration"):
        item("narration", bool(speech), "narration planned")

    mode = expect.get("speech", "free")
    invented = 0
    if mode == "quotes_only":
        given = {_norm(line["text"]) for line in expected_lines}
        invented = sum(_norm(s.text) not in given for s in speech)
    read_aloud = mode == "none" and bool(speech)
    forbidden = [a[0] for a in expect.get("forbid") or [] if any(_contains(heard, x) for x in a)]
    return {"items": items, "invented_lines": invented, "read_aloud": read_aloud, "forbidden": forbidden}


# --- running a set --------------------------------------------------------------------------------------------
def load(which: str) -> list[dict]:
    path = HERE / f"{which}.json"
    prompts = json.loads(path.read_text(encoding="utf-8"))
    ids = [p["id"] for p in prompts]
    if len(set(ids)) != len(ids):
        raise SystemExit(f"{path}: prompt ids are not unique")
    return prompts


def planner_for(name: str):
    """The planner a name stands for, through the same door users take (engine.studio / engine.session)."""
    from engine.studio import Studio, StudioSettings

    if name == "rules":
        return Studio(StudioSettings(profile="offline")).session.planner()
    return Studio(StudioSettings(profile="offline", planner=name)).session.planner()


def run_set(prompts: list[dict], planner) -> dict:
    per_prompt = []
    for p in prompts:
        t = time.perf_counter()
        try:
            plan = planner.plan(p["instruction"])
            error = None
        except Exception as e:  # noqa: BLE001 - a prompt the planner refuses scores 0 for every item it asked
            plan, error = None, f"{type(e).__name__}: {e}"
        seconds = time.perf_counter() - t
        if plan is None:
            result = {"items": [], "invented_lines": 0, "read_aloud": False, "forbidden": []}
            asked = _count_asked(p["expect"])
            result["items"] = [("error", False, error)] * asked
        else:
            result = score(plan, p["expect"])
        per_prompt.append({"id": p["id"], "category": p["category"], "language": p["language"], "seconds": seconds,
                           "error": error, **result})
    return {"prompts": per_prompt}


def _count_asked(expect: dict) -> int:
    """How many items a prompt asks for (the size of its score when the planner fails outright)."""
    empty = Plan.from_dict({"segments": [{"id": "x", "kind": "sound", "duration": 1.0, "caption": "x"}],
                            "target_duration": 1.0})
    return max(1, len(score(empty, expect)["items"]))


def summary(result: dict) -> dict:
    prompts = result["prompts"]
    rows = {}
    for cat in CATEGORIES + ("all",):
        chosen = [p for p in prompts if cat == "all" or p["category"] == cat]
        if not chosen:
            continue
        items = [i for p in chosen for i in p["items"]]
        rows[cat] = {"prompts": len(chosen), "asked": len(items), "correct": sum(ok for _, ok, _ in items),
                     "invented_lines": sum(p["invented_lines"] for p in chosen),
                     "read_aloud": sum(p["read_aloud"] for p in chosen),
                     "forbidden": sum(len(p["forbidden"]) for p in chosen)}
    kinds = {}
    for kind in ("duration", "lines", "voices", "music", "events", "setting", "narration"):
        items = [i for p in prompts for i in p["items"] if i[0] == kind]
        if items:
            kinds[kind] = (sum(ok for _, ok, _ in items), len(items))
    langs = {}
    for lang in ("en", "zh"):
        items = [i for p in prompts if p["language"] == lang for i in p["items"]]
        if items:
            langs[lang] = (sum(ok for _, ok, _ in items), len(items))
    return {"categories": rows, "kinds": kinds, "languages": langs,
            "seconds_per_plan": statistics.mean(p["seconds"] for p in prompts),
            "seconds_max": max(p["seconds"] for p in prompts)}


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.0f} % ({a}/{b})" if b else "–"


def table(results: dict[str, dict], which: str, n: int) -> str:
    names = list(results)
    sums = {name: summary(r) for name, r in results.items()}
    lines = [f"### Understanding ({which} set: {n} prompts the planner was not tuned on)", "",
             "| category | prompts | " + " | ".join(f"{name}: asked items kept" for name in names) + " |",
             "|---|---:|" + "---:|" * len(names)]
    for cat in CATEGORIES + ("all",):
        first = sums[names[0]]["categories"].get(cat)
        if not first:
            continue
        cells = [_pct(sums[n]["categories"][cat]["correct"], sums[n]["categories"][cat]["asked"]) for n in names]
        label = "**all**" if cat == "all" else cat
        lines.append(f"| {label} | {first['prompts']} | " + " | ".join(cells) + " |")
    lines += ["", "| item kind | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for kind in ("duration", "lines", "voices", "music", "events", "setting", "narration"):
        if kind in sums[names[0]]["kinds"]:
            lines.append(f"| {kind} | " + " | ".join(_pct(*sums[n]["kinds"].get(kind, (0, 0))) for n in names) + " |")
    for lang in ("en", "zh"):
        if lang in sums[names[0]]["languages"]:
            lines.append(f"| {'English' if lang == 'en' else 'Chinese'} prompts | "
                         + " | ".join(_pct(*sums[n]["languages"].get(lang, (0, 0))) for n in names) + " |")
    lines += ["", "| reported beside the score | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for key, label in (("invented_lines", "lines invented where the prompt gives all the dialogue"),
                       ("read_aloud", "prompts asking for no speech that were read aloud"),
                       ("forbidden", "sounds the prompt rules out (crickets in a museum)")):
        lines.append(f"| {label} | " + " | ".join(str(sums[n]["categories"]["all"][key]) for n in names) + " |")
    lines.append("| seconds per plan (mean / max) | " + " | ".join(
        f"{sums[n]['seconds_per_plan']:.3f} / {sums[n]['seconds_max']:.3f}" for n in names) + " |")
    return "\n".join(lines)


def misses(result: dict, limit: int = 200) -> list[str]:
    out = []
    for p in result["prompts"]:
        for kind, ok, what in p["items"]:
            if not ok:
                out.append(f"{p['id']}: {kind}: {what}")
        if p["invented_lines"]:
            out.append(f"{p['id']}: {p['invented_lines']} invented line(s)")
        if p["read_aloud"]:
            out.append(f"{p['id']}: read aloud")
        for f in p["forbidden"]:
            out.append(f"{p['id']}: forbidden sound {f!r}")
    return out[:limit]


def run(which: str = "test", planners: list[str] | None = None, update_readme: bool = False,
        show_misses: bool = False) -> str:
    prompts = load(which)
    results = {}
    for name in planners or ["rules"]:
        results[name] = run_set(prompts, planner_for(name))
    md = table(results, which, len(prompts))
    out = HERE.parent / "results" / f"understanding_{which}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({n: {"summary": summary(r), **r} for n, r in results.items()}, ensure_ascii=False,
                              indent=1, default=str), encoding="utf-8")
    if show_misses:
        for name, r in results.items():
            print(f"--- misses of {name}")
            print("\n".join(misses(r)))
    if update_readme:
        from .report import save

        save("understanding", md, update_readme=True)
    return md
