"""The Gradio authoring app: layout (layout.py), thin handlers (handlers.py), views (views.py: timeline, players,
figures), per-session workspaces (workspace.py), the GPU door (gpu.py), formatting (format.py) and UI strings
(i18n.py). Everything the app does to a story goes through engine.studio.Studio."""
