"""The offline procedural sound bank (engine/backends/offline/sound/) and the seam detector (engine/qa_signal.py).

Speed is not asserted here (see the backend's report); these tests check what the clips are: exact length, level,
no clipping, the effect of each control, caption matching in English and Chinese, determinism and seamless beds.
"""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest

from engine import qa_signal
from engine.analysis import rms_db, spectral_centroid
from engine.backends.base import BackendError, CancelToken, Cancelled, ClipRequest, SoundModel
from engine.backends.offline.sound import ProceduralSound
from engine.backends.offline.sound import lexicon as sound_lexicon
from engine.backends.offline.sound.matching import choose_layers, match_recipes
from engine.backends.offline.sound.recipes import RECIPES

SR = 44100


@pytest.fixture(scope="module")
def bank() -> ProceduralSound:
    return ProceduralSound()


def render(bank, caption, duration=2.0, seed=1, **attributes):
    return bank.generate(ClipRequest(kind="sound", caption=caption, duration=duration, seed=seed,
                                     attributes=attributes))


def test_capabilities_declare_the_sound_role(bank):
    caps = bank.capabilities
    assert isinstance(bank, SoundModel)
    assert (caps.name, caps.model_id, caps.kinds) == ("procedural-sound", "offline-recipes-v1", ("sound",))
    assert caps.languages == ("en", "zh") and caps.sample_rate == SR and caps.channels == 2
    assert caps.max_duration == 3600 and caps.controls == ("intensity", "distance", "environment")


def test_the_bank_covers_the_everyday_categories():
    required = {"rain_light", "rain_heavy", "thunder", "wind", "ocean", "stream", "fire", "footsteps", "door_knock",
                "door_creak", "door_slam", "clock", "church_bell", "small_bell", "birdsong", "crickets", "dog_bark",
                "crowd", "applause", "car_engine", "car_pass", "siren", "train", "typing", "water_drip", "explosion",
                "whoosh", "glass_break", "phone_ring", "heartbeat", "horse_hooves", "sword_clash", "room_tone",
                "cafe", "city_street"}
    assert required <= set(RECIPES)
    assert len(RECIPES) >= 40
    assert set(sound_lexicon.CATEGORY_WORDS) == set(RECIPES)  # every recipe can be asked for by name


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_every_recipe_renders_a_clean_clip_whose_level_follows_intensity(bank, name):
    caption = sound_lexicon.CATEGORY_WORDS[name][0][0]  # the recipe's first (strongest) keyword
    levels = []
    for intensity in (0.2, 0.9):
        clip = render(bank, caption, 2.0, seed=3, intensity=intensity)
        audio = clip.audio
        assert clip.parameters["recipes"] == [name]
        assert clip.sample_rate == SR
        assert audio.dtype == np.float32 and audio.shape == (2 * SR, 2)
        assert np.isfinite(audio).all()
        assert np.abs(audio).max() < 0.99
        assert rms_db(audio) > -50, f"{name} at intensity {intensity} is (nearly) silent"
        levels.append(rms_db(audio))
    assert levels[1] > levels[0] + 3, f"{name}: intensity 0.9 is not clearly louder than 0.2 ({levels})"


@pytest.mark.parametrize("duration", [0.1, 0.37, 1.2345, 7.0])
def test_clip_length_is_exactly_the_asked_duration(bank, duration):
    for caption in ("rain", "a door slams", "footsteps on snow"):
        clip = render(bank, caption, duration)
        assert clip.audio.shape == (round(duration * SR), 2)
        assert np.isfinite(clip.audio).all() and np.abs(clip.audio).max() < 0.99
        assert rms_db(clip.audio) > -60


def test_a_bed_is_levelled_to_the_intended_loudness(bank):
    mid = render(bank, "ocean waves", 8.0, intensity=0.5)
    loud = render(bank, "ocean waves", 8.0, intensity=1.0)
    meter = pyloudnorm.Meter(SR)
    assert meter.integrated_loudness(mid.audio.astype(float)) == pytest.approx(-20.0, abs=1.0)
    assert meter.integrated_loudness(loud.audio.astype(float)) == pytest.approx(-14.0, abs=1.5)
    assert mid.parameters["loudness_lufs"] == pytest.approx(-20.0, abs=1.0)


@pytest.mark.parametrize("caption", ["heavy rain", "crowd murmur", "footsteps on wood", "a dog barks", "church bell"])
def test_far_is_darker_and_quieter_than_close(bank, caption):
    close = render(bank, caption, 4.0, seed=5, distance="close")
    far = render(bank, caption, 4.0, seed=5, distance="far")
    assert far.parameters["distance"] == "far" and close.parameters["distance"] == "close"
    assert spectral_centroid(far.audio, SR) < 0.8 * spectral_centroid(close.audio, SR)
    assert rms_db(far.audio) < rms_db(close.audio) - 4


def test_distance_and_intensity_words_in_the_caption_feed_the_parameters(bank):
    clip = render(bank, "heavy rain and distant thunder", 3.0)
    layers = {layer["recipe"]: layer for layer in clip.parameters["layers"]}
    assert set(layers) == {"rain_heavy", "thunder"}
    assert layers["rain_heavy"]["intensity"] == pytest.approx(0.8)
    assert layers["thunder"]["distance"] == "distant" and layers["rain_heavy"]["distance"] == "near"
    quiet = render(bank, "轻轻的雨声", 3.0)
    assert quiet.parameters["intensity"] < 0.5 and quiet.parameters["recipes"] == ["rain_light"]
    # attributes, when given, win over the words
    told = render(bank, "heavy rain far away", 3.0, intensity=0.1, distance="close", environment="cave")
    assert (told.parameters["intensity"], told.parameters["distance"], told.parameters["environment"]) == \
        (0.1, "close", "cave")


def test_environment_changes_the_room(bank):
    dry = render(bank, "footsteps on stone", 4.0, seed=2, environment="outdoor")
    cave = render(bank, "footsteps on stone", 4.0, seed=2, environment="cave")

    def tail_energy(audio):  # energy between steps, where only the room rings on
        env = np.sqrt(np.convolve(audio.mean(axis=1) ** 2, np.ones(441) / 441, "same"))
        return float(np.percentile(env, 20) / np.percentile(env, 99))

    assert tail_energy(cave.audio) > 3 * tail_energy(dry.audio)
    unknown = render(bank, "footsteps", 1.0, environment="on the moon")
    assert any("environment 'on the moon'" in w for w in unknown.warnings)


@pytest.mark.parametrize("caption, expected", [
    ("heavy rain on a tin roof", {"rain_heavy"}),
    ("light drizzle", {"rain_light"}),
    ("rain and thunder", {"rain_light", "thunder"}),
    ("a thunderstorm", {"rain_heavy", "thunder"}),
    ("a dog barks in the distance", {"dog_bark"}),
    ("someone knocks on the door", {"door_knock"}),
    ("the door slams shut", {"door_slam"}),
    ("a creaking door opens slowly", {"door_creak"}),
    ("waves crash on the beach", {"ocean"}),
    ("a crackling campfire", {"fire"}),
    ("birds chirping in the morning", {"birdsong"}),
    ("a busy city street with traffic", {"city_street"}),
    ("wind howling through the trees", {"wind"}),
    ("a car drives past", {"car_pass"}),
    ("an old fisherman's boat creaks", {"boat_creak"}),
    ("a storm at sea", {"ocean", "rain_heavy", "wind", "thunder"}),
    ("窗外下着大雨，雷声轰隆", {"rain_heavy", "thunder"}),
    ("远处传来狗叫声", {"dog_bark"}),
    ("有人在敲门", {"door_knock"}),
    ("脚步声在木地板上回响", {"footsteps"}),
    ("海浪拍打着沙滩", {"ocean"}),
    ("壁炉里的火噼啪作响", {"fire"}),
    ("夏夜的蟋蟀声", {"crickets"}),
    ("呼啸的北风", {"wind"}),
    ("教堂的钟声", {"church_bell"}),
    ("热闹的集市人声鼎沸", {"crowd"}),
    ("一声巨大的爆炸", {"explosion"}),
    ("马蹄声由远及近", {"horse_hooves"}),
    ("刀剑交锋", {"sword_clash"}),
    ("小溪潺潺流水", {"stream"}),
])
def test_captions_map_to_the_right_recipes(caption, expected):
    assert {name for name, _ in choose_layers(match_recipes(caption), 0.5)} == expected


def test_match_recipes_scores_best_first():
    scores = match_recipes("heavy rain with thunder and a little wind")
    names = [name for name, _ in scores]
    assert names[0] in ("rain_heavy", "thunder") and {"rain_heavy", "thunder", "wind"} <= set(names)
    assert [s for _, s in scores] == sorted((s for _, s in scores), reverse=True)
    assert match_recipes("") == [] and match_recipes("a cat meows") == []


def test_surface_words_choose_the_footstep_kernel(bank):
    snow = render(bank, "footsteps in the snow", 3.0, seed=4)
    wood = render(bank, "footsteps on a wooden floor", 3.0, seed=4)
    assert snow.parameters["surface"] == "snow" and wood.parameters["surface"] == "wood"
    assert not np.allclose(snow.audio, wood.audio)


def test_a_layered_caption_mixes_the_layers(bank):
    both = render(bank, "rain and thunder", 6.0, seed=8)
    assert both.parameters["recipes"] == ["thunder", "rain_light"]
    rain_only = render(bank, "rain", 6.0, seed=8)
    assert rms_db(both.audio) > rms_db(rain_only.audio)


def test_an_unmatched_caption_falls_back_to_room_tone_with_a_warning(bank):
    clip = render(bank, "a cat meows", 2.0)
    assert clip.parameters["recipes"] == ["room_tone"]
    assert 'no sound recipe matched "a cat meows"; using room tone' in clip.warnings
    assert rms_db(clip.audio) > -60 and np.abs(clip.audio).max() < 0.99


def test_one_shot_events_start_near_the_start_and_are_not_cut_in(bank):
    for caption in ("a door slams", "an explosion", "glass breaking", "a gunshot"):
        audio = render(bank, caption, 4.0).audio.mean(axis=1)
        env = np.sqrt(np.convolve(audio ** 2, np.ones(220) / 220, "same"))
        first = np.argmax(env > 0.1 * env.max()) / SR
        assert 0.01 < first < 0.5, f"{caption}: event starts at {first:.2f} s"
        assert np.abs(audio[:20]).max() < 0.01  # silence (or a fade) before it, no click at sample 0
    short = render(bank, "knocking on the door", 0.3)
    assert any("cuts it short" in w for w in short.warnings)


def test_same_seed_same_clip_other_seed_other_clip(bank):
    a = render(bank, "crackling fire and wind", 3.0, seed=11)
    b = render(bank, "crackling fire and wind", 3.0, seed=11)
    c = render(bank, "crackling fire and wind", 3.0, seed=12)
    assert np.array_equal(a.audio, b.audio)
    assert not np.allclose(a.audio, c.audio)
    assert abs(np.corrcoef(a.audio[:, 0], c.audio[:, 0])[0, 1]) < 0.3


def test_bad_requests_get_clear_errors(bank):
    with pytest.raises(BackendError, match="speech"):
        bank.generate(ClipRequest(kind="speech", text="hello", duration=1.0))
    with pytest.raises(ValueError, match="duration"):
        render(bank, "rain", 0.0)
    with pytest.raises(ValueError, match="3600"):
        render(bank, "rain", 4000.0)
    with pytest.raises(ValueError, match="distance must be one of"):
        render(bank, "rain", 1.0, distance="very very far")
    with pytest.raises(ValueError, match="intensity"):
        render(bank, "rain", 1.0, intensity="loud")
    clamped = render(bank, "rain", 1.0, intensity=1.7)
    assert clamped.parameters["intensity"] == 1.0 and any("clamped" in w for w in clamped.warnings)


def test_cancel_stops_a_long_render(bank):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        bank.generate(ClipRequest(kind="sound", caption="rain", duration=600.0), cancel=token)


def test_loudness_matches_pyloudnorm():
    rng = np.random.default_rng(0)
    audio = (rng.standard_normal((7 * SR, 2)) * 0.05).astype(np.float32)
    audio[:2 * SR] *= 0.1
    expected = pyloudnorm.Meter(SR).integrated_loudness(audio.astype(float))
    assert qa_signal.integrated_loudness(audio, SR) == pytest.approx(expected, abs=0.05)


@pytest.fixture(scope="module")
def ten_minute_bed(bank):
    return render(bank, "rain and wind", 600.0, seed=7)


def test_a_ten_minute_bed_has_no_seam_and_a_tiled_loop_is_caught(ten_minute_bed):
    audio = ten_minute_bed.audio
    assert audio.shape == (600 * SR, 2) and np.abs(audio).max() < 0.99
    assert set(ten_minute_bed.parameters["recipes"]) == {"rain_light", "wind"}
    report = qa_signal.seam_score(audio, SR)
    assert report.seamless, report
    assert report.repetition < 0.3
    # negative control: the bed's own first 2 s, tiled with hard joins to the same length
    tiled = np.tile(audio[:2 * SR], (300, 1))
    caught = qa_signal.seam_score(tiled, SR)
    assert not caught.seamless and caught.kind == "repeat"
    assert caught.period == pytest.approx(2.0, abs=0.02)


def test_the_seam_detector_catches_a_splice_jump(bank):
    soft = render(bank, "rain", 20.0, seed=3, intensity=0.1).audio
    hard = render(bank, "rain", 20.0, seed=3, intensity=0.95).audio
    assert qa_signal.seam_score(soft, SR).seamless and qa_signal.seam_score(hard, SR).seamless
    spliced = np.concatenate([soft[:10 * SR], hard[10 * SR:]])
    caught = qa_signal.seam_score(spliced, SR)
    assert not caught.seamless and caught.kind == "step"
    assert caught.time == pytest.approx(10.0, abs=0.3)
