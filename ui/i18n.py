"""UI strings in English and Chinese.

gr.I18n translates what the browser renders from the layout (labels, info, placeholders, Markdown values);
strings that handlers return are not translated by Gradio, so handlers write in the plan's language where it
matters (the instruction vocabulary) and otherwise in English. The locale key is "zh-CN" (a browser locale),
which is not a Python identifier, hence the ** below.
"""

from __future__ import annotations

import gradio as gr

# key: (English, Chinese)
STRINGS: dict[str, tuple[str, str]] = {
    "title": ("# AudioStory Studio", "# AudioStory 有声故事工作室"),
    "subtitle": (
        "Write one instruction, get a plan of timed sound, speech and music clips, edit it, render it clip by "
        "clip, regenerate single clips, listen to the mix and export.",
        "写一句指令，得到按时间排好的音效、语音和音乐片段计划；编辑、逐段渲染、单段重做、试听混音并导出。"),
    # tabs
    "tab_story": ("Story", "故事"),
    "tab_instruct": ("Instruct", "指令配音"),
    "tab_about": ("About & settings", "关于与设置"),
    # story inputs
    "instruction": ("Story instruction", "故事指令"),
    "instruction_ph": ("A storm reaches a fishing village at night; an old fisherman tells his grandson a story; "
                       "sad piano at the end. The total duration is 20 seconds.",
                       "暴风雨在夜里袭击了一个小渔村，一位老渔夫给孙子讲故事，结尾响起悲伤的钢琴曲。总时长为20秒。"),
    "target": ("Target length (s, 0 = from the text)", "目标时长（秒，0 = 按指令）"),
    "language": ("Language", "语言"),
    "profile": ("Model profile", "模型配置"),
    "planner": ("Planner", "规划器"),
    "seed": ("Seed", "随机种子"),
    "examples": ("Example stories", "示例故事"),
    "plan_btn": ("Plan", "生成计划"),
    # plan editing
    "plan_hdr": ("### Plan — double-click a cell to edit; click a row to open it in the clip editor",
                 "### 计划 —— 双击单元格编辑；点击一行在片段编辑器中打开"),
    "plan_table": ("Segments", "片段"),
    "add_seg": ("+ Add segment", "+ 添加片段"),
    "del_seg": ("✗ Delete", "✗ 删除"),
    "up_seg": ("↑ Move up", "↑ 上移"),
    "down_seg": ("↓ Move down", "↓ 下移"),
    "characters": ("Characters (name → voice instruction)", "角色（名字 → 声音指令）"),
    "plan_json": ("Plan JSON (advanced)", "计划 JSON（高级）"),
    "apply_json": ("Apply JSON", "应用 JSON"),
    "plan_msg": ("Plan messages", "计划消息"),
    # render
    "render_hdr": ("### Render", "### 渲染"),
    "gen_btn": ("▶ Generate all", "▶ 全部生成"),
    "stop_btn": ("■ Stop", "■ 停止"),
    "status": ("Render status", "渲染状态"),
    # clip editor
    "clip_hdr": ("### Selected clip", "### 选中的片段"),
    "clip_id": ("Clip", "片段"),
    "clip_audio": ("Clip (active take)", "片段（当前版本）"),
    "clip_spec": ("Clip spectrogram", "片段频谱图"),
    "caption": ("Caption (what it sounds like)", "描述（听起来像什么）"),
    "text": ("Text (spoken line or lyrics)", "文本（台词或歌词）"),
    "seg_instruction": ("Instruction (voice / style)", "指令（声音 / 风格）"),
    "new_seed": ("New seed", "换一个种子"),
    "regen_btn": ("↻ Regenerate clip", "↻ 重新生成此片段"),
    "retake_btn": ("✓ Retake until it passes checks", "✓ 重录直到通过检查"),
    "takes": ("Takes (pick one to hear it)", "版本（选中即可试听）"),
    "use_take": ("✔ Use this take", "✔ 使用此版本"),
    "lock": ("Lock (never re-render)", "锁定（不再重新渲染）"),
    # timeline
    "timeline_hdr": ("### Timeline and mix\nTracks above the mix spectrogram, on one time axis; click a clip to open it "
                     "below. Clips that failed are outlined in red.",
                     "### 时间线与混音\n轨道在上、混音频谱在下，共用一条时间轴；点击片段可在下方打开。渲染失败的片段以红框标出。"),
    "timeline": ("Timeline (tracks above the mix spectrogram)", "时间线（轨道在上，混音频谱在下）"),
    "mix": ("Full mix (with captions)", "完整混音（带字幕）"),
    "loudness": ("Loudness", "响度"),
    # export
    "export_hdr": ("### Export", "### 导出"),
    "export_what": ("What to export", "导出内容"),
    "delivery": ("Master for", "母带目标"),
    "voice_char": ("Hear a character's voice", "试听角色声音"),
    "voice_btn": ("▶ Preview voice", "▶ 试听"),
    "voice_audio": ("Voice preview (their first line)", "声音试听（该角色的第一句）"),
    "pronunciations": ("Pronunciations (one per line: word = how to say it; captions keep the word)",
                       "发音（每行一条：词 = 读法；字幕保留原词）"),
    "export_btn": ("Export", "导出"),
    "export_file": ("Download", "下载"),
    "import_btn": ("Open project (.zip)…", "打开项目（.zip）…"),
    # instruct tab
    "inst_intro": (
        "Speech, music and dialogue straight from an instruction (the InstructAudio interface). Pick attributes "
        "to compose an instruction, or write your own; the box shows what the engine understood.",
        "直接用自然语言指令生成语音、音乐和对话（InstructAudio 接口）。选择属性自动组成指令，或自己书写；下方显示引擎理解到的属性。"),
    "inst_kind": ("Kind", "类型"),
    "inst_language": ("Instruction language", "指令语言"),
    "gender": ("Gender", "性别"),
    "age": ("Age", "年龄"),
    "emotion": ("Emotion", "情绪"),
    "style": ("Style", "风格"),
    "accent": ("Accent", "口音"),
    "pace": ("Pace", "语速"),
    "genre": ("Genre", "流派"),
    "instruments": ("Instruments", "乐器"),
    "tempo": ("Tempo", "速度"),
    "mood": ("Mood", "情绪氛围"),
    "inst_instruction": ("Instruction", "指令"),
    "inst_text": ("Text / lyrics / dialogue script (A: … / B: …)", "文本 / 歌词 / 对话脚本（A：… / B：…）"),
    "voices": ("Dialogue voices (speaker → voice instruction)", "对话声音（说话人 → 声音指令）"),
    "duration": ("Music length (s)", "音乐时长（秒）"),
    "inst_btn": ("▶ Generate", "▶ 生成"),
    "inst_audio": ("Result", "结果"),
    "inst_understood": ("What the engine understood", "引擎理解到的属性"),
    "inst_spec": ("Spectrogram", "频谱图"),
    "contrast_hdr": ("### Contrast: one line, several instructions", "### 对比：同一句话，不同指令"),
    "contrast_line": ("Line to speak", "要说的话"),
    "contrast_instr": ("Instructions (one per line, 2–4)", "指令（每行一条，2–4 条）"),
    "contrast_btn": ("▶ Compare", "▶ 对比"),
    "contours": ("Pitch and energy contours, spectrograms", "音高与能量曲线、频谱图"),
    # about
    "about_hdr": ("### Session", "### 会话"),
    "refresh": ("↻ Refresh", "↻ 刷新"),
    "licences_hdr": ("### Models and licences", "### 模型与许可"),
    "lang_note": (
        "The interface language follows your browser; switch it at any time under **Settings** in the page "
        "footer (English / 中文).",
        "界面语言跟随浏览器；也可随时在页面底部的 **设置** 中切换（English / 中文）。"),
}


PREFIX = "as_"  # Gradio's own frontend translations use plain keys such as "status"; ours must not collide


def build_i18n() -> gr.I18n:
    en = {PREFIX + k: v[0] for k, v in STRINGS.items()}
    zh = {PREFIX + k: v[1] for k, v in STRINGS.items()}
    return gr.I18n(en=en, **{"zh-CN": zh, "zh": zh})


I18N = build_i18n()


def t(key: str):
    """A translatable string for a component label/value (resolved in the browser)."""
    if key not in STRINGS:
        raise KeyError(f"no UI string {key!r}; add it to ui/i18n.py STRINGS")
    return I18N(PREFIX + key)
