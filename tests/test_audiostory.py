"""AudioStory-3B backend on a tiny random checkpoint written in the upstream on-disk layout.

The tiny LLM is random except for a hand-set "script": orthonormal embeddings for the script tokens and one MLP unit
per token (the down projection lives in the LoRA B·A, the final norm in peft's modules_to_save copy, whose frozen
`original_module` twin is zero) make greedy decoding follow a fixed story grammar. So the test fails if the
loader drops the LoRA merge, reads the wrong norm copy, gets the added-token ids wrong or mis-parses the output.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("transformers")
yaml = pytest.importorskip("yaml")

from bench import random_models as rm  # noqa: E402
from engine.backends import audiostory as AS  # noqa: E402
from engine.backends.base import BackendError, ClipRequest  # noqa: E402

N_SEM, N_RES = 4, 2
HIDDEN, INTER, RANK = 64, 64, 64
JOINT = 16
CLIP_S = 4.0


def _script(tok) -> list[str]:
    """Greedy successor chain: <|think|> S <|/think|> <|gen|> R <timestamp> 4 </timestamp> <t5> … </t5> <aud> …
    </aud> <|/gen|> <|gen|> … (a cycle: the token budget ends the story after two clips)."""
    return ["<|think|>", "S", "<|/think|>", "<|gen|>", "R", "<timestamp>", "4", "</timestamp>", "<t5>"]


def _build(root: Path) -> Path:
    from diffusers import AutoencoderOobleck
    from safetensors.torch import save_file
    from transformers import GenerationConfig, Qwen2Config, T5Config, T5EncoderModel

    from engine.backends.flux_audio_dit import AudioFluxDiT, DiTConfig

    g = torch.Generator().manual_seed(0)
    tok = rm.qwen_tokenizer(chat_template=None)
    base = root / "Qwen2.5-3B-Instruct"
    base.mkdir(parents=True)
    tok.save_pretrained(base)
    n_base = len(tok)
    cfg = Qwen2Config(vocab_size=n_base, hidden_size=HIDDEN, intermediate_size=INTER, num_hidden_layers=1,
                      num_attention_heads=2, num_key_value_heads=1, tie_word_embeddings=True,
                      eos_token_id=tok.convert_tokens_to_ids("<|im_end|>"))
    cfg.save_pretrained(base)
    GenerationConfig(repetition_penalty=1.05, eos_token_id=[tok.convert_tokens_to_ids("<|im_end|>"),
                                                            tok.convert_tokens_to_ids("<|endoftext|>")]
                     ).save_pretrained(base)
    full = rm.qwen_tokenizer(chat_template=None)
    full.add_tokens(list(AS.ADDED_TOKENS), special_tokens=True)
    ids = full.convert_tokens_to_ids
    vocab = len(full)

    # script successor map: c -> s, one MLP unit each, orthonormal embeddings for the script tokens
    chain = _script(full)
    pairs = [(chain[i], chain[i + 1]) for i in range(len(chain) - 1)]
    pairs += [("</t5>", "<aud>"), ("</aud>", "<|/gen|>"), ("<|/gen|>", "<|gen|>")]
    script_tokens = sorted({t for p in pairs for t in p}, key=ids)
    emb = torch.randn(vocab, HIDDEN, generator=g)
    emb = emb / emb.norm(dim=1, keepdim=True)
    q, _ = torch.linalg.qr(torch.randn(HIDDEN, HIDDEN, generator=g))
    for i, t in enumerate(script_tokens):
        emb[ids(t)] = q[:, i]
    gate = torch.zeros(INTER, HIDDEN)
    up = torch.zeros(INTER, HIDDEN)
    down = torch.zeros(HIDDEN, INTER)
    for j, (c, s) in enumerate(pairs):
        gate[j] = 2.5 * emb[ids(c)]
        up[j] = emb[ids(c)]
        down[:, j] = emb[ids(s)]

    P = "seedx.llm.base_model.model."
    L = P + "model.layers.0."
    sd: dict[str, torch.Tensor] = {P + "model.embed_tokens.weight": emb, P + "lm_head.weight": emb}
    kv = HIDDEN // 2
    shapes = {"self_attn.q_proj": (HIDDEN, HIDDEN), "self_attn.k_proj": (kv, HIDDEN), "self_attn.v_proj": (kv, HIDDEN),
              "self_attn.o_proj": (HIDDEN, HIDDEN), "mlp.gate_proj": (INTER, HIDDEN), "mlp.up_proj": (INTER, HIDDEN),
              "mlp.down_proj": (HIDDEN, INTER)}
    base_sd = {}
    for name, (o, i) in shapes.items():
        w = {"mlp.gate_proj": gate, "mlp.up_proj": up, "mlp.down_proj": torch.zeros(o, i),
             "self_attn.o_proj": torch.zeros(o, i)}.get(name, 0.1 * torch.randn(o, i, generator=g))
        sd[L + name + ".weight"] = w
        base_sd["model.layers.0." + name + ".weight"] = w
        if name.startswith("self_attn.") and name != "self_attn.o_proj":
            sd[L + name + ".bias"] = torch.zeros(o)
            base_sd["model.layers.0." + name + ".bias"] = torch.zeros(o)
        a = torch.eye(RANK, i) if name == "mlp.down_proj" else 0.01 * torch.randn(RANK, i, generator=g)
        b = 20.0 * down if name == "mlp.down_proj" else torch.zeros(o, RANK)
        sd[L + name + ".lora_A.default.weight"] = a
        sd[L + name + ".lora_B.default.weight"] = b
    for norm in ("input_layernorm", "post_attention_layernorm"):
        sd[L + norm + ".modules_to_save.default.weight"] = torch.ones(HIDDEN)
        sd[L + norm + ".original_module.weight"] = torch.zeros(HIDDEN)
    sd[P + "model.norm.modules_to_save.default.weight"] = torch.ones(HIDDEN)
    sd[P + "model.norm.original_module.weight"] = torch.zeros(HIDDEN)
    base_sd["model.embed_tokens.weight"] = emb[:n_base].clone()
    save_file(base_sd, base / "model.safetensors")

    # heads + fusion
    for head in ("projector", "audio_projector"):
        sd[f"seedx.{head}.0.weight"] = 0.2 * torch.randn(32, HIDDEN, generator=g)
        sd[f"seedx.{head}.0.bias"] = torch.zeros(32)
        sd[f"seedx.{head}.2.weight"] = 0.2 * torch.randn(JOINT, 32, generator=g)
        sd[f"seedx.{head}.2.bias"] = torch.zeros(JOINT)
    mha = torch.nn.MultiheadAttention(JOINT, 8)
    sd.update({f"multihead_attention.{k}": v for k, v in mha.state_dict().items()})
    sd["seedx.whisper_resampler_llava.aud_projector.0.weight"] = torch.zeros(2, 2)  # present upstream, unused

    # DiT (tangoflux.*) + T5 encoder inside the bin; detokenizer folder with config + VAE
    t5_tok = rm.t5_tokenizer()
    flan = root / "flan-t5-large"
    t5_cfg = T5Config(vocab_size=max(len(t5_tok), 32), d_model=JOINT, d_kv=4, d_ff=32, num_layers=1, num_heads=2,
                      relative_attention_num_buckets=8, feed_forward_proj="gated-gelu", is_encoder_decoder=False,
                      pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    t5_cfg.save_pretrained(flan)
    t5_tok.save_pretrained(flan)
    t5 = T5EncoderModel(t5_cfg)
    sd.update({f"tangoflux.text_encoder.{k}": v for k, v in t5.state_dict().items()
               if k != "encoder.embed_tokens.weight"})
    dit_cfg = {"num_layers": 1, "num_single_layers": 1, "in_channels": 8, "attention_head_dim": 8,
               "num_attention_heads": 2, "joint_attention_dim": JOINT, "audio_seq_len": 200, "max_duration": 30.0,
               "axes_dims_rope": [2, 2, 4], "text_encoder_name": "ckpt/flan-t5-large", "uncondition": False}
    dit = AudioFluxDiT(DiTConfig.from_dict(dit_cfg))
    sd.update({f"tangoflux.{k}": v for k, v in dit.state_dict().items()})
    det = root / "Flux_detokenizer"
    det.mkdir()
    (det / "config.json").write_text(json.dumps(dit_cfg))
    vae = AutoencoderOobleck(**rm.TINY_TANGOFLUX["vae"])
    save_file({k: v.contiguous() for k, v in vae.state_dict().items()}, det / "model.safetensors")
    (det / "vae_config.json").write_text(json.dumps(rm.TINY_TANGOFLUX["vae"]))

    ck = root / "audiostory-3B"
    (ck / "tokenizer").mkdir(parents=True)
    (ck / "tokenizer" / "added_tokens.json").write_text(json.dumps({t: 151665 for t in AS.ADDED_TOKENS}))
    config = {
        "tokenizer": {"_target_": "src.models.tokenizer.init_tokenizer",
                      "pretrained_model_path": "ckpt/Qwen2.5-3B-Instruct", "add_tokens_path": "tokenizer/added_tokens.json"},
        "llm_model": {"_target_": "transformers.AutoModelForCausalLM.from_pretrained",
                      "pretrained_model_name_or_path": "ckpt/Qwen2.5-3B-Instruct"},
        "agent_model": {"_target_": "src.models.mllm.AudioStory_llm.from_pretrained", "t5_feature_scale": 10.0,
                        "model_dims": HIDDEN, "peft_config": {"r": RANK, "lora_alpha": RANK}},
        "seedx_dit_model_cfg": {"config_path": "ckpt/Flux_detokenizer"},
        "train_dataset": {"datapipes": [{"num_t5_out_tokens": N_SEM, "num_aud_out_tokens": N_RES}]},
    }
    (ck / "config.yaml").write_text(yaml.safe_dump(config))
    torch.save(sd, ck / "pytorch_model.bin")
    return ck


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("as"))


@pytest.fixture(scope="module")
def model(ckpt):
    return AS.AudioStory3B.from_pretrained(str(ckpt))


def _tokens_per_clip() -> int:
    return 10 + N_SEM + N_RES


def test_tokenizer_and_prompt(model):
    tok = model.tokenizer
    n0 = len(tok) - 612
    assert tok.convert_tokens_to_ids("</t5>") == n0
    assert tok.convert_tokens_to_ids("<t5_00000>") == n0 + 5
    assert tok.convert_tokens_to_ids("<aud_00000>") == n0 + 107
    assert tok.convert_tokens_to_ids("<|think|>") == n0 + 610
    assert model.llm.config.vocab_size == len(tok)
    ids = model.prompt_ids(model.instruction_text("rain on a roof.", 8))
    assert ids[-1] == tok.convert_tokens_to_ids("<|think|>")
    text = tok.decode(ids)
    assert text.startswith("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n")
    assert "rain on a roof. The total duration is 8.0 seconds.<|im_end|>\n<|im_start|>assistant\n" in text
    assert model.repetition_penalty == pytest.approx(1.05)
    assert model.n_sem == N_SEM and model.n_res == N_RES and model.feature_scale == 10.0


def test_two_clip_story_plan_and_audio(ckpt, model):
    budget = 2 + 2 * _tokens_per_clip()
    story = model.plan_story("rain on a roof.", 8.0, max_new_tokens=budget)
    assert story.reasoning == "S"
    assert [c.caption for c in story.clips] == ["R", "R"]
    assert [c.duration for c in story.clips] == [CLIP_S, CLIP_S]
    assert story.clips[0].semantic.shape == (N_SEM, HIDDEN) and story.clips[0].residual.shape == (N_RES, HIDDEN)
    cond = model.conditioning(story.clips[0])
    assert cond.shape == (1, N_SEM, JOINT) and torch.isfinite(cond).all()
    audio = model.render_story(story, steps=2)
    sr = model.sample_rate
    assert audio.shape[1] == 2 and audio.dtype == np.float32
    assert audio.shape[0] == int(round(2 * CLIP_S * sr))  # (4+3) + 4 - 3 s crossfade
    assert np.isfinite(audio).all() and np.abs(audio).max() > 0

    # one clip cut by the token budget is dropped with a warning, the complete one kept
    short = model.plan_story("rain on a roof.", 8.0, max_new_tokens=budget - 3)
    assert len(short.clips) == 1 and any("cut off" in w for w in short.warnings)


def test_planner_and_sound_adapters(ckpt):
    budget = 2 + 2 * _tokens_per_clip()
    planner = AS.AudioStoryPlanner(str(ckpt), max_new_tokens=budget, allow_cpu=True, device="cpu")
    plan = planner.plan("Rain on a roof. The total duration is 8 seconds.")
    assert [s.kind for s in plan.segments] == ["sound", "sound"]
    assert [s.duration for s in plan.segments] == [CLIP_S, CLIP_S]
    assert [s.caption for s in plan.segments] == ["R", "R"]
    assert plan.notes and plan.notes[0] == "AudioStory reasoning: S"
    sound = AS.AudioStorySound(str(ckpt), steps=2, allow_cpu=True, device="cpu")
    model = sound.model()
    assert model is planner.model()  # one resident model shared by both roles
    seg = plan.segments[0]
    req = ClipRequest(kind="sound", caption=seg.caption, instruction=seg.instruction, duration=seg.duration + 3.0,
                      seed=1)
    calls = model.llm_calls
    clip = sound.generate(req)
    assert model.llm_calls == calls  # planned states reused, no LLM run
    assert clip.duration == pytest.approx(7.0, abs=1e-3) and clip.audio.shape[1] == 2
    assert np.abs(clip.audio).max() < 1.0 and clip.parameters["tokens"] == "planned"
    again = sound.generate(req)
    np.testing.assert_array_equal(clip.audio, again.audio)  # deterministic per seed

    edited = ClipRequest(**{**req.__dict__, "caption": "W"})
    clip2 = sound.generate(edited)
    assert model.llm_calls == calls + 1 and clip2.parameters["tokens"] == "re-planned for the edited caption"
    assert clip2.duration == pytest.approx(7.0, abs=1e-3)
    sound.generate(edited)
    assert model.llm_calls == calls + 1  # the edited clip's tokens are kept

    orphan = sound.generate(ClipRequest(kind="sound", caption="R", duration=3.0, seed=0))
    assert orphan.warnings and orphan.duration == pytest.approx(3.0, abs=1e-3)


def test_renamed_key_is_named(ckpt, tmp_path):
    import shutil

    bad = tmp_path / "audiostory-3B"
    shutil.copytree(ckpt, bad)
    for sib in ("Qwen2.5-3B-Instruct", "Flux_detokenizer", "flan-t5-large"):
        (tmp_path / sib).symlink_to(ckpt.parent / sib)
    sd = torch.load(bad / "pytorch_model.bin", weights_only=True)
    sd["seedx.projektor.0.weight"] = sd.pop("seedx.projector.0.weight")
    torch.save(sd, bad / "pytorch_model.bin")
    with pytest.raises(BackendError) as e:
        AS.AudioStory3B.from_pretrained(str(bad))
    assert "seedx.projektor.0.weight" in str(e.value) and "seedx.projector.0.weight" in str(e.value)


def test_shape_mismatch_and_missing_config_value(ckpt, tmp_path):
    import shutil

    bad = tmp_path / "audiostory-3B"
    shutil.copytree(ckpt, bad)
    for sib in ("Qwen2.5-3B-Instruct", "Flux_detokenizer", "flan-t5-large"):
        (tmp_path / sib).symlink_to(ckpt.parent / sib)
    sd = torch.load(bad / "pytorch_model.bin", weights_only=True)
    sd["tangoflux.fc.0.bias"] = torch.zeros(JOINT + 1)
    torch.save(sd, bad / "pytorch_model.bin")
    with pytest.raises(BackendError, match=r"shape mismatch tangoflux\.fc\.0\.bias"):
        AS.AudioStory3B.from_pretrained(str(bad))
    cfg = yaml.safe_load((bad / "config.yaml").read_text())
    del cfg["train_dataset"]
    (bad / "config.yaml").write_text(yaml.safe_dump(cfg))
    with pytest.raises(BackendError, match="num_t5_out_tokens"):
        AS.AudioStory3B.from_pretrained(str(bad))


def test_plan_render_edit_and_mix_through_the_engine(ckpt, tmp_path):
    from engine.project import Project
    from engine.render import Renderer
    from engine.session import Session

    planner = AS.AudioStoryPlanner(str(ckpt), max_new_tokens=2 + 2 * _tokens_per_clip(), allow_cpu=True,
                                   device="cpu")
    sound = AS.AudioStorySound(str(ckpt), steps=2, allow_cpu=True, device="cpu")
    session = Session(profile="offline", overrides={"planner": planner, "sound": sound})
    plan = session.plan("Rain on a roof. The total duration is 8 seconds.")
    renderer = Renderer(session, Project.create(tmp_path / "p", plan))
    report = renderer.render()
    assert report.rendered == ["as01", "as02"] and not report.failed
    plan.segments[1].caption = "W"
    take = renderer.regenerate("as02", new_seed=False)
    assert take.error is None and take.parameters["tokens"] == "re-planned for the edited caption"
    mix, _ = renderer.mix()
    assert mix.audio.shape[0] == pytest.approx(8.0 * plan.sample_rate, abs=plan.sample_rate * 0.05)
    assert np.abs(mix.audio).max() < 1.0


def test_story_context_is_kept_in_the_project_and_restored_after_a_restart(ckpt, tmp_path):
    """The LLM's story is saved in the project (contexts/<key>.json) when its clips render; after a restart a
    regenerated clip gets its context back from those tokens (one forced pass), not planned alone."""
    from engine.project import Project
    from engine.render import Renderer
    from engine.session import Session

    planner = AS.AudioStoryPlanner(str(ckpt), max_new_tokens=2 + 2 * _tokens_per_clip(), allow_cpu=True,
                                   device="cpu")
    sound = AS.AudioStorySound(str(ckpt), steps=2, allow_cpu=True, device="cpu")
    session = Session(profile="offline", overrides={"planner": planner, "sound": sound})
    plan = session.plan("Rain on a roof. The total duration is 8 seconds.")
    project = Project.create(tmp_path / "p", plan)
    renderer = Renderer(session, project)
    assert renderer.render().rendered == ["as01", "as02"]
    key = AS._LINK.search(plan.segments[0].instruction).group(1)
    assert project.state_files() == [f"contexts/{key}.json"]
    first = project.read_take(plan.segments[1].take()).copy()
    story = AS._STORIES[key]

    AS._STORIES.clear()  # what a restart forgets
    moved = Project.import_zip(project.export_zip(), tmp_path / "elsewhere")  # the zip carries the context
    again = Renderer(session, moved)
    calls = sound.model().llm_calls
    take = again.regenerate("as02", new_seed=False)
    assert take.error is None and take.parameters["tokens"] == "planned" and not take.warnings
    assert sound.model().llm_calls == calls + 1  # one forced pass restored the whole story
    restored = AS._STORIES[key]
    assert restored.reasoning == story.reasoning and len(restored.clips) == len(story.clips)
    for a, b in zip(restored.clips, story.clips):
        torch.testing.assert_close(a.semantic, b.semantic, atol=1e-4, rtol=1e-4)
        torch.testing.assert_close(a.residual, b.residual, atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(moved.read_take(moved.plan.segment("as02").take()), first, atol=1e-3)

    # without the saved context the clip is still made, alone, and says so
    AS._STORIES.clear()
    (moved.root / "contexts" / f"{key}.json").unlink()
    alone = again.regenerate("as02", new_seed=False)
    assert alone.parameters["tokens"] == "planned alone" and any("no story context" in w for w in alone.warnings)
