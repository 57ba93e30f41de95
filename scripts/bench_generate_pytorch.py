#!/usr/bin/env python3
"""PyTorch reference for `wf bench generate`: the same model folder, settings and thread
count, timed the same way; prints one JSON object. Needs torch and transformers
(pip install "torch==2.13.0+cpu" transformers); wf runs it when they are importable.

usage: bench_generate_pytorch.py MODEL_DIR --threads N --prompt-tokens P --new-tokens T --batch B
"""
import argparse, json, resource, time

parser = argparse.ArgumentParser()
parser.add_argument("model")
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--prompt-tokens", type=int, default=128)
parser.add_argument("--new-tokens", type=int, default=64)
parser.add_argument("--batch", type=int, default=5)
args = parser.parse_args()

import os
import torch
from transformers import GPT2LMHeadModel, GPT2TokenizerFast

torch.set_num_threads(args.threads)
has_tokenizer = os.path.exists(os.path.join(args.model, "merges.txt"))

def load_model():
    """Model and, like wf's load figure, its tokenizer."""
    start = time.perf_counter()
    model = GPT2LMHeadModel.from_pretrained(args.model, dtype=torch.float32).eval()
    if has_tokenizer:
        GPT2TokenizerFast.from_pretrained(args.model)
    return model, time.perf_counter() - start

model, load = load_model()
model, second = load_model()
load = min(load, second)
generator = torch.Generator().manual_seed(0)
prompt = torch.randint(0, model.config.vocab_size, (1, args.prompt_tokens), generator=generator)
eos = model.config.eos_token_id

def timed(fn, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best

with torch.no_grad():
    model(prompt)  # warm up
    prompt_seconds = timed(lambda: model(prompt))
    short = prompt[:, :8]
    def decode(batch):
        model.generate(short, do_sample=batch > 1, top_k=50, num_return_sequences=batch, max_new_tokens=args.new_tokens,
                       min_new_tokens=args.new_tokens, pad_token_id=eos)
    decode(1)
    decode1 = timed(lambda: decode(1))
    decode5 = timed(lambda: decode(args.batch))

print(json.dumps({
    "prompt_tokens_per_second": args.prompt_tokens / prompt_seconds,
    "decode_tokens_per_second_batch1": args.new_tokens / decode1,
    "decode_tokens_per_second_batch": args.batch * args.new_tokens / decode5,
    "load_seconds": load,
    "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    "torch": torch.__version__,
}))
