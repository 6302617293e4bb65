"""Random-weight checkpoints built in code, saved in the exact layouts the studio loaders read.

The CPU tests build tiny ones (configs in the tests); bench/gpu.py builds full-size ones from
bench/configs/*.json, so neither needs the hub. Tokenizers are built in code as well, with small vocabularies:
model embedding tables keep their configured size, which is what costs memory and time.

Every `build_*(out_dir, config) -> Path` writes a folder that the matching backend opens through its normal
`repo_id_or_path` loader.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import torch

# ------------------------------------------------------------------------------------------------------------
# tokenizers

QWEN_SPECIALS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
VIBEVOICE_SPECIALS = ("<|vision_start|>", "<|vision_end|>", "<|vision_pad|>")
# ChatML, as the Qwen instruct checkpoints use it (enough for apply_chat_template in tests)
CHATML_TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
                   "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
# The VibeVoice prompt layout: a system line, one voice prompt per speaker that brings audio, the script, then
# the audio-start token after which the model speaks.
VIBEVOICE_TEMPLATE = (
    "{{- ' Transform the text provided by various speakers into speech output, utilizing the distinct voice of "
    "each respective speaker.\\n' -}}"
    "{%- set ns = namespace(voiced=[]) -%}"
    "{%- for m in messages -%}{%- if (m['content'] | selectattr('type', 'equalto', 'audio') | list) "
    "and m['role'] not in ns.voiced -%}{%- set ns.voiced = ns.voiced + [m['role']] -%}{%- endif -%}{%- endfor -%}"
    "{%- if ns.voiced -%}{{- ' Voice input:\\n' -}}{%- for s in ns.voiced -%}"
    "{{- ' Speaker ' + s + ':<|vision_start|><|vision_pad|><|vision_end|>\\n' -}}{%- endfor -%}{%- endif -%}"
    "{{- ' Text input:\\n' -}}"
    "{%- for m in messages -%}{%- for item in m['content'] | selectattr('type', 'equalto', 'text') -%}"
    "{{- ' Speaker ' + m['role'] + ': ' + item['text'] + '\\n' -}}{%- endfor -%}{%- endfor -%}"
    "{{- ' Speech output:\\n<|vision_start|>' -}}"
)


def byte_level_bpe(specials: tuple[str, ...] = (), size: int | None = None
                   ) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """A byte-level BPE vocabulary; `size` pads it with entries no text ever produces, so a loader that checks the
    vocabulary against a full-size embedding table (AudioStory's does) sees the real count."""
    from tokenizers.pre_tokenizers import ByteLevel

    vocab = {c: i for i, c in enumerate(sorted(ByteLevel.alphabet()))}
    merges = [("Ġ", "t"), ("h", "e"), ("Ġ", "a")]
    for a, b in merges:
        vocab[a + b] = len(vocab)
    for i in range(max(0, (size or 0) - len(vocab) - len(specials))):
        vocab[f"<|unused_{i}|>"] = len(vocab)
    for s in specials:
        vocab[s] = len(vocab)
    return vocab, merges


def qwen_tokenizer(extra_specials: tuple[str, ...] = (), chat_template: str | None = CHATML_TEMPLATE,
                   size: int | None = None):
    """Byte-level BPE with the Qwen specials; `extra_specials` come first (lowest ids); `size`: see byte_level_bpe."""
    from transformers import Qwen2Tokenizer

    specials = tuple(extra_specials) + QWEN_SPECIALS
    vocab, merges = byte_level_bpe(specials, size)
    tok = Qwen2Tokenizer(vocab=vocab, merges=merges, unk_token=None, eos_token="<|im_end|>",
                         pad_token="<|endoftext|>")
    tok.add_special_tokens({"additional_special_tokens": [s for s in specials if s != "<|endoftext|>"]})
    if chat_template:
        tok.chat_template = chat_template
    return tok


def t5_tokenizer():
    from transformers import T5Tokenizer

    words = "rain wind the a on of door thunder sea fire night birds heavy soft roof".split()
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -3.0)]
    vocab += [("▁" + w, -2.0) for w in words]
    vocab += [(c, -5.0) for c in string.ascii_lowercase + string.digits + ",.'-"]
    tok = T5Tokenizer(vocab=vocab, extra_ids=0)
    tok.model_max_length = 512
    return tok


# ------------------------------------------------------------------------------------------------------------
# TangoFlux (flux_audio_dit + Flan-T5 + Oobleck)

TINY_TANGOFLUX = {
    "dit": {"num_layers": 1, "num_single_layers": 1, "in_channels": 8, "attention_head_dim": 8,
            "num_attention_heads": 2, "joint_attention_dim": 16, "audio_seq_len": 130, "max_duration": 30.0,
            "axes_dims_rope": [2, 2, 4]},
    "t5": {"d_model": 16, "d_kv": 4, "d_ff": 32, "num_layers": 1, "num_heads": 2, "relative_attention_num_buckets": 8,
           "feed_forward_proj": "gated-gelu", "is_encoder_decoder": False},
    "vae": {"encoder_hidden_size": 4, "downsampling_ratios": [2, 4, 4, 8, 8], "decoder_channels": 4,
            "decoder_input_channels": 8, "audio_channels": 2, "channel_multiples": [1, 1, 1, 1, 1],
            "sampling_rate": 44100},
}


def make_tangoflux(config: dict = TINY_TANGOFLUX):
    from diffusers import AutoencoderOobleck
    from transformers import T5Config, T5EncoderModel

    from engine.backends.flux_audio_dit import AudioFluxDiT, DiTConfig
    from engine.backends.tangoflux import TangoFluxPipeline

    config = _public(config)
    tok = t5_tokenizer()
    t5_cfg = T5Config(vocab_size=config["t5"].get("vocab_size", max(len(tok), 32)), pad_token_id=0, eos_token_id=1,
                      decoder_start_token_id=0, **{k: v for k, v in config["t5"].items() if k != "vocab_size"})
    text_encoder = T5EncoderModel(t5_cfg).eval()
    dit = AudioFluxDiT(DiTConfig.from_dict(config["dit"]), cond_dim=t5_cfg.d_model).eval()
    vae = AutoencoderOobleck(**config["vae"]).eval()
    return TangoFluxPipeline(tok, text_encoder, dit, vae, text_encoder_name="google/flan-t5-large")


def build_tangoflux(out: str | Path, config: dict = TINY_TANGOFLUX, seed: int = 0,
                    dtype: torch.dtype | None = None) -> Path:
    torch.manual_seed(seed)
    pipe = make_tangoflux(config)
    _cast(dtype, pipe.text_encoder, pipe.dit)  # the VAE stays fp32, as the loader keeps it
    return pipe.save_pretrained(out)


# ------------------------------------------------------------------------------------------------------------
# VibeVoice (speech)

TINY_VIBEVOICE = {
    "text_config": {"model_type": "qwen2", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                    "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 4096,
                    "tie_word_embeddings": False},
    # random decoders at the released init (std 0.01, layer scale 1e-6) output ~1e-9: too quiet to measure
    "audio_config": {"model_type": "vibevoice_acoustic_tokenizer", "hidden_size": 8, "num_filters": 4,
                     "depths": [1, 1, 1, 1, 1, 1, 1], "kernel_size": 3, "initializer_range": 0.05,
                     "layer_scale_init_value": 1.0},
    "semantic_model_config": {"model_type": "vibevoice_acoustic_tokenizer_encoder", "hidden_size": 8,
                              "num_filters": 4, "depths": [1, 1, 1, 1, 1, 1, 1], "kernel_size": 3},
    "diffusion_head_config": {"num_hidden_layers": 1, "intermediate_size": 32},
}


def make_vibevoice(config: dict = TINY_VIBEVOICE, speak_until_limit: bool = True):
    """(model, processor). `speak_until_limit` zeroes the LM head, so the audio-continue token (the lowest
    allowed id) always wins the argmax and random weights speak until max_new_tokens instead of stopping at a
    random EOS."""
    from transformers import (VibeVoiceAcousticTokenizerFeatureExtractor, VibeVoiceConfig,
                              VibeVoiceForConditionalGeneration, VibeVoiceProcessor)

    config = _public(config)
    tok = qwen_tokenizer(extra_specials=("<|vision_pad|>", "<|vision_start|>", "<|vision_end|>"), chat_template=None)
    ids = {s: tok.convert_tokens_to_ids(s) for s in ("<|vision_pad|>", "<|vision_start|>", "<|vision_end|>",
                                                     "<|endoftext|>")}
    text_config = {**config["text_config"], "vocab_size": config["text_config"].get("vocab_size", len(tok))}
    cfg = VibeVoiceConfig(
        text_config=text_config, audio_config=config["audio_config"],
        semantic_model_config=config["semantic_model_config"], diffusion_head_config=config["diffusion_head_config"],
        pad_token_id=ids["<|endoftext|>"], eos_token_id=ids["<|endoftext|>"], audio_bos_token_id=ids["<|vision_start|>"],
        audio_eos_token_id=ids["<|vision_end|>"], audio_token_id=ids["<|vision_pad|>"])
    model = VibeVoiceForConditionalGeneration(cfg).eval()
    if speak_until_limit:
        assert ids["<|vision_pad|>"] < min(ids["<|vision_start|>"], ids["<|vision_end|>"], ids["<|endoftext|>"])
        with torch.no_grad():
            model.lm_head.weight.zero_()
    hop = 1
    for r in config["audio_config"].get("downsampling_ratios", (2, 2, 4, 5, 5, 8)):
        hop *= r
    fe = VibeVoiceAcousticTokenizerFeatureExtractor(pad_to_multiple_of=hop)
    return model, VibeVoiceProcessor(feature_extractor=fe, tokenizer=tok, chat_template=VIBEVOICE_TEMPLATE)


def build_vibevoice(out: str | Path, config: dict = TINY_VIBEVOICE, seed: int = 0,
                    dtype: torch.dtype | None = None) -> Path:
    torch.manual_seed(seed)
    model, proc = make_vibevoice(config)
    _cast(dtype, model)
    out = Path(out)
    model.save_pretrained(out)
    proc.save_pretrained(out)
    return out


# ------------------------------------------------------------------------------------------------------------
# ACE-Step (music)

TINY_ACESTEP = {
    "transformer": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
                    "num_key_value_heads": 2, "head_dim": 8, "in_channels": 24, "audio_acoustic_hidden_dim": 8,
                    "patch_size": 2, "rope_theta": 10000.0, "sliding_window": 16, "is_turbo": True},
    "text_encoder": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
                     "num_key_value_heads": 2, "head_dim": 8, "max_position_embeddings": 4096},
    "condition_encoder": {"hidden_size": 32, "intermediate_size": 64, "timbre_hidden_dim": 8,
                          "num_lyric_encoder_hidden_layers": 1, "num_timbre_encoder_hidden_layers": 1,
                          "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8, "rope_theta": 10000.0,
                          "sliding_window": 16},
    # 48 kHz like the real VAE, with a 1920-sample hop (25 latent frames per second) and tiny channels
    "vae": {"encoder_hidden_size": 4, "downsampling_ratios": [2, 4, 4, 6, 10], "decoder_channels": 4,
            "decoder_input_channels": 8, "audio_channels": 2, "channel_multiples": [1, 1, 1, 1, 1],
            "sampling_rate": 48000},
}


def make_acestep(config: dict = TINY_ACESTEP):
    from diffusers import AceStepPipeline, AutoencoderOobleck, FlowMatchEulerDiscreteScheduler
    from diffusers.models.transformers.ace_step_transformer import AceStepTransformer1DModel
    from diffusers.pipelines.ace_step import AceStepConditionEncoder
    from transformers import Qwen3Config, Qwen3Model

    config = _public(config)
    tok = qwen_tokenizer(chat_template=None)
    te_cfg = {**config["text_encoder"], "vocab_size": config["text_encoder"].get("vocab_size", len(tok))}
    text_encoder = Qwen3Model(Qwen3Config(**te_cfg))
    cond = AceStepConditionEncoder(text_hidden_dim=te_cfg["hidden_size"], **config["condition_encoder"])
    return AceStepPipeline(
        vae=AutoencoderOobleck(**config["vae"]), text_encoder=text_encoder, tokenizer=tok,
        transformer=AceStepTransformer1DModel(**config["transformer"]), condition_encoder=cond,
        scheduler=FlowMatchEulerDiscreteScheduler(num_train_timesteps=1, shift=1.0))


def build_acestep(out: str | Path, config: dict = TINY_ACESTEP, seed: int = 0,
                  dtype: torch.dtype | None = None) -> Path:
    torch.manual_seed(seed)
    pipe = make_acestep(config)
    _cast(dtype, pipe.transformer, pipe.text_encoder, pipe.condition_encoder)
    pipe.save_pretrained(out)
    return Path(out)


# ------------------------------------------------------------------------------------------------------------
# Qwen3 instruct (planner)

TINY_QWEN3 = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
              "num_key_value_heads": 2, "head_dim": 8, "max_position_embeddings": 8192, "tie_word_embeddings": True}


def make_qwen3(config: dict = TINY_QWEN3):
    from transformers import GenerationConfig, Qwen3Config, Qwen3ForCausalLM

    config = _public(config)
    tok = qwen_tokenizer()
    cfg = Qwen3Config(vocab_size=config.get("vocab_size", len(tok)), eos_token_id=tok.eos_token_id,
                      pad_token_id=tok.pad_token_id, **{k: v for k, v in config.items() if k != "vocab_size"})
    model = Qwen3ForCausalLM(cfg).eval()
    model.generation_config = GenerationConfig(eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    return model, tok


def build_qwen3(out: str | Path, config: dict = TINY_QWEN3, seed: int = 0,
                dtype: torch.dtype | None = None) -> Path:
    torch.manual_seed(seed)
    model, tok = make_qwen3(config)
    _cast(dtype, model)
    out = Path(out)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out

# ------------------------------------------------------------------------------------------------------------
# AudioStory-3B (planner + sound of the audiostory profile), in the upstream on-disk layout

TINY_AUDIOSTORY = {
    "llm": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
            "num_key_value_heads": 2, "max_position_embeddings": 4096, "tie_word_embeddings": True},
    "lora_rank": 4, "num_t5_out_tokens": 4, "num_aud_out_tokens": 2, "t5_feature_scale": 10.0,
    "dit": {**TINY_TANGOFLUX["dit"], "audio_seq_len": 200},
    "t5": TINY_TANGOFLUX["t5"],
    "vae": TINY_TANGOFLUX["vae"],
}
_LORA_TARGETS = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj",
                 "mlp.up_proj", "mlp.down_proj")


def build_audiostory(out: str | Path, config: dict = TINY_AUDIOSTORY, seed: int = 0,
                     dtype: torch.dtype | None = None) -> Path:
    """A random AudioStory checkpoint as the release lays it out (spec §1, §4.1): `out/audiostory-3B/` (config.yaml,
    model.safetensors holding seedx.* with peft-0.4 LoRA and modules_to_save norms, multihead_attention.*,
    tangoflux.*), `out/Qwen2.5-3B-Instruct/` (config, generation config, tokenizer), `out/Flux_detokenizer/`
    (DiT config + Oobleck VAE), `out/flan-t5-large/` (config + tokenizer). Returns the audiostory-3B folder."""
    import yaml
    from diffusers import AutoencoderOobleck
    from safetensors.torch import save_file
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM, T5Config, T5EncoderModel

    from engine.backends.audiostory import ADDED_TOKENS
    from engine.backends.flux_audio_dit import AudioFluxDiT, DiTConfig

    config = _public(config)
    torch.manual_seed(seed)
    out = Path(out)
    llm_cfg = dict(config["llm"])
    tok = qwen_tokenizer(chat_template=None, size=llm_cfg.pop("base_vocab_size", None))
    eos = [tok.convert_tokens_to_ids("<|im_end|>"), tok.convert_tokens_to_ids("<|endoftext|>")]
    base = out / "Qwen2.5-3B-Instruct"
    tok.save_pretrained(base)
    Qwen2Config(vocab_size=len(tok), eos_token_id=eos[0], **llm_cfg).save_pretrained(base)
    GenerationConfig(repetition_penalty=1.05, eos_token_id=eos).save_pretrained(base)

    # the LLM with the resized embedding table (base vocabulary + the 612 added tokens), then peft-0.4 names
    llm = Qwen2ForCausalLM(Qwen2Config(vocab_size=len(tok) + len(ADDED_TOKENS), eos_token_id=eos[0], **llm_cfg))
    _cast(dtype, llm)
    prefix, rank = "seedx.llm.base_model.model.", int(config["lora_rank"])
    state: dict[str, torch.Tensor] = {}
    for k, v in llm.state_dict().items():
        if k == "lm_head.weight" and llm_cfg.get("tie_word_embeddings"):
            continue
        if k.endswith(("input_layernorm.weight", "post_attention_layernorm.weight")) or k == "model.norm.weight":
            name = k[: -len(".weight")]
            state[f"{prefix}{name}.modules_to_save.default.weight"] = v
            state[f"{prefix}{name}.original_module.weight"] = v.clone()
            continue
        state[prefix + k] = v
        if k.endswith(tuple(t + ".weight" for t in _LORA_TARGETS)):
            name = k[: -len(".weight")]
            state[f"{prefix}{name}.lora_A.default.weight"] = 0.01 * torch.randn(rank, v.shape[1], dtype=v.dtype,
                                                                               device=v.device)
            state[f"{prefix}{name}.lora_B.default.weight"] = 0.01 * torch.randn(v.shape[0], rank, dtype=v.dtype,
                                                                               device=v.device)
    del llm

    # bridge: two mlp2x_gelu heads (LLM width → DiT width) and the cross-attention fusion (spec §2.3–2.4)
    hidden, joint = llm_cfg["hidden_size"], config["dit"]["joint_attention_dim"]
    for head in ("projector", "audio_projector"):
        mlp = torch.nn.Sequential(torch.nn.Linear(hidden, joint), torch.nn.GELU(), torch.nn.Linear(joint, joint))
        _cast(dtype, mlp)
        state.update({f"seedx.{head}.{k}": v for k, v in mlp.state_dict().items()})
    mha = torch.nn.MultiheadAttention(joint, 8)
    _cast(dtype, mha)
    state.update({f"multihead_attention.{k}": v for k, v in mha.state_dict().items()})

    # the DiT and its Flan-T5 encoder (CFG null branch) inside the unified file; VAE in the detokenizer folder
    t5_tok = t5_tokenizer()
    t5_cfg = T5Config(vocab_size=config["t5"].get("vocab_size", max(len(t5_tok), 32)), pad_token_id=0,
                      eos_token_id=1, decoder_start_token_id=0,
                      **{k: v for k, v in config["t5"].items() if k != "vocab_size"})
    flan = out / "flan-t5-large"
    t5_cfg.save_pretrained(flan)
    t5_tok.save_pretrained(flan)
    t5 = T5EncoderModel(t5_cfg)
    _cast(dtype, t5)
    state.update({f"tangoflux.text_encoder.{k}": v for k, v in t5.state_dict().items()
                  if k != "encoder.embed_tokens.weight"})  # tied to shared.weight
    del t5
    dit_cfg = {**config["dit"], "text_encoder_name": "ckpt/flan-t5-large", "uncondition": False}
    dit = AudioFluxDiT(DiTConfig.from_dict(config["dit"]))
    _cast(dtype, dit)
    state.update({f"tangoflux.{k}": v for k, v in dit.state_dict().items()})
    del dit
    det = out / "Flux_detokenizer"
    det.mkdir(parents=True, exist_ok=True)
    (det / "config.json").write_text(json.dumps(dit_cfg))
    vae = AutoencoderOobleck(**config["vae"])
    save_file({k: v.contiguous() for k, v in vae.state_dict().items()}, det / "model.safetensors")
    if config["vae"]:
        (det / "vae_config.json").write_text(json.dumps(config["vae"]))

    ck = out / "audiostory-3B"
    (ck / "tokenizer").mkdir(parents=True, exist_ok=True)
    (ck / "tokenizer" / "added_tokens.json").write_text(json.dumps({t: 0 for t in ADDED_TOKENS}))
    (ck / "config.yaml").write_text(yaml.safe_dump({
        "tokenizer": {"pretrained_model_path": "ckpt/Qwen2.5-3B-Instruct",
                      "add_tokens_path": "tokenizer/added_tokens.json"},
        "llm_model": {"pretrained_model_name_or_path": "ckpt/Qwen2.5-3B-Instruct"},
        "agent_model": {"t5_feature_scale": float(config["t5_feature_scale"]), "model_dims": hidden,
                        "peft_config": {"r": rank, "lora_alpha": rank}},
        "seedx_dit_model_cfg": {"config_path": "ckpt/Flux_detokenizer"},
        "train_dataset": {"datapipes": [{"num_t5_out_tokens": int(config["num_t5_out_tokens"]),
                                         "num_aud_out_tokens": int(config["num_aud_out_tokens"])}]},
    }))
    save_file({k: v.contiguous() for k, v in state.items()}, ck / "model.safetensors")
    return ck


def load_config(path: str | Path) -> dict:
    return json.loads(Path(path).read_text())


def _cast(dtype: torch.dtype | None, *modules: torch.nn.Module) -> None:
    """Full-size checkpoints are saved in the dtype they run in (half the bytes to write and read back)."""
    if dtype is not None:
        for m in modules:
            m.to(dtype)


def _public(config: dict) -> dict:
    """Config files carry notes under "_" keys; models get the rest."""
    return {k: v for k, v in config.items() if not k.startswith("_")}


# ------------------------------------------------------------------------------------------------------------
# Stable Audio Open (optional adapter)

TINY_STABLE_AUDIO = {
    "transformer": {"sample_size": 8, "in_channels": 3, "num_layers": 2, "attention_head_dim": 4,
                    "num_key_value_attention_heads": 2, "out_channels": 3, "cross_attention_dim": 4,
                    "time_proj_dim": 8, "global_states_input_dim": 8, "cross_attention_input_dim": 4},
    "t5": {"d_model": 8, "d_kv": 4, "d_ff": 16, "num_layers": 1, "num_heads": 2, "relative_attention_num_buckets": 8},
    "projection": {"conditioning_dim": 4, "min_value": 0, "max_value": 32},
    "vae": {"encoder_hidden_size": 6, "downsampling_ratios": [1, 2], "decoder_channels": 3,
            "decoder_input_channels": 3, "audio_channels": 2, "channel_multiples": [2, 4], "sampling_rate": 8},
}


def build_stable_audio(out: str | Path, config: dict = TINY_STABLE_AUDIO, seed: int = 0) -> Path:
    """Saved with the CosineDPMSolver scheduler config the real repo ships (it needs torchsde to run)."""
    from diffusers import (AutoencoderOobleck, EDMDPMSolverMultistepScheduler, StableAudioDiTModel,
                           StableAudioPipeline, StableAudioProjectionModel)
    from transformers import T5Config, T5EncoderModel

    torch.manual_seed(seed)
    tok = t5_tokenizer()
    tok.model_max_length = 32
    t5 = T5EncoderModel(T5Config(vocab_size=max(len(tok), 32), pad_token_id=0, eos_token_id=1,
                                 decoder_start_token_id=0, **config["t5"]))
    pipe = StableAudioPipeline(
        vae=AutoencoderOobleck(**config["vae"]), text_encoder=t5, tokenizer=tok,
        projection_model=StableAudioProjectionModel(text_encoder_dim=t5.config.d_model, **config["projection"]),
        transformer=StableAudioDiTModel(**config["transformer"]),
        scheduler=EDMDPMSolverMultistepScheduler(solver_order=2, prediction_type="v_prediction", sigma_data=1.0,
                                                 sigma_schedule="exponential", sigma_min=0.3, sigma_max=500.0))
    pipe.save_pretrained(out)
    out = Path(out)
    # the scheduler class cannot be built without torchsde, so write its name the way the hub repo does
    for f in (out / "model_index.json", out / "scheduler" / "scheduler_config.json"):
        f.write_text(f.read_text().replace("EDMDPMSolverMultistepScheduler", "CosineDPMSolverMultistepScheduler"))
    return out
