#!/usr/bin/env python3
"""Loads an HF Gemma 3 base directory with a PEFT adapter directory (as `export peft` writes it) and prints the
logits of a token row as JSON, so a test can compare them with sft's own. Optionally also loads an `export
merged` directory and prints its logits. float64, eager attention.
Usage: check-gemma3-peft.py BASE_DIR ADAPTER_DIR TOKENS(comma-separated) [MERGED_DIR]"""
import json, sys
import torch
from transformers import AutoModelForCausalLM
from peft import PeftModel

base_dir, adapter_dir, tokens = sys.argv[1], sys.argv[2], [int(t) for t in sys.argv[3].split(",")]
ids = torch.tensor([tokens])
base = AutoModelForCausalLM.from_pretrained(base_dir, attn_implementation="eager", dtype=torch.float64)
model = PeftModel.from_pretrained(base, adapter_dir).eval()
out = {"peft": model(input_ids=ids).logits[0].reshape(-1).tolist()}
if len(sys.argv) > 4:
    merged = AutoModelForCausalLM.from_pretrained(sys.argv[4], attn_implementation="eager", dtype=torch.float64).eval()
    out["merged"] = merged(input_ids=ids).logits[0].reshape(-1).tolist()
    out["mergedArchitecture"] = type(merged).__name__
print(json.dumps(out))
