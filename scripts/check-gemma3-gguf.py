#!/usr/bin/env python3
"""Reads a Gemma 3 GGUF with transformers' GGUF loader (which undoes llama.cpp's names and its 1 + w norms) and
compares every weight with an HF directory's; prints JSON {architecture, maxWeightDiff, missing}.
transformers takes query_pre_attn_scalar and the layer pattern from its own defaults, not from the GGUF, so
this checks names and numbers, not logits.
Usage: check-gemma3-gguf.py GGUF_FILE HF_DIR"""
import json, os, sys
import torch
from transformers import AutoModelForCausalLM

path, hf_dir = sys.argv[1], sys.argv[2]
g = AutoModelForCausalLM.from_pretrained(os.path.dirname(path) or ".", gguf_file=os.path.basename(path), dtype=torch.float32)
h = AutoModelForCausalLM.from_pretrained(hf_dir, dtype=torch.float32)
gs, hs = g.state_dict(), h.state_dict()
missing = [k for k in hs if k not in gs]
diff = max(((gs[k] - hs[k]).abs().max().item() for k in hs if k in gs), default=float("inf"))
print(json.dumps({"architecture": type(g).__name__, "maxWeightDiff": diff, "missing": missing,
                  "slidingWindow": g.config.sliding_window}))
