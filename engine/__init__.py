"""AudioStory Studio engine: plan → render → mix → export. Never imports gradio."""

__version__ = "0.1.0"
