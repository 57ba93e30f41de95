#!/usr/bin/env python3
"""Reference for one GPT-2 training step, for Tests/TrainingTests/PyTorchStepTests.swift.

Loads Tests/Fixtures/models/tiny with transformers, and on a fixed batch takes one step:
  ids     [B=2, T+1=17] drawn from torch.Generator seeded 1234, uniform over the vocabulary
  inputs  = ids[:, :-1]   targets = ids[:, 1:]     (B=2, T=16)
  loss    = mean cross-entropy over all B·T positions (computed here from the logits, not by
            transformers' own label shifting)
  clip_grad_norm_(1.0), then AdamW(lr 1e-3, betas (0.9, 0.999), eps 1e-8) with two groups:
  weight decay 0.1 on the 2-D parameters (wte, wpe, Conv1D weights), 0 on the rest.
Dropout is off (eval mode), as wf's training has none.

Writes Tests/Fixtures/training/one-step.json: the ids, the loss, the global gradient norm
before clipping, and for a few flat indices of every parameter its gradient (before clipping)
and its value before and after the step.

Needs torch and transformers (not installed by CI): python3 scripts/make_training_fixtures.py
"""
import json
import pathlib

import torch
import torch.nn.functional as F
from transformers import GPT2LMHeadModel

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODEL = ROOT / "Tests/Fixtures/models/tiny"
OUT = ROOT / "Tests/Fixtures/training/one-step.json"


def main():
    torch.manual_seed(0)
    model = GPT2LMHeadModel.from_pretrained(MODEL, attn_implementation="eager", torch_dtype=torch.float32)
    model.eval()  # no dropout
    config = model.config
    generator = torch.Generator().manual_seed(1234)
    ids = torch.randint(0, config.vocab_size, (2, 17), generator=generator)
    inputs, targets = ids[:, :-1], ids[:, 1:]

    named = dict(model.named_parameters())  # lm_head.weight is tied to transformer.wte.weight: listed once
    decay = [p for n, p in named.items() if p.dim() >= 2]
    no_decay = [p for n, p in named.items() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                                  lr=1e-3, betas=(0.9, 0.999), eps=1e-8)

    logits = model(input_ids=inputs).logits
    loss = F.cross_entropy(logits.reshape(-1, config.vocab_size), targets.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    grads = {n: p.grad.detach().clone() for n, p in named.items()}
    before = {n: p.detach().clone() for n, p in named.items()}
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()

    picks = []
    index_generator = torch.Generator().manual_seed(99)
    for name, p in named.items():
        count = p.numel()
        flat = sorted({0, count - 1, *torch.randint(0, count, (3,), generator=index_generator).tolist()})
        for i in flat:
            picks.append({
                "name": name, "index": i,
                "grad": grads[name].reshape(-1)[i].item(),
                "before": before[name].reshape(-1)[i].item(),
                "after": p.detach().reshape(-1)[i].item(),
            })
    result = {
        "description": "one AdamW step (lr 1e-3, wd 0.1 on 2-D params, betas 0.9/0.999, eps 1e-8, clip 1.0) "
                       "on models/tiny; inputs = ids[:, :-1], targets = ids[:, 1:]; loss is the mean over B*T",
        "torch": torch.__version__,
        "ids": ids.tolist(),
        "loss": loss.item(),
        "grad_norm": norm.item(),
        "learning_rate": 1e-3, "weight_decay": 0.1, "max_grad_norm": 1.0,
        "picks": picks,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print(f"loss {loss.item():.6f} grad norm {norm.item():.6f}, {len(picks)} picks -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
