#!/usr/bin/env python3
# Makes Tests/Fixtures/export/peft/: what PEFT itself writes for a LoRA adapter on a tiny random Llama
# (2 layers, all seven projections targeted, r=4, alpha=8): adapter_config.json as saved by
# save_pretrained, and the list of tensor keys with shapes in adapter_model.safetensors. ExportPEFTTests
# checks PEFTLayout's key names, orientation and config parsing against these. No hub access, no weights
# committed: only the config and the key list. Run: python3 scripts/make-export-fixtures.py
import json, os, tempfile
import torch
from transformers import LlamaConfig, LlamaForCausalLM
from peft import LoraConfig, get_peft_model
from safetensors import safe_open

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "export", "peft")
os.makedirs(root, exist_ok=True)
torch.manual_seed(0)
cfg = LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=40, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
model = LlamaForCausalLM(cfg)
lora = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.05, task_type="CAUSAL_LM", bias="none",
                  target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
peft_model = get_peft_model(model, lora)
with tempfile.TemporaryDirectory() as d:
    peft_model.save_pretrained(d)
    with open(os.path.join(d, "adapter_config.json")) as f:
        config = json.load(f)
    config["base_model_name_or_path"] = "tiny-llama"  # save_pretrained writes None for a model built in memory
    config["target_modules"] = sorted(config["target_modules"])  # a set in PEFT: sorted for a stable fixture
    with open(os.path.join(root, "adapter_config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    with safe_open(os.path.join(d, "adapter_model.safetensors"), "pt") as f:
        lines = [f"{k} {','.join(str(s) for s in f.get_slice(k).get_shape())}" for k in sorted(f.keys())]
with open(os.path.join(root, "keys.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
print(f"wrote {len(lines)} keys and adapter_config.json to {root}")

# The adapter_config.json sft writes (golden, from ExportPEFTTests) must load in PEFT as the same LoRA.
golden = os.path.join(root, "..", "adapter_config.json")
if os.path.exists(golden):
    with tempfile.TemporaryDirectory() as d:
        with open(golden) as f, open(os.path.join(d, "adapter_config.json"), "w") as g:
            g.write(f.read())
        c = LoraConfig.from_pretrained(d)
        assert (c.r, c.lora_alpha, c.lora_dropout, sorted(c.target_modules), c.bias, c.use_rslora, c.task_type) == \
            (8, 16, 0.05, ["down_proj", "q_proj", "v_proj"], "none", False, "CAUSAL_LM"), c
        print("sft's adapter_config.json loads in PEFT", __import__("peft").__version__)
