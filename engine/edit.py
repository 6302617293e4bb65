"""Edits to a plan: the editable segment table and characters table, and segment add/delete/move.

Pure functions over engine.plan.Plan (the app's tables, the CLI and scripts reach them through engine.studio). Every edit is applied to a copy and validated as a whole
(Plan.from_dict), so a rejected edit leaves the plan exactly as it was.

What comes back from a browser table is messy, and each case is handled here:
- numbers the user edited arrive as strings ('1.25', '１.５', '-3,5'); untouched ones as floats or NaN;
- a row added from the table menu arrives with '' in every cell (its id too): it is kept on screen as a
  pending row until something is typed in it, then it becomes a new segment with defaults;
- a column deleted from the menu is absent (its values are then left unchanged), an added one is ignored;
- the id, start and status columns are read-only: start comes from layout(), never from the table.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from .plan import MAX_DURATION_S, Plan, PlanError
from .timing import Timeline, layout

COLUMNS = ["id", "kind", "track", "start", "duration", "caption", "text", "character", "instruction", "gain_db",
           "status"]
DATATYPES = ["str", "str", "str", "number", "number", "str", "str", "str", "str", "number", "str"]
STATIC_COLUMNS = [COLUMNS.index(c) for c in ("id", "start", "status")]
CHARACTER_COLUMNS = ["name", "voice"]

KINDS = ("sound", "speech", "music")
TRACKS = ("foreground", "background")
_KIND_WORDS = {"音效": "sound", "声音": "sound", "sfx": "sound", "语音": "speech", "说话": "speech",
               "voice": "speech", "音乐": "music"}
_TRACK_WORDS = {"fg": "foreground", "bg": "background", "前景": "foreground", "背景": "background"}
_NEW_CAPTION = {"en": "Footsteps on a wooden floor.", "zh": "木地板上的脚步声。"}
_NUMBER_TOL = 0.006  # the table shows 2 decimals; a difference below this is display rounding, not an edit


class TableError(ValueError):
    """A rejected table edit. The message names the row, the segment id and the field, and says what to do."""

    def __init__(self, message: str, row: int | None = None, segment_id: str | None = None,
                 field: str | None = None):
        self.row, self.segment_id, self.field = row, segment_id, field
        where = []
        if row is not None:
            where.append(f"row {row}")
        if segment_id:
            where.append(f"segment {segment_id}")
        prefix = " ".join(where[:1]) + (f" ({where[1]})" if len(where) > 1 else "")
        if field:
            prefix = f"{prefix}, {field}" if prefix else field
        super().__init__(f"{prefix}: {message}" if prefix else message)


# --- cells -------------------------------------------------------------------------------------------------
def is_blank(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and (not v.strip() or v.strip().lower() == "nan")


def cell_text(v: Any) -> str:
    return "" if is_blank(v) else str(v).strip()


def parse_number(v: Any, field: str, row: int, sid: str | None) -> float:
    if isinstance(v, bool):
        raise TableError(f"expected a number, got {v!r}", row, sid, field)
    if isinstance(v, (int, float)):
        x = float(v)
    else:
        s = str(v).strip().replace("−", "-").replace("，", ".").replace(",", ".").removesuffix("s").strip()
        try:
            x = float(s)
        except ValueError:
            raise TableError(f"expected a number, got {str(v)!r}", row, sid, field) from None
    if not math.isfinite(x):
        raise TableError(f"expected a finite number, got {str(v)!r}", row, sid, field)
    return x


def table_records(table: Any, columns: list[str] = COLUMNS) -> list[dict[str, Any]]:
    """A Dataframe value (pandas, {"headers","data"} from the API, or rows in column order) → one dict per row.
    A column missing from the table is missing from the dicts (meaning: unchanged)."""
    if table is None:
        return []
    if hasattr(table, "columns") and hasattr(table, "values"):  # pandas.DataFrame
        headers = [str(c) for c in table.columns]
        rows = table.values.tolist()
    elif isinstance(table, dict):
        headers = [str(h) for h in table.get("headers") or columns]
        rows = table.get("data") or []
    else:
        headers, rows = list(columns), list(table)
    idx = {h.strip().lower(): i for i, h in enumerate(headers)}
    out = []
    for r in rows:
        r = list(r)
        out.append({c: (r[idx[c]] if idx[c] < len(r) else "") for c in columns if c in idx})
    return out


# --- plan → rows -------------------------------------------------------------------------------------------
def segment_row(plan: Plan, seg, timeline: Timeline, status: str = "") -> list[Any]:
    p = timeline[seg.id]
    return [seg.id, seg.kind, seg.track, round(p.start, 2), round(p.duration, 2), seg.caption, seg.text,
            seg.character or "", seg.instruction, round(seg.gain_db, 2), status]


def plan_rows(plan: Plan, timeline: Timeline | None = None, statuses: dict[str, str] | None = None) -> list[list]:
    timeline = timeline or layout(plan)
    statuses = statuses or {}
    return [segment_row(plan, s, timeline, statuses.get(s.id, "")) for s in plan.segments]


def characters_rows(plan: Plan) -> list[list[str]]:
    return [[c.name, c.voice.instruction] for c in plan.characters]


# --- rows → plan -------------------------------------------------------------------------------------------
@dataclass
class TableResult:
    plan: Plan
    notes: list[str]
    pending_rows: int  # rows added from the menu and still empty (kept on screen, not in the plan)


def _choice(value: str, allowed: tuple[str, ...], words: dict[str, str], field: str, row: int, sid) -> str:
    v = words.get(value.strip().lower(), words.get(value.strip(), value.strip().lower()))
    if v not in allowed:
        raise TableError(f"{value!r} is not a {field}; use {', '.join(allowed)}", row, sid, field)
    return v


def _duration(v: Any, row: int, sid) -> float:
    x = parse_number(v, "duration", row, sid)
    if x <= 0 or x > MAX_DURATION_S:
        raise TableError(f"must be more than 0 and at most {MAX_DURATION_S:g} seconds (got {x:g})", row, sid,
                         "duration")
    return round(x, 3)


def _gain(v: Any, row: int, sid) -> float:
    x = 0.0 if is_blank(v) else parse_number(v, "gain_db", row, sid)
    if not -60 <= x <= 24:
        raise TableError(f"must be between -60 and +24 dB (got {x:g})", row, sid, "gain_db")
    return round(x, 2)


def _new_segment(plan: Plan, rec: dict, row: int, taken: set[str]) -> dict:
    sid = _fresh_id(taken)
    kind = _choice(cell_text(rec.get("kind")) or "sound", KINDS, _KIND_WORDS, "kind", row, sid)
    track = _choice(cell_text(rec.get("track")) or "foreground", TRACKS, _TRACK_WORDS, "track", row, sid)
    d = {"id": sid, "kind": kind, "track": track,
         "duration": 3.0 if is_blank(rec.get("duration")) else _duration(rec["duration"], row, sid),
         "caption": cell_text(rec.get("caption")), "text": cell_text(rec.get("text")),
         "character": cell_text(rec.get("character")) or None, "instruction": cell_text(rec.get("instruction")),
         "gain_db": _gain(rec.get("gain_db"), row, sid)}
    if track == "background":
        d["start"] = 0.0
    if kind == "speech" and not d["text"]:
        raise TableError("a speech segment needs its spoken text; type it in the text column", row, sid, "text")
    return d


def _fresh_id(taken: set[str]) -> str:
    i = len(taken) + 1
    while f"s{i:02d}" in taken:
        i += 1
    sid = f"s{i:02d}"
    taken.add(sid)
    return sid


def apply_table(plan: Plan, table: Any, timeline: Timeline | None = None) -> TableResult:
    """Apply an edited segment table to a copy of `plan`. Raises TableError naming row, id and field."""
    timeline = timeline or layout(plan)
    records = table_records(table)
    data = plan.model_dump(mode="json")
    by_id = {d["id"]: d for d in data["segments"]}
    shown = {s.id: dict(zip(COLUMNS, segment_row(plan, s, timeline))) for s in plan.segments}
    taken = set(by_id)
    new_segments: list[dict] = []
    used: set[str] = set()
    notes: list[str] = []
    pending = 0
    for row, rec in enumerate(records, 1):
        sid = cell_text(rec.get("id"))
        if not sid:
            if all(is_blank(rec.get(c)) for c in COLUMNS if c in rec and c not in ("id", "start", "status")):
                pending += 1
                continue
            new_segments.append(_new_segment(plan, rec, row, taken))
            continue
        if sid not in by_id:
            raise TableError("unknown segment id; ids are given by the app (leave the id empty for a new row)",
                             row, sid, "id")
        if sid in used:
            raise TableError("this segment appears twice in the table", row, sid, "id")
        used.add(sid)
        d = by_id[sid]
        _apply_cells(d, rec, shown[sid], row, timeline, notes)
        new_segments.append(d)
    removed = set(by_id) - used
    data["segments"] = new_segments
    repair_covers(data["segments"], [s.id for s in plan.segments if s.track == "foreground"], timeline)
    if removed:
        notes.append(f"removed {', '.join(sorted(removed))}")
    return TableResult(_validate(data, records), notes, pending)


def _apply_cells(d: dict, rec: dict, shown: dict, row: int, timeline: Timeline, notes: list[str]) -> None:
    sid = d["id"]
    if "kind" in rec and cell_text(rec["kind"]) != shown["kind"]:
        d["kind"] = _choice(cell_text(rec["kind"]) or shown["kind"], KINDS, _KIND_WORDS, "kind", row, sid)
    if "track" in rec and cell_text(rec["track"]) != shown["track"]:
        track = _choice(cell_text(rec["track"]) or shown["track"], TRACKS, _TRACK_WORDS, "track", row, sid)
        if track != d["track"]:
            p = timeline[sid]
            d["track"], d["covers"], d["gap"] = track, [], 0.0
            if track == "background":  # keep it where it was, now as a bed at an absolute time
                d["start"], d["duration"] = round(p.start, 3), round(p.duration, 3)
            else:
                d["start"] = None
                d["duration"] = round(p.duration, 3)
    if "duration" in rec:
        if is_blank(rec["duration"]):
            raise TableError("a length in seconds is needed", row, sid, "duration")
        x = _duration(rec["duration"], row, sid)
        if abs(x - shown["duration"]) > _NUMBER_TOL:
            if d["track"] == "background" and d.get("covers"):
                first, last = d["covers"][0], d["covers"][-1]
                raise TableError(f"this background bed spans {first}…{last}, so its length follows them; change "
                                 f"those segments, or its 'covers'/'start' in the plan JSON", row, sid, "duration")
            d["duration"] = x
            if d["kind"] == "speech":
                notes.append(f"{sid}: speech lasts as long as its rendered voice; the planned length only "
                             f"places it until it is rendered")
    for field in ("caption", "text", "instruction"):
        if field in rec and cell_text(rec[field]) != cell_text(shown[field]):
            d[field] = cell_text(rec[field])
    if "character" in rec and cell_text(rec["character"]) != shown["character"]:
        d["character"] = cell_text(rec["character"]) or None
    if "gain_db" in rec:
        g = _gain(rec["gain_db"], row, sid)
        if abs(g - shown["gain_db"]) > _NUMBER_TOL:
            d["gain_db"] = g


def _validate(data: dict, records: list[dict] | None = None) -> Plan:
    try:
        return Plan.from_dict(data)
    except PlanError as e:
        msg = str(e).removeprefix("invalid plan: ")
        sid = None
        m = re.search(r"\(id '([^']+)'\)", msg) or re.search(r"segment ([A-Za-z0-9][A-Za-z0-9_-]*)[: ]", msg)
        if m:
            sid = m.group(1)
        row = None
        if sid is not None and records is not None:
            row = next((i for i, r in enumerate(records, 1) if cell_text(r.get("id")) == sid), None)
        raise TableError(msg, row, None if (sid and sid in msg) else sid) from None


def repair_covers(segments: list[dict], old_fg_order: list[str], old_timeline: Timeline) -> None:
    """Keep each background bed over the same foreground range after deletes, moves and track changes.
    A bed whose every covered segment is gone stays where it was, at an absolute start."""
    fg_now = [s["id"] for s in segments if s["track"] == "foreground"]
    pos = {sid: i for i, sid in enumerate(fg_now)}
    for s in segments:
        if s["track"] != "background" or not s.get("covers"):
            continue
        first, last = s["covers"][0], s["covers"][-1]
        if first in old_fg_order and last in old_fg_order:
            i, j = sorted((old_fg_order.index(first), old_fg_order.index(last)))
            span = [x for x in old_fg_order[i:j + 1] if x in pos]
        else:
            span = [x for x in (first, last) if x in pos]
        if span:
            span.sort(key=pos.__getitem__)
            s["covers"] = [span[0], span[-1]] if span[0] != span[-1] else [span[0]]
        else:
            try:
                p = old_timeline[s["id"]]
            except KeyError:
                p = None
            s["covers"] = []
            s["start"] = round(p.start, 3) if p else 0.0
            s["duration"] = round(p.duration, 3) if p else s["duration"]


# --- segment operations ----------------------------------------------------------------------------------
def add_segment(plan: Plan, after_id: str | None = None) -> tuple[Plan, str]:
    """A new foreground sound segment after `after_id` (or at the end). Returns (plan, new id)."""
    data = plan.model_dump(mode="json")
    sid = plan.new_segment_id()
    seg = {"id": sid, "kind": "sound", "track": "foreground", "duration": 3.0,
           "caption": _NEW_CAPTION.get(plan.language, _NEW_CAPTION["en"])}
    ids = [s["id"] for s in data["segments"]]
    at = ids.index(after_id) + 1 if after_id in ids else len(ids)
    data["segments"].insert(at, seg)
    return _validate(data), sid


def delete_segment(plan: Plan, segment_id: str) -> Plan:
    plan.segment(segment_id)  # PlanError naming the ids if it is unknown
    timeline = layout(plan)
    data = plan.model_dump(mode="json")
    data["segments"] = [s for s in data["segments"] if s["id"] != segment_id]
    repair_covers(data["segments"], [s.id for s in plan.segments if s.track == "foreground"], timeline)
    return _validate(data)


def move_segment(plan: Plan, segment_id: str, delta: int) -> Plan:
    """Swap with the neighbour above (delta=-1) or below (+1); at an end it stays put."""
    plan.segment(segment_id)
    timeline = layout(plan)
    data = plan.model_dump(mode="json")
    ids = [s["id"] for s in data["segments"]]
    i = ids.index(segment_id)
    j = i + delta
    if not 0 <= j < len(ids):
        return plan
    segs = data["segments"]
    segs[i], segs[j] = segs[j], segs[i]
    repair_covers(segs, [s.id for s in plan.segments if s.track == "foreground"], timeline)
    return _validate(data)


# --- characters -------------------------------------------------------------------------------------------
def apply_characters(plan: Plan, table: Any) -> Plan:
    """Apply the characters table (name → voice instruction). With the same number of rows a changed name is a
    rename (segments follow it); a deleted character still used by a segment is refused."""
    records = [r for r in table_records(table, CHARACTER_COLUMNS)
               if not all(is_blank(v) for v in r.values())]
    data = plan.model_dump(mode="json")
    old = data["characters"]
    rename: dict[str, str] = {}
    new_chars = []
    seen: set[str] = set()
    for row, rec in enumerate(records, 1):
        name = cell_text(rec.get("name"))
        voice = cell_text(rec.get("voice"))
        if not name:
            raise TableError("a character needs a name", row, None, "name")
        if name in seen:
            raise TableError(f"the name {name!r} is used twice", row, None, "name")
        seen.add(name)
        prev = old[row - 1] if len(records) == len(old) else next((c for c in old if c["name"] == name), None)
        if prev is not None and prev["name"] != name:
            rename[prev["name"]] = name
        attrs = prev["voice"]["attributes"] if prev and prev["voice"]["instruction"] == voice else {}
        new_chars.append({"name": name, "voice": {"instruction": voice, "attributes": attrs}})
    data["characters"] = new_chars
    for s in data["segments"]:
        if s.get("character") in rename:
            s["character"] = rename[s["character"]]
    try:
        return Plan.from_dict(data)
    except PlanError as e:
        raise TableError(str(e).removeprefix("invalid plan: ") +
                         " — give that segment another character (or none) first") from None


def segment_choices(plan: Plan | None, limit: int = 48) -> list[tuple[str, str]]:
    """(label, id) for the clip picker: 's03 · speech · I knew you would.'"""
    if plan is None:
        return []
    out = []
    for s in plan.segments:
        what = s.text if s.kind == "speech" else s.caption
        what = what if len(what) <= limit else what[: limit - 1] + "…"
        out.append((f"{s.id} · {s.kind} · {what}", s.id))
    return out

