"""The in-process transport of the LLM planner: a transformers causal LM on this machine (a GPU; CPU only for tiny
test checkpoints), loaded on first use into the shared memory budget. Its output is constrained to the answer's
JSON schema with `outlines` when that is installed; otherwise it generates freely and the planner repairs the JSON.
"""

from __future__ import annotations

from pydantic import BaseModel

from .steps import StepHook
from .torch_runtime import LazyModel, StepCriteria, load_chat_model

LICENCE = "Qwen3-4B-Instruct-2507: Apache-2.0"


class TransformersTransport(LazyModel):
    what = "LLM planner"
    name = "llm-planner"
    licence = LICENCE

    def __init__(self, repo_id_or_path: str, *, constrained: bool | None = None, temperature: float = 0.7,
                 top_p: float = 0.8, device: str | None = None, dtype: str | None = None,
                 allow_cpu: bool | None = None) -> None:
        super().__init__(repo_id_or_path, device=device, dtype=dtype, allow_cpu=allow_cpu)
        if constrained is None:
            try:
                import outlines  # noqa: F401

                constrained = True
            except ImportError:
                constrained = False
        self.constrained = bool(constrained)
        self.temperature = float(temperature)
        self.top_p = float(top_p)
        self._generators: dict[type[BaseModel], object] = {}  # outlines generator per schema (its index is slow)

    @property
    def model_id(self) -> str:
        return self.repo_id_or_path

    def _load(self, device, dtype):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        model, tokenizer = load_chat_model(self.repo_id_or_path, AutoModelForCausalLM, AutoTokenizer, dtype=dtype,
                                           what=self.what, kind="causal LM", chat_hint="use an instruct model")
        return (model, tokenizer), [model]

    def complete(self, messages: list[dict], *, seed: int, max_tokens: int, schema: type[BaseModel] | None,
                 hook: StepHook) -> str:
        def call(loaded):
            import torch
            from transformers import StoppingCriteriaList

            model, tokenizer = loaded
            prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False,
                                                   enable_thinking=False)
            kwargs = dict(max_new_tokens=max_tokens, do_sample=self.temperature > 0,
                          temperature=self.temperature or None, top_p=self.top_p if self.temperature > 0 else None,
                          stopping_criteria=StoppingCriteriaList([StepCriteria(hook)]))
            devices = [model.device] if model.device.type == "cuda" else []
            with torch.random.fork_rng(devices=devices):
                torch.manual_seed(seed)
                if self.constrained and schema is not None:
                    if schema not in self._generators:
                        import outlines

                        self._generators[schema] = outlines.Generator(outlines.from_transformers(model, tokenizer),
                                                                      schema)
                    return self._generators[schema](prompt, **kwargs)
                ids = tokenizer(prompt, return_tensors="pt", add_special_tokens=False).to(model.device)
                out = model.generate(**ids, pad_token_id=tokenizer.pad_token_id, **kwargs)
                return tokenizer.decode(out[0, ids["input_ids"].shape[1]:], skip_special_tokens=True)

        return self.run(call)
