"""What a recipe is: a render function of a `Ctx` (its random generator, length and controls) declared with
`@recipe` (name, kind, natural distance and room, level, length)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

import numpy as np

from engine.backends.base import CancelToken
from engine.backends.offline.sound.dsp.noise import STEREO_SHIFT, noise_bands
from engine.backends.offline.sound.dsp.oscillator import oscillate
from engine.backends.offline.sound.dsp.rates import F32, SR


RecipeKind = Literal["bed", "event", "sequence"]


@dataclass
class Ctx:
    """What a recipe may use: its own random generator, the length, and the resolved controls."""

    rng: np.random.Generator
    n: int
    intensity: float
    surface: str | None = None
    cancel: CancelToken | None = None

    @property
    def dur(self) -> float:
        return self.n / SR

    def zeros(self) -> np.ndarray:
        return np.zeros((2, self.n), F32)

    def check(self) -> None:
        if self.cancel is not None:
            self.cancel.check()

    def bands(self, specs: list[tuple[Callable, object]], taps: int = 2049, crackle: tuple | None = None,
              shift: int = STEREO_SHIFT) -> np.ndarray:
        """Continuous noise bands over the whole clip: `noise_bands` with this recipe's generator and length."""
        return noise_bands(self.rng, self.n, specs, taps, crackle, shift, self.cancel)

    def osc(self, out: np.ndarray, freq: np.ndarray, amp, wave: Callable[[np.ndarray], np.ndarray] = np.sin,
            pan: float = 0.0, phase0: float = 0.0) -> None:
        """Add an oscillator over the whole clip into out: `oscillate`, cancellable with this recipe."""
        oscillate(out, freq, amp, wave, pan, phase0, self.cancel)


@dataclass(frozen=True)
class Recipe:
    """A recipe as the bank knows it: its render function and how the backend levels and places what it renders."""

    name: str
    render: Callable[[Ctx], np.ndarray]  # Ctx → float32 (2, n)
    kind: RecipeKind
    description: str
    distance: str = "near"  # natural distance when the caption/attributes say nothing
    environment: str = "outdoor"
    level_db: float = 0.0  # loudness relative to a bed at the same intensity (events sit above beds)
    natural_length: float = 0.0  # seconds a one-shot needs; shorter clips truncate it (with a warning)
    surfaces: tuple[str, ...] = ()  # surfaces it honours (when none is asked for, the recipe picks)


def recipe(name: str, kind: RecipeKind, description: str, **kw) -> Callable[[Callable[[Ctx], np.ndarray]], Recipe]:
    """Declare a render function as a recipe: the decorated name becomes the `Recipe`, which
    `recipes.RECIPES` then lists."""
    def declare(render: Callable[[Ctx], np.ndarray]) -> Recipe:
        return Recipe(name=name, render=render, kind=kind, description=description, **kw)
    return declare
