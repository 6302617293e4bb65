"""The Gradio Blocks: components and event wiring. Logic lives in handlers.py (and below it, the engine).

Concurrency: every event that runs models shares concurrency_id="gpu" with a limit of 1 (one GPU, one job at a
time across all users); model calls inside also go through Session.lock. Stop has its own unlimited
concurrency group so it never waits behind the render it is meant to stop. Every event is named (api_name);
the ones that only make sense in the browser are private.
"""

from __future__ import annotations

import json
from pathlib import Path

import gradio as gr

from engine import direct

from . import handlers as h, instruct as instruct_tab, views
from .gpu import profile_choices
from .i18n import t
from engine.edit import COLUMNS, DATATYPES, STATIC_COLUMNS
from .workspace import delete_workspace

ROOT = Path(__file__).resolve().parent.parent
PRESETS = ROOT / "presets" / "stories.json"
SESSION_TTL_S = 6 * 3600
GPU = {"concurrency_id": "gpu", "concurrency_limit": 1}
PRIVATE = {"api_visibility": "private"}
# which planner plans, whatever the profile (engine.session): "server" needs $AUDIOSTORY_PLANNER_URL (README)
PLANNER_CHOICES = [("auto", "auto"), ("rules (instant)", "rules"), ("local LLM", "local"), ("LLM server", "server")]


def preset_examples() -> tuple[list[list], list[str]]:
    """Example stories for the instruction box, shortest first (English and Chinese side by side), with a short
    label for each: "EN · cafe dialogue · 30 s"."""
    try:
        stories = json.loads(PRESETS.read_text(encoding="utf-8"))["stories"]
    except (OSError, ValueError, KeyError):
        return [], []
    stories = sorted(stories, key=lambda s: (s.get("target", 0), s.get("language") != "en"))
    rows = [[s["instruction"], 0, s.get("language", "auto")] for s in stories]
    labels = [f"{'中文' if s.get('language') == 'zh' else 'EN'} · "
              f"{s['id'].removeprefix('zh_').replace('_', ' ')} · {s.get('target', 0):g} s" for s in stories]
    return rows, labels


def _dropdown(kind: str, field: str, label_key: str, multiselect: bool = False) -> gr.Dropdown:
    return gr.Dropdown(choices=direct.field_choices(kind, field, "en"), value=[] if multiselect else None,
                       label=t(label_key), multiselect=multiselect, elem_id=f"inst-{field}", min_width=120)


def build_ui() -> gr.Blocks:
    with gr.Blocks(title="AudioStory Studio", delete_cache=(3600, 24 * 3600)) as demo:
        ws = gr.State(None, time_to_live=SESSION_TTL_S, delete_callback=delete_workspace)
        ready = gr.Textbox(visible="hidden", elem_id="ready")
        gr.Markdown(t("title"), elem_id="app-title")
        gr.Markdown(t("subtitle"), elem_id="app-subtitle")

        with gr.Tabs():
            # ---------------------------------------------------------------- Story
            with gr.Tab(t("tab_story"), id="story", elem_id="tab-story"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        instruction = gr.Textbox(label=t("instruction"), placeholder=t("instruction_ph"), lines=6,
                                                 max_lines=8, elem_id="instruction")
                    with gr.Column(scale=1, min_width=240):
                        with gr.Row():
                            target = gr.Number(0, label=t("target"), minimum=0, maximum=1800, elem_id="target",
                                               min_width=100)
                            seed = gr.Number(0, label=t("seed"), precision=0, minimum=0, elem_id="seed",
                                             min_width=80)
                        with gr.Row():
                            language = gr.Dropdown(["auto", "en", "zh"], value="auto", label=t("language"),
                                                   elem_id="language", min_width=100)
                            profile = gr.Dropdown(profile_choices(), value="auto", label=t("profile"),
                                                  elem_id="profile", min_width=100)
                            planner = gr.Dropdown(PLANNER_CHOICES, value="auto", label=t("planner"),
                                                  elem_id="planner", min_width=100)
                        plan_btn = gr.Button(t("plan_btn"), variant="primary", elem_id="plan-btn")
                examples, labels = preset_examples()
                if examples:
                    with gr.Accordion(t("examples"), open=False, elem_id="examples"):
                        gr.Examples(examples, [instruction, target, language], examples_per_page=10,
                                    label=None, example_labels=labels)

                gr.Markdown(t("plan_hdr"))
                messages = gr.Markdown(elem_id="plan-msg")
                table = gr.Dataframe(views.empty_table(), headers=COLUMNS, datatype=DATATYPES,
                                     column_count=len(COLUMNS), interactive=True, static_columns=STATIC_COLUMNS,
                                     wrap=True, label=t("plan_table"), elem_id="plan", max_height=460,
                                     column_widths=["5%", "7%", "9%", "5%", "6%", "19%", "18%", "7%", "12%", "5%",
                                                    "7%"])
                with gr.Row():
                    add_btn = gr.Button(t("add_seg"), size="sm", elem_id="add-btn")
                    del_btn = gr.Button(t("del_seg"), size="sm", elem_id="del-btn")
                    up_btn = gr.Button(t("up_seg"), size="sm", elem_id="up-btn")
                    down_btn = gr.Button(t("down_seg"), size="sm", elem_id="down-btn")
                with gr.Row(equal_height=False):
                    with gr.Column(scale=1):
                        chars = gr.Dataframe(views.characters_value(None), headers=["name", "voice"],
                                             datatype=["str", "str"], column_count=2, interactive=True,
                                             label=t("characters"), elem_id="characters", max_height=220)
                        pronunciations = gr.Textbox(label=t("pronunciations"), lines=2, max_lines=8,
                                                    placeholder="Siobhan = shi-vawn", elem_id="pronunciations")
                        with gr.Row(equal_height=True):
                            voice_char = gr.Dropdown([], label=t("voice_char"), elem_id="voice-char", scale=2)
                            voice_btn = gr.Button(t("voice_btn"), size="sm", elem_id="voice-btn", scale=1)
                        voice_audio = gr.Audio(type="filepath", interactive=False, label=t("voice_audio"),
                                               elem_id="voice-preview")
                    with gr.Column(scale=1):
                        with gr.Accordion(t("plan_json"), open=False, elem_id="json-acc"):
                            plan_json = gr.Code(language="json", interactive=True, lines=14, max_lines=30,
                                                elem_id="plan-json", show_label=False)
                            json_btn = gr.Button(t("apply_json"), size="sm", elem_id="json-btn")

                gr.Markdown(t("render_hdr"))
                with gr.Row():
                    gen_btn = gr.Button(t("gen_btn"), variant="primary", elem_id="gen-btn", scale=3)
                    stop_btn = gr.Button(t("stop_btn"), variant="stop", elem_id="stop-btn", scale=1)
                status = gr.Textbox(label=t("status"), lines=4, max_lines=12, interactive=False,
                                    elem_id="status", autoscroll=True)

                gr.Markdown(t("timeline_hdr"))
                # the figures carry their own titles; a label badge would sit on top of them
                timeline = gr.Image(type="filepath", interactive=False, label=t("timeline"), elem_id="timeline",
                                    buttons=["download", "fullscreen"], show_label=False)
                with gr.Row(equal_height=False):
                    mix = gr.Audio(type="filepath", interactive=False, label=t("mix"), elem_id="mix", scale=3,
                                   buttons=["download"])
                    loudness = gr.Markdown(elem_id="loudness", label=t("loudness"))

                gr.Markdown(t("clip_hdr"))
                with gr.Row(equal_height=False):
                    with gr.Column(scale=1):
                        picker = gr.Dropdown([], label=t("clip_id"), allow_custom_value=True, elem_id="clip-id")
                        clip_info = gr.Markdown(elem_id="clip-info")
                        clip_audio = gr.Audio(type="filepath", interactive=False, label=t("clip_audio"),
                                              elem_id="clip-audio", buttons=["download"])
                        clip_fig = gr.Image(type="filepath", interactive=False, label=t("clip_spec"),
                                            elem_id="clip-fig", show_label=False)
                    with gr.Column(scale=1):
                        clip_caption = gr.Textbox(label=t("caption"), lines=2, elem_id="clip-caption")
                        clip_text = gr.Textbox(label=t("text"), lines=2, elem_id="clip-text")
                        clip_instruction = gr.Textbox(label=t("seg_instruction"), lines=1,
                                                      elem_id="clip-instruction")
                        with gr.Row():
                            new_seed = gr.Checkbox(True, label=t("new_seed"), elem_id="new-seed", min_width=100)
                            regen_btn = gr.Button(t("regen_btn"), variant="primary", elem_id="regen-btn", scale=2)
                            retake_btn = gr.Button(t("retake_btn"), elem_id="retake-btn", scale=1)
                        takes = gr.Radio([], label=t("takes"), elem_id="takes")
                        with gr.Row():
                            use_btn = gr.Button(t("use_take"), size="sm", elem_id="use-take")
                            lock = gr.Checkbox(False, label=t("lock"), elem_id="clip-lock")

                gr.Markdown(t("export_hdr"))
                with gr.Row(equal_height=False):
                    delivery = gr.Dropdown(h.DELIVERY_CHOICES, value="podcast", label=t("delivery"),
                                           elem_id="delivery", min_width=240)
                    export_what = gr.Dropdown(h.EXPORT_KINDS, value="wav", label=t("export_what"),
                                              elem_id="export-what", min_width=120)
                    with gr.Column(min_width=160):
                        export_btn = gr.Button(t("export_btn"), elem_id="export-btn")
                        import_btn = gr.UploadButton(t("import_btn"), file_types=[".zip"], type="filepath",
                                                     elem_id="import-btn", size="sm")
                    export_file = gr.File(label=t("export_file"), interactive=False, elem_id="export-file",
                                          scale=2, height=110)

            # ---------------------------------------------------------------- Instruct
            with gr.Tab(t("tab_instruct"), id="instruct", elem_id="tab-instruct"):
                gr.Markdown(t("inst_intro"))
                with gr.Row():
                    inst_kind = gr.Radio([("speech · 语音", "speech"), ("music · 音乐", "music"),
                                          ("dialogue · 对话", "dialogue")], value="speech", label=t("inst_kind"),
                                         elem_id="inst-kind")
                    inst_lang = gr.Radio([("English", "en"), ("中文", "zh")], value="en", label=t("inst_language"),
                                         elem_id="inst-lang")
                    inst_seed = gr.Number(0, precision=0, minimum=0, label=t("seed"), elem_id="inst-seed",
                                          min_width=80)
                with gr.Group(visible=True) as speech_group:
                    with gr.Row():
                        speech_dd = [_dropdown("speech", f, k) for f, k in
                                     zip(direct.SPEECH_FIELDS, ("gender", "age", "emotion", "style", "accent", "pace"))]
                with gr.Group(visible=False) as music_group:
                    with gr.Row():
                        music_dd = [_dropdown("music", "genre", "genre"),
                                    _dropdown("music", "instruments", "instruments", multiselect=True),
                                    _dropdown("music", "tempo_bpm", "tempo"), _dropdown("music", "mood", "mood")]
                inst_instruction = gr.Textbox(label=t("inst_instruction"), lines=1, elem_id="inst-instruction",
                                              value="A young woman, speaking happily.")
                inst_text = gr.Textbox(label=t("inst_text"), lines=4, elem_id="inst-text",
                                       value="The lighthouse keeper waved from the rocks.")
                voices = gr.Dataframe([["A", "An elderly man, speaking calmly, slowly."],
                                       ["B", "A little girl, speaking excited."]],
                                      headers=["speaker", "voice"], datatype=["str", "str"], column_count=2,
                                      interactive=True, label=t("voices"), elem_id="inst-voices", visible=False)
                duration = gr.Number(10, minimum=1, maximum=120, label=t("duration"), elem_id="inst-duration",
                                     visible=False)
                inst_btn = gr.Button(t("inst_btn"), variant="primary", elem_id="inst-btn")
                with gr.Row(equal_height=False):
                    with gr.Column():
                        inst_audio = gr.Audio(type="filepath", interactive=False, label=t("inst_audio"),
                                              elem_id="inst-audio", buttons=["download"])
                        inst_understood = gr.Markdown(elem_id="inst-understood")
                    inst_fig = gr.Image(type="filepath", interactive=False, label=t("inst_spec"),
                                        elem_id="inst-fig", show_label=False)

                gr.Markdown(t("contrast_hdr"))
                with gr.Row():
                    contrast_line = gr.Textbox("I can't believe you came back.", label=t("contrast_line"),
                                               lines=2, elem_id="contrast-line")
                    contrast_instr = gr.Textbox("A young woman, speaking happily.\n"
                                                "An elderly man, whispering sadly, slowly.",
                                                label=t("contrast_instr"), lines=4, elem_id="contrast-instr")
                contrast_btn = gr.Button(t("contrast_btn"), elem_id="contrast-btn")
                with gr.Row():
                    contrast_audio = [gr.Audio(type="filepath", interactive=False, label=f"{i + 1}",
                                               elem_id=f"contrast-{i + 1}", visible=i < 2)
                                      for i in range(direct.MAX_CONTRAST)]
                contours = gr.Image(type="filepath", interactive=False, label=t("contours"), elem_id="contours",
                                    show_label=False)

            # ---------------------------------------------------------------- About
            with gr.Tab(t("tab_about"), id="about", elem_id="tab-about") as about_tab:
                gr.Markdown(t("about_hdr"))
                info = gr.Markdown(elem_id="session-info")
                refresh_btn = gr.Button(t("refresh"), size="sm", elem_id="refresh-btn")
                gr.Markdown(t("licences_hdr"))
                gr.Markdown(h.fmt.LICENCES_MD, elem_id="licences")
                gr.Markdown(t("lang_note"))

        # ------------------------------------------------------------------ events
        story_out = [ws, table, plan_json, chars, messages]
        views_out = [timeline, mix, loudness]
        clip_out = [picker, clip_info, clip_audio, clip_fig, clip_caption, clip_text, clip_instruction, takes, lock]

        def refreshed_views(w):
            return h.mix_views(w) if w is not None and w.plan is not None else (None, None, "")

        plan_btn.click(h.plan_story, [instruction, target, language, profile, seed, ws, planner], story_out,
                       api_name="plan", **GPU).then(
            h.after_plan, [ws], views_out + clip_out, api_name="after_plan", **PRIVATE).then(
            h.plan_extras, [ws], [delivery, pronunciations, voice_char], api_name="extras_after_plan", **PRIVATE)
        instruction.submit(h.plan_story, [instruction, target, language, profile, seed, ws, planner], story_out,
                           api_name="plan_submit", **GPU, **PRIVATE).then(
            h.after_plan, [ws], views_out + clip_out, api_name="after_plan_submit", **PRIVATE).then(
            h.plan_extras, [ws], [delivery, pronunciations, voice_char], api_name="extras_after_plan_submit", **PRIVATE)

        table.input(h.edit_table, [table, ws], story_out, api_name="edit").then(
            refreshed_views, [ws], views_out, api_name="views_after_edit", **PRIVATE)
        chars.input(h.edit_characters, [chars, ws], story_out, api_name="edit_characters", **PRIVATE).then(
            refreshed_views, [ws], views_out, api_name="views_after_characters", **PRIVATE).then(
            h.plan_extras, [ws], [delivery, pronunciations, voice_char], api_name="extras_after_characters",
            **PRIVATE)
        voice_btn.click(h.preview_voice, [voice_char, ws], voice_audio, api_name="preview_voice", **GPU)
        pronunciations.blur(h.edit_pronunciations, [pronunciations, ws], story_out, api_name="edit_pronunciations",
                            **PRIVATE).then(h.plan_extras, [ws], [delivery, pronunciations, voice_char],
                                            api_name="extras_after_pronunciations", **PRIVATE)
        json_btn.click(h.apply_json, [plan_json, ws], story_out, api_name="apply_json", **PRIVATE).then(
            refreshed_views, [ws], views_out, api_name="views_after_json", **PRIVATE).then(
            h.plan_extras, [ws], [delivery, pronunciations, voice_char], api_name="extras_after_json", **PRIVATE)
        for btn, fn, name in ((add_btn, h.add_seg, "add_segment"), (del_btn, h.delete_seg, "delete_segment"),
                              (up_btn, h.move_up, "move_up"), (down_btn, h.move_down, "move_down")):
            btn.click(fn, [picker, ws], story_out + clip_out, api_name=name, **PRIVATE).then(
                refreshed_views, [ws], views_out, api_name=f"views_after_{name}", **PRIVATE)

        table.select(h.select_row, [ws], clip_out, api_name="select_row", **PRIVATE)
        picker.input(h.pick_clip, [picker, ws], clip_out, api_name="pick_clip", **PRIVATE)
        timeline.select(h.timeline_click, [ws], clip_out, api_name="timeline_click", **PRIVATE)

        gen_btn.click(h.generate_all, [ws], [ws, status, table, timeline, mix, loudness], api_name="render",
                      **GPU).then(h.pick_clip, [picker, ws], clip_out, api_name="clip_after_render", **PRIVATE)
        stop_btn.click(h.stop, [ws], None, api_name="stop", concurrency_id="control", concurrency_limit=None)

        regen_btn.click(h.regenerate, [picker, clip_caption, clip_text, clip_instruction, new_seed, ws],
                        [ws, *clip_out, table, plan_json, timeline, mix, loudness, status],
                        api_name="regenerate", **GPU)
        retake_btn.click(h.retake_clip, [picker, ws], [ws, *clip_out, table, plan_json, timeline, mix, loudness, status],
                         api_name="retake", **GPU)
        takes.input(h.preview_take, [picker, takes, ws], clip_out, api_name="preview_take", **PRIVATE)
        use_btn.click(h.use_take, [picker, takes, ws], [ws, *clip_out, table, plan_json, timeline, mix, loudness],
                      api_name="use_take", **PRIVATE)
        lock.input(h.set_lock, [picker, lock, ws], [ws, table, plan_json], api_name="set_lock", **PRIVATE)

        export_btn.click(h.export, [export_what, ws], export_file, api_name="export")
        delivery.input(h.set_delivery, [delivery, ws], [ws, plan_json, *views_out], api_name="set_delivery")
        import_btn.upload(h.open_project, [import_btn, ws], story_out, api_name="open_project", **GPU).then(
            h.after_plan, [ws], views_out + clip_out, api_name="after_open", **PRIVATE).then(
            h.plan_extras, [ws], [delivery, pronunciations, voice_char], api_name="extras_after_open", **PRIVATE)

        # Instruct tab
        compose_in = [inst_kind, inst_lang, *speech_dd, *music_dd]
        gr.on([d.input for d in speech_dd + music_dd], instruct_tab.compose_preview, compose_in, inst_instruction,
              api_name="compose", **PRIVATE)
        inst_lang.input(instruct_tab.instruct_language, inst_lang, speech_dd + music_dd, api_name="instruct_language",
                        **PRIVATE)
        inst_kind.input(instruct_tab.instruct_kind, inst_kind, [speech_group, music_group, inst_instruction, voices, duration],
                        api_name="instruct_kind", **PRIVATE).then(
            _example_for_kind, [inst_kind, inst_lang], [inst_instruction, inst_text], api_name="instruct_example",
            **PRIVATE)
        inst_btn.click(instruct_tab.run_instruct, [inst_kind, inst_instruction, inst_text, voices, inst_lang, inst_seed,
                                        duration, ws], [ws, inst_audio, inst_understood, inst_fig],
                       api_name="instruct", **GPU)
        contrast_btn.click(instruct_tab.run_contrast, [contrast_line, contrast_instr, inst_lang, inst_seed, ws],
                           [ws, *contrast_audio, contours], api_name="contrast", **GPU)

        refresh_btn.click(h.session_info, [ws], info, api_name="session_info", **PRIVATE)
        about_tab.select(h.session_info, [ws], info, api_name="session_info_tab", **PRIVATE)
        demo.load(_on_load, None, [ready, info], api_name="on_load", **PRIVATE)
    demo.queue(default_concurrency_limit=4, max_size=64)
    return demo


_EXAMPLES = {
    ("speech", "en"): ("A young woman, speaking happily.", "The lighthouse keeper waved from the rocks."),
    ("speech", "zh"): ("一位年轻的女人，开心地说。", "灯塔看守人在礁石上向我们挥手。"),
    ("music", "en"): ("Calm ambient music, with piano and pad, slow.", ""),
    ("music", "zh"): ("宁静的氛围音乐，使用钢琴，缓慢的节奏。", ""),
    ("dialogue", "en"): ("", "A: Did you hear the thunder last night?\nB: I did! I hid under my blanket."),
    ("dialogue", "zh"): ("", "A：你昨晚听到雷声了吗？\nB：听到了！我躲在被子里。"),
}


def _example_for_kind(kind: str, language: str):
    """Switching kind puts a matching example in the boxes (text the user typed for another kind rarely fits)."""
    return _EXAMPLES.get((kind, "zh" if language == "zh" else "en"), ("", ""))


def _on_load():
    from .handlers import session_info

    return "1", session_info(None)
