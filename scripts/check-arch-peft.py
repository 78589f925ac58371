#!/usr/bin/env python3
"""Checks an adapter written by sft (`export peft`, LoRAIO.write) with PEFT itself: loads the HF base model
directory, PeftModel.from_pretrained on the adapter directory, runs the token batch, and compares the logits with
sft's (ADAPTER_DIR/sft-logits.bin, float32 (B*T, V)). Exit 0 when every logit is within 1e-4, else 1.
  python3 scripts/check-arch-peft.py BASE_DIR ADAPTER_DIR TOKENS(comma-separated) B
Run by ArchModelTests.testPEFTExportLoadsInPEFTWithTheSameLogits when the reference Python is present."""
import os, sys
import numpy as np
import torch
from transformers import AutoModelForCausalLM
from peft import PeftModel

base, adapter, tokens, B = sys.argv[1], sys.argv[2], [int(t) for t in sys.argv[3].split(",")], int(sys.argv[4])
model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float64, attn_implementation="eager")
model = PeftModel.from_pretrained(model, adapter).double().eval()
with torch.no_grad():
    theirs = model(input_ids=torch.tensor(tokens).reshape(B, -1)).logits.reshape(-1).numpy()
ours = np.fromfile(os.path.join(adapter, "sft-logits.bin"), dtype=np.float32).astype(np.float64)
if ours.shape != theirs.shape:
    print(f"shape mismatch: sft {ours.shape}, PEFT {theirs.shape}"); sys.exit(1)
diff = float(np.abs(ours - theirs).max())
print(f"{os.path.basename(base)}: PEFT logits vs sft max |diff| {diff:.2e} over {theirs.size} logits")
sys.exit(0 if diff < 1e-4 else 1)
