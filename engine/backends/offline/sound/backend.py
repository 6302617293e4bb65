"""The offline profile's SoundModel: a caption becomes layered procedural recipes, each levelled, placed in its
space and mixed to exactly the requested length."""

from __future__ import annotations

import math
import zlib

import numpy as np

from engine import qa_signal
from engine.backends.base import CancelToken, Capabilities, Clip, ClipRequest
from engine.backends.offline.sound.dsp.kernels import fade_edges
from engine.backends.offline.sound.dsp.level import limit, measure, target_loudness
from engine.backends.offline.sound.dsp.rates import F32, SR
from engine.backends.offline.sound.dsp.space import DISTANCES, ENVIRONMENTS, spatialise
from engine.backends.offline.sound.matching import (caption_environment, caption_intensity, caption_surface,
                                                    choose_layers, match_recipes, modifiers_by_layer)
from engine.backends.offline.sound.recipes import RECIPES
from engine.backends.offline.sound.recipes.recipe import Ctx


_SURFACE_ENV = {"gravel": "outdoor", "snow": "outdoor", "grass": "outdoor"}
FALLBACK = "room_tone"


def _stable_seed(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([int(seed) % (1 << 64), zlib.crc32(name.encode())])


class ProceduralSound:
    """SoundModel of the offline profile: caption → layered procedural recipes, exactly `duration` long."""

    capabilities = Capabilities(
        name="procedural-sound",
        model_id="offline-recipes-v1",
        kinds=("sound",),
        languages=("en", "zh"),
        max_duration=3600.0,
        sample_rate=SR,
        channels=2,
        controls=("intensity", "distance", "environment"),
        licence="synthesised in code by this project; no third-party recordings",
    )

    def generate(self, request: ClipRequest, cancel: CancelToken | None = None) -> Clip:
        duration = self.capabilities.clip_seconds(request)
        n = max(1, int(round(duration * SR)))
        attrs = dict(request.attributes or {})
        warnings: list[str] = []
        described = " ".join(x for x in (request.caption, attrs.get("source") or "") if x).strip()
        wording = " ".join(x for x in (request.caption, request.instruction) if x)

        given_intensity = self._intensity(attrs, warnings)
        caption_i = caption_intensity(wording)
        matches = match_recipes(described)
        layers = choose_layers(matches, given_intensity if given_intensity is not None else
                               (0.5 if caption_i is None else caption_i))
        if not layers:
            warnings.append(f'no sound recipe matched "{described}"; using room tone')
            layers = [(FALLBACK, 0.0)]
        names = [name for name, _ in layers]
        mods = modifiers_by_layer(wording, names)
        given_distance = self._distance(attrs)
        environment = self._environment(attrs, wording, warnings)
        surface = attrs.get("surface") or caption_surface(wording)

        # each layer is levelled dry, then layers sharing a distance and a room share one pass of air and reverb
        groups: dict[tuple[str, str], np.ndarray] = {}
        info = []
        for k, (name, score) in enumerate(layers):
            if cancel is not None:
                cancel.check()
            r = RECIPES[name]
            intensity = given_intensity if given_intensity is not None else mods[name].get("intensity", 0.5)
            dist = given_distance or mods[name].get("distance") or r.distance
            layer_surface = surface if surface in r.surfaces else None  # None: the recipe's own default
            env = environment or (_SURFACE_ENV.get(layer_surface or "", r.environment) if r.surfaces
                                  else r.environment)
            ctx = Ctx(rng=_stable_seed(request.seed, name), n=n, intensity=intensity, surface=layer_surface,
                      cancel=cancel)
            y = r.render(ctx)
            if r.natural_length and duration < 0.6 * r.natural_length:
                warnings.append(f"{name} usually needs about {r.natural_length:.1f} s; this {duration:.2f} s clip "
                                f"cuts it short")
            # a second bed sits under the first; events punctuate whatever they are layered with
            target = target_loudness(intensity, r.level_db, dist) - (3.0 if k and r.kind == "bed" else 0.0)
            level = measure(y, r.kind)
            gain_db = target - level if math.isfinite(level) else 0.0
            y *= F32(10 ** (gain_db / 20))
            if (dist, env) in groups:
                groups[(dist, env)] += y
            else:
                groups[(dist, env)] = y
            del y
            info.append({"recipe": name, "score": score, "intensity": round(intensity, 3), "distance": dist,
                         "environment": env, "surface": layer_surface, "target_lufs": round(target, 2),
                         "gain_db": round(gain_db, 2)})
        mix_ = None
        for (dist, env), y in groups.items():
            y = spatialise(y, dist, env, cancel)
            if mix_ is None:
                mix_ = y
            else:
                mix_ += y
        peak = limit(mix_)
        if any(RECIPES[name].kind != "bed" for name in names):
            fade_edges(mix_, 0.002, min(0.15, 0.1 * duration))
        else:
            fade_edges(mix_)
        audio = np.ascontiguousarray(mix_.T)
        return Clip(audio=audio, sample_rate=SR, warnings=warnings, parameters={
            "recipes": names,
            "layers": info,
            "matched": matches[:8],
            "intensity": info[0]["intensity"],
            "distance": info[0]["distance"],
            "environment": info[0]["environment"],
            "surface": info[0]["surface"],
            "duration": duration,
            "samples": n,
            "seed": request.seed,
            "loudness_lufs": round(qa_signal.integrated_loudness(audio, SR, max_seconds=30.0), 2),
            "peak": round(peak, 4),
        })

    @staticmethod
    def _intensity(attrs: dict, warnings: list[str]) -> float | None:
        value = attrs.get("intensity")
        if value is None:
            return None
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"sound intensity must be a number from 0 to 1, got {value!r}") from None
        if not math.isfinite(value):
            raise ValueError(f"sound intensity must be a number from 0 to 1, got {value!r}")
        if not 0.0 <= value <= 1.0:
            warnings.append(f"intensity {value:g} is outside 0..1; clamped")
        return min(1.0, max(0.0, value))

    @staticmethod
    def _distance(attrs: dict) -> str | None:
        value = attrs.get("distance")
        if value is None:
            return None
        if value not in DISTANCES:
            raise ValueError(f"sound distance must be one of {', '.join(DISTANCES)}, got {value!r}")
        return value

    @staticmethod
    def _environment(attrs: dict, wording: str, warnings: list[str]) -> str | None:
        value = attrs.get("environment")
        if value is None:
            return caption_environment(wording)
        text = str(value).strip().lower()
        if text in ENVIRONMENTS:
            return text
        mapped = caption_environment(text)
        if mapped is None:
            warnings.append(f"environment {value!r} is not one this backend knows ({', '.join(ENVIRONMENTS)}); "
                            "using the sound's usual surroundings")
        return mapped
