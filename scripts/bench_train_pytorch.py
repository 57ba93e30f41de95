#!/usr/bin/env python3
"""PyTorch reference for `wf bench train`: the same GPT-2 shape, batch, context, optimizer
(AdamW, clipping at 1.0) and thread count, timed the same way; prints one JSON object.
Needs torch and transformers (pip install "torch==2.13.0+cpu" transformers).

usage: bench_train_pytorch.py --layers L --heads H --embedding C --context T --vocabulary V --batch B --steps N --threads K
"""
import argparse, json, resource, time

parser = argparse.ArgumentParser()
for name in ["layers", "heads", "embedding", "context", "vocabulary", "batch", "steps", "threads"]:
    parser.add_argument("--" + name, type=int, required=True)
args = parser.parse_args()

import torch
from transformers import GPT2Config, GPT2LMHeadModel

torch.set_num_threads(args.threads)
torch.manual_seed(0)
config = GPT2Config(n_layer=args.layers, n_head=args.heads, n_embd=args.embedding, n_positions=args.context,
                    vocab_size=args.vocabulary, resid_pdrop=0, embd_pdrop=0, attn_pdrop=0)
model = GPT2LMHeadModel(config).train()
decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}], lr=3e-4)
inputs = torch.randint(0, args.vocabulary, (args.batch, args.context + 1))

def step():
    optimizer.zero_grad(set_to_none=True)
    logits = model(inputs[:, :-1]).logits
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), inputs[:, 1:].reshape(-1))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()

step()  # warm up
start = time.perf_counter()
for _ in range(args.steps):
    step()
seconds = time.perf_counter() - start
print(json.dumps({"tokens_per_second": args.batch * args.context * args.steps / seconds,
                  "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "torch": torch.__version__}))
