#!/usr/bin/env python3
"""Records what `transformers` generates from the project's default model (models/default,
made by `wf train`), so a test proves the checkpoint loads in `transformers` and generates
identically there and in wf. Needs torch and transformers (not in CI).

usage: python3 scripts/make_default_model_fixture.py   (from the repository root)
"""
import json
import torch
from transformers import GPT2LMHeadModel, GPT2TokenizerFast

model = GPT2LMHeadModel.from_pretrained("models/default").eval()
tokenizer = GPT2TokenizerFast.from_pretrained("models/default")
cases = []
for prompt in ["ROMEO:", "\n", "First Citizen:\nWe are"]:
    ids = tokenizer.encode(prompt)
    with torch.no_grad():
        out = model.generate(torch.tensor([ids]), do_sample=False, max_new_tokens=30, pad_token_id=model.config.eos_token_id)
    cases.append({"prompt": prompt, "prompt_ids": ids, "output_ids": out[0].tolist(), "text": tokenizer.decode(out[0])})
with open("Tests/Fixtures/training/default-model-greedy.json", "w") as f:
    json.dump({"model": "models/default", "max_new_tokens": 30, "cases": cases}, f, indent=1, ensure_ascii=False)
print(f"wrote {len(cases)} cases")
