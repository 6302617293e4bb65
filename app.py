"""AudioStory Studio — the Gradio app (local and Hugging Face Space entry point).

`python app.py` serves on 127.0.0.1:7860 unless GRADIO_SERVER_NAME / GRADIO_SERVER_PORT say otherwise (a Space
sets them). Models load on first use, so the page is up within seconds on a CPU.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import ui.gpu  # noqa: E402,F401  - imports `spaces` (ZeroGPU) before anything that could touch CUDA

import gradio as gr  # noqa: E402

from ui.i18n import I18N  # noqa: E402
from ui.layout import build_ui  # noqa: E402

CSS = Path(__file__).resolve().parent / "assets" / "style.css"

demo = build_ui()


def launch_kwargs(**overrides) -> dict:
    kw = dict(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        i18n=I18N,
        theme=gr.themes.Soft(),
        css_paths=[CSS],
        footer_links=["api", "gradio", "settings"],
        show_error=True,
    )
    kw.update(overrides)
    return kw


def launch(**overrides):
    """demo.launch with the app's theme, css and translations (tests call this with prevent_thread_lock)."""
    return demo.launch(**launch_kwargs(**overrides))


if __name__ == "__main__":
    launch()
