#!/usr/bin/env python3
"""Writes a wf/Hugging Face GPT-2 folder (config.json, model.safetensors, vocab.json,
merges.txt) as a GGUF F32 file for llama.cpp, as llama.cpp's convert_hf_to_gguf.py does for
GPT-2 (same tensor names, Conv1D weights transposed, the same metadata), without torch:
the reference server of `wf bench serve` runs on exactly the weights wf serves.

    pip install gguf numpy safetensors
    scripts/gguf_from_safetensors.py MODEL_FOLDER OUT.gguf
"""
import json
import sys

import gguf
import numpy as np
from safetensors.numpy import load_file


def main(folder, out):
    config = json.load(open(f"{folder}/config.json"))
    tensors = load_file(f"{folder}/model.safetensors")
    tensors = {name.removeprefix("transformer."): value for name, value in tensors.items()}
    layers, width = config["n_layer"], config["n_embd"]
    writer = gguf.GGUFWriter(out, "gpt2")
    writer.add_name("wf-bench-gpt2")
    writer.add_context_length(config["n_positions"])
    writer.add_embedding_length(width)
    writer.add_feed_forward_length(config.get("n_inner") or 4 * width)
    writer.add_block_count(layers)
    writer.add_head_count(config["n_head"])
    writer.add_layer_norm_eps(config.get("layer_norm_epsilon", 1e-5))
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)

    vocab = json.load(open(f"{folder}/vocab.json"))
    tokens = [token for token, _ in sorted(vocab.items(), key=lambda item: item[1])]
    merges = [line for line in open(f"{folder}/merges.txt", encoding="utf-8").read().split("\n")[1:] if line]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types([gguf.TokenType.CONTROL if token == "<|endoftext|>" else gguf.TokenType.NORMAL for token in tokens])
    writer.add_token_merges(merges)
    end = vocab.get("<|endoftext|>", len(tokens) - 1)
    writer.add_bos_token_id(end)
    writer.add_eos_token_id(end)

    def add(name, array, transpose=False):
        array = np.ascontiguousarray((array.T if transpose else array).astype(np.float32))
        writer.add_tensor(name, array)

    add("token_embd.weight", tensors["wte.weight"])
    add("position_embd.weight", tensors["wpe.weight"])
    for i in range(layers):
        p = f"h.{i}."
        add(f"blk.{i}.attn_norm.weight", tensors[p + "ln_1.weight"])
        add(f"blk.{i}.attn_norm.bias", tensors[p + "ln_1.bias"])
        add(f"blk.{i}.attn_qkv.weight", tensors[p + "attn.c_attn.weight"], transpose=True)
        add(f"blk.{i}.attn_qkv.bias", tensors[p + "attn.c_attn.bias"])
        add(f"blk.{i}.attn_output.weight", tensors[p + "attn.c_proj.weight"], transpose=True)
        add(f"blk.{i}.attn_output.bias", tensors[p + "attn.c_proj.bias"])
        add(f"blk.{i}.ffn_norm.weight", tensors[p + "ln_2.weight"])
        add(f"blk.{i}.ffn_norm.bias", tensors[p + "ln_2.bias"])
        add(f"blk.{i}.ffn_up.weight", tensors[p + "mlp.c_fc.weight"], transpose=True)
        add(f"blk.{i}.ffn_up.bias", tensors[p + "mlp.c_fc.bias"])
        add(f"blk.{i}.ffn_down.weight", tensors[p + "mlp.c_proj.weight"], transpose=True)
        add(f"blk.{i}.ffn_down.bias", tensors[p + "mlp.c_proj.bias"])
    add("output_norm.weight", tensors["ln_f.weight"])
    add("output_norm.bias", tensors["ln_f.bias"])
    # A tied head (GPT-2's) is written out, as convert_hf_to_gguf.py does.
    add("output.weight", tensors.get("lm_head.weight", tensors["wte.weight"]))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
