#!/usr/bin/env python3
"""Talks to a running `wf serve` through OpenAI's own Python library (PyPI `openai`), as a
user's program would: a completion, n choices with logprobs, a stop string, a stream with
usage, the model list, and an error. Prints one JSON object of what it saw.

    scripts/openai_client_check.py http://127.0.0.1:PORT
"""
import json
import sys

import openai

base = sys.argv[1].rstrip("/") + "/v1"
client = openai.OpenAI(base_url=base, api_key=sys.argv[2] if len(sys.argv) > 2 else "unused")
seen = {}
seen["models"] = [model.id for model in client.models.list().data]
model = seen["models"][0]
one = client.completions.create(model=model, prompt="hello world", max_tokens=8, seed=5)
seen["text"] = one.choices[0].text
seen["finish_reason"] = one.choices[0].finish_reason
seen["usage"] = one.usage.model_dump()
many = client.completions.create(model=model, prompt=["a", "b"], max_tokens=4, n=2, logprobs=2, seed=1)
seen["indices"] = [choice.index for choice in many.choices]
seen["top_logprobs"] = len(many.choices[0].logprobs.top_logprobs[0])
stopped = client.completions.create(model=model, prompt="hello", max_tokens=30, seed=2, stop=["e"])
seen["stop_text"] = stopped.choices[0].text
streamed = ""
usage = None
for chunk in client.completions.create(model=model, prompt="hello world", max_tokens=8, seed=5, stream=True,
                                       stream_options={"include_usage": True}):
    if chunk.choices:
        streamed += chunk.choices[0].text
    if chunk.usage:
        usage = chunk.usage.model_dump()
seen["streamed"] = streamed
seen["stream_usage"] = usage
try:
    client.completions.create(model=model, prompt="x", max_tokens=0)
except openai.BadRequestError as error:
    seen["error"] = {"status": error.status_code, "param": error.body.get("param") if isinstance(error.body, dict) else None}
print(json.dumps(seen))
