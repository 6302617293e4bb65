"""The embedded `offline` profile: runs on any CPU with no download."""
