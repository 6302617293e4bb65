"""The Gradio authoring app: layout (layout.py), thin handlers (handlers.py), pure plan⇄table logic
(plan_table.py), per-session workspaces (workspace.py), the GPU door (gpu.py), Instruct tab logic (direct.py),
formatting (format.py) and UI strings (i18n.py)."""
