"""TangoFlux sound (our DiT pipeline) and the Stable Audio adapter on tiny random checkpoints, loaded offline
through the same `repo_id_or_path` loaders users hit."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")

from studio_tiny import checkpoint  # noqa: E402

from engine.backends import torch_runtime as rt  # noqa: E402
from engine.backends.base import BackendError, CancelToken, Cancelled, ClipRequest  # noqa: E402
from engine.backends.steps import progress_to  # noqa: E402
from engine.backends.flux_audio_dit import AudioFluxDiT, Conditioning, DiTConfig  # noqa: E402
from engine.backends.tangoflux import TangoFluxSound  # noqa: E402
from engine.backends.text_to_audio import sound_prompt  # noqa: E402


@pytest.fixture(scope="module")
def tango():
    return TangoFluxSound(str(checkpoint("tangoflux")), steps=2, allow_cpu=True)


def spy(module, store):
    return module.register_forward_hook(lambda m, args, out: store.append(args[0].detach().clone()))


def test_clip_format_duration_and_controls_reach_the_model(tango):
    durations, token_ids = [], []
    tango.model()  # load once, then watch the modules the request must reach
    pipe = tango._model
    hooks = [spy(pipe.dit.duration_emebdder, durations)]
    hooks.append(pipe.text_encoder.register_forward_hook(
        lambda m, args, kwargs, out: token_ids.append(kwargs["input_ids"].clone()), with_kwargs=True))
    try:
        req = ClipRequest(kind="sound", caption="heavy rain on a roof", duration=2.5, seed=3,
                          attributes={"distance": "far", "intensity": 0.9})
        clip = tango.generate(req)
    finally:
        for h in hooks:
            h.remove()
    assert clip.sample_rate == 44100 and clip.audio.ndim == 2 and clip.audio.shape[1] == 2
    assert abs(clip.duration - 2.5) <= 0.05
    assert clip.audio.dtype == np.float32 and 0 < np.abs(clip.audio).max() < 1.0
    # the duration embedder saw the requested seconds (twice: conditional + unconditional rows)
    assert durations and torch.allclose(durations[0].float(), torch.tensor([2.5, 2.5]))
    # the T5 encoder read the caption plus the attributes, and the empty unconditional prompt
    text = pipe.tokenizer.decode(token_ids[0][0], skip_special_tokens=True)
    assert "rain" in text and "far away" in text and "loud" in text
    assert pipe.tokenizer.decode(token_ids[0][1], skip_special_tokens=True) == ""
    assert clip.parameters["duration_conditioning"] == 2.5 and clip.parameters["steps"] == 2


def test_seed_decides_the_take(tango):
    req = ClipRequest(kind="sound", caption="a door creaks", duration=1.0, seed=11)
    a, b = tango.generate(req).audio, tango.generate(req).audio
    c = tango.generate(ClipRequest(kind="sound", caption="a door creaks", duration=1.0, seed=12)).audio
    assert np.array_equal(a, b) and not np.allclose(a, c)


def test_every_denoising_step_reports_and_can_cancel(tango):
    seen, cancel = [], CancelToken()

    def progress(label, done, total):
        seen.append((label, done, total))
        cancel.cancel()  # press Stop after the first step

    with progress_to(progress), pytest.raises(Cancelled):
        tango.generate(ClipRequest(kind="sound", caption="wind", duration=1.0), cancel)
    assert seen == [("sound", 1, 2)]


def test_longer_than_one_window_is_refused_with_the_limit(tango):
    caps = tango.capabilities
    assert caps.max_duration == pytest.approx(130 * 2048 / 44100)  # the tiny latent window
    with pytest.raises(BackendError, match="per call"):
        tango.generate(ClipRequest(kind="sound", caption="rain", duration=caps.max_duration + 1))


def test_broken_checkpoint_folder_is_a_clear_error(tmp_path):
    import shutil

    broken = tmp_path / "tf"
    shutil.copytree(checkpoint("tangoflux"), broken)
    (broken / "vae.safetensors").unlink()
    with pytest.raises(BackendError, match="vae.safetensors is missing"):
        TangoFluxSound(str(broken), allow_cpu=True).generate(ClipRequest(kind="sound", caption="x", duration=1))


def test_prompt_adds_only_what_the_caption_lacks():
    assert sound_prompt("rain far away", {"distance": "far", "environment": "cave"}) == "rain far away, in a cave"
    assert sound_prompt("", {"source": "thunder", "intensity": 0.1}) == "thunder, soft, quiet"


def test_dit_takes_any_token_conditioning_like_audiostory():
    """The AudioStory backend feeds fused LLM features (all tokens valid) instead of T5 states."""
    torch.manual_seed(0)
    cfg = DiTConfig(num_layers=1, num_single_layers=1, in_channels=8, attention_head_dim=8, num_attention_heads=2,
                    joint_attention_dim=16, audio_seq_len=12, axes_dims_rope=(2, 2, 4))
    dit = AudioFluxDiT(cfg).eval()
    feats = Conditioning(torch.randn(1, 5, 16), torch.ones(1, 5))
    null = Conditioning(torch.randn(1, 5, 16), torch.tensor([[1.0, 0, 0, 0, 0]]))
    noise = rt.randn((1, 12, 8), 0, torch.device("cpu"), torch.float32)
    plain = dit.sample(feats, torch.tensor([4.0]), noise, steps=3)
    guided = dit.sample(feats, torch.tensor([4.0]), noise, steps=3, guidance_scale=4.0, uncond=null)
    other_length = dit.sample(feats, torch.tensor([9.0]), noise, steps=3)
    assert plain.shape == (1, 12, 8) and torch.isfinite(guided).all()
    assert not torch.allclose(plain, guided) and not torch.allclose(plain, other_length)


def test_stable_audio_adapter_loads_without_torchsde_and_fits_the_duration():
    from engine.backends.diffusers_audio import StableAudioOpenSound

    sa = StableAudioOpenSound(str(checkpoint("stable_audio")), steps=2, allow_cpu=True)
    steps = []
    with progress_to(lambda label, done, total: steps.append(done)):
        clip = sa.generate(ClipRequest(kind="sound", caption="a hammer on wood", duration=1.5, seed=1))
    assert clip.sample_rate == 8 and clip.audio.shape == (12, 2)  # the tiny VAE runs at 8 Hz
    assert steps == [1, 2] and sa.capabilities.licence.startswith("Stability AI Community License")
