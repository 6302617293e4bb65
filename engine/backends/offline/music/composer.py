"""The offline profile's MusicModel: request → spec → score → audio, exactly the requested length."""

from __future__ import annotations

from engine.backends.base import CancelToken, Capabilities, Clip, ClipRequest
from engine.backends.offline.music.composition import assign_roles, compose
from engine.backends.offline.music.render import TARGET_LUFS, master, render_score
from engine.backends.offline.music.spec import resolve_spec

SAMPLE_RATE = 44100


class SynthComposer:
    """MusicModel of the offline profile: composes and synthesises music of exactly the requested length."""

    capabilities = Capabilities(
        name="synth-composer",
        model_id="offline-composer-v1",
        kinds=("music",),
        languages=("en", "zh"),
        max_duration=3600.0,
        sample_rate=SAMPLE_RATE,
        channels=2,
        controls=("genre", "instruments", "tempo_bpm", "mood", "key", "mode", "energy", "brightness"),
        licence="procedural synthesis (part of this project; no model weights)",
    )

    def generate(self, request: ClipRequest, cancel: CancelToken | None = None) -> Clip:
        duration = self.capabilities.clip_seconds(request)
        sr = SAMPLE_RATE
        spec, source = resolve_spec(request)
        score = compose(spec, duration, int(request.seed))
        if cancel is not None:
            cancel.check()
        audio = render_score(score, int(round(duration * sr)), sr, cancel)
        master(audio, score, sr)
        params = {
            "bpm": spec.bpm, "key": spec.key_name, "mode": spec.mode, "meter": spec.meter,
            "genre": spec.genre, "mood": spec.mood, "energy": round(spec.energy, 3),
            "brightness": round(spec.brightness, 3),
            "instruments": list(spec.instruments) + (["drums"] if spec.drums else []),
            "melody_instrument": assign_roles(spec)["melody"], "drums": spec.drums,
            "chords": [chord.symbol for _, _, chord in score.chords],
            "form": score.form, "attributes_from": source, "loudness_lufs": TARGET_LUFS,
            "seed": int(request.seed),
        }
        return Clip(audio=audio, sample_rate=sr, warnings=list(spec.warnings), parameters=params)
