#!/usr/bin/env python3
"""Checks what sft exports with the reference libraries themselves: loads the model (and adapter), runs a token
batch in float64 and compares the logits with sft's (a float32 (B*T, V) file). Exit 0 when every logit is within
1e-4, else 1 (or 2 when the library cannot load it).
  python3 scripts/check-arch-export.py peft   BASE_DIR  LOGITS TOKENS B ADAPTER_DIR   (`export peft` on an HF dir)
  python3 scripts/check-arch-export.py merged MODEL_DIR LOGITS TOKENS B               (`export merged`: transformers)
  python3 scripts/check-arch-export.py gguf   FILE.gguf LOGITS TOKENS B               (`export gguf`: transformers' GGUF loader)
TOKENS is comma-separated. Run by ArchModelTests when the reference Python is present (CI has none)."""
import os, sys
import numpy as np
import torch
from transformers import AutoModelForCausalLM

kind, path, logits_file, tokens, B = sys.argv[1], sys.argv[2], sys.argv[3], [int(t) for t in sys.argv[4].split(",")], int(sys.argv[5])
try:
    if kind == "gguf":
        model = AutoModelForCausalLM.from_pretrained(os.path.dirname(path), gguf_file=os.path.basename(path), dtype=torch.float32)
    else:
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float64, attn_implementation="eager")
    if kind == "peft":
        from peft import PeftModel
        model = PeftModel.from_pretrained(model, sys.argv[6])
except Exception as e:
    print(f"{kind} {path}: could not load: {type(e).__name__}: {e}"); sys.exit(2)
model = model.double().eval()
with torch.no_grad():
    theirs = model(input_ids=torch.tensor(tokens).reshape(B, -1)).logits.reshape(-1).numpy()
ours = np.fromfile(logits_file, dtype=np.float32).astype(np.float64)
if ours.shape != theirs.shape:
    print(f"shape mismatch: sft {ours.shape}, {kind} {theirs.shape}"); sys.exit(1)
diff = float(np.abs(ours - theirs).max())
print(f"{kind} {os.path.basename(path)} ({type(model).__name__}): logits vs sft max |diff| {diff:.2e} over {theirs.size}")
sys.exit(0 if diff < 1e-4 else 1)
