#!/usr/bin/env python3
# Makes Tests/Fixtures/formats/smollm2-weights.json: a few exact fp32 weight values of the default GGUF model as
# HF transformers loads it (its GGUF loader dequantizes and un-permutes llama q/k itself), so the Swift loader
# is checked against an independent implementation. Also saves that HF model once to
# <root>/cache/hf/SmolLM2-135M-Instruct (config.json, model.safetensors, tokenizer files) for the HF-dir tests.
# Needs: pip install gguf (plus the system torch + transformers). Usage: python3 scripts/make-formats-fixture.py
import json, os, sys
from transformers import AutoModelForCausalLM, AutoTokenizer

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
gguf = os.environ.get("SFT_MODEL", os.path.join(root, "cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"))
hf_out = os.environ.get("SFT_HF_MODEL", os.path.join(root, "cache/hf/SmolLM2-135M-Instruct"))
d, name = os.path.split(gguf)

model = AutoModelForCausalLM.from_pretrained(d, gguf_file=name)
sd = model.state_dict()

def rows(key, idx, n=8):
    t = sd[key]
    return {str(i): [float(v) for v in t[i, :n].tolist()] for i in idx}

fixture = {
    "source": name,
    "note": "first 8 values of the listed rows, fp32, from transformers' GGUF loader",
    "tensors": {
        "model.embed_tokens.weight": rows("model.embed_tokens.weight", [0, 1, 2, 49151]),
        "model.layers.0.self_attn.q_proj.weight": rows("model.layers.0.self_attn.q_proj.weight", [0, 1, 2, 3, 31, 32, 33, 64, 575]),
        "model.layers.0.self_attn.k_proj.weight": rows("model.layers.0.self_attn.k_proj.weight", [0, 1, 2, 3, 32, 33, 64, 191]),
        "model.layers.0.self_attn.v_proj.weight": rows("model.layers.0.self_attn.v_proj.weight", [0, 1, 191]),
        "model.layers.29.self_attn.o_proj.weight": rows("model.layers.29.self_attn.o_proj.weight", [0, 575]),
        "model.layers.29.mlp.down_proj.weight": rows("model.layers.29.mlp.down_proj.weight", [0, 575]),
        "model.layers.5.mlp.gate_proj.weight": rows("model.layers.5.mlp.gate_proj.weight", [0, 1535]),
        "model.layers.5.mlp.up_proj.weight": rows("model.layers.5.mlp.up_proj.weight", [0, 1535]),
    },
    "vectors": {
        "model.layers.0.input_layernorm.weight": [float(v) for v in sd["model.layers.0.input_layernorm.weight"][:8].tolist()],
        "model.layers.29.post_attention_layernorm.weight": [float(v) for v in sd["model.layers.29.post_attention_layernorm.weight"][:8].tolist()],
        "model.norm.weight": [float(v) for v in sd["model.norm.weight"][:8].tolist()],
    },
}
out = os.path.join(root, "Tests/Fixtures/formats/smollm2-weights.json")
with open(out, "w") as f:
    json.dump(fixture, f, indent=1)
print("wrote", out)

if not os.path.exists(os.path.join(hf_out, "model.safetensors")):
    os.makedirs(hf_out, exist_ok=True)
    # save_pretrained refuses GGUF-loaded models, so write the plain fp32 state dict and config by hand.
    from safetensors.torch import save_file
    tensors = {k: v.contiguous() for k, v in sd.items()}
    if model.config.tie_word_embeddings:
        tensors.pop("lm_head.weight", None)
    save_file(tensors, os.path.join(hf_out, "model.safetensors"), metadata={"format": "pt"})
    cfg = model.config.to_dict()
    cfg.pop("quantization_config", None)
    cfg["torch_dtype"] = "float32"
    if not cfg.get("architectures"):
        cfg["architectures"] = [{"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM"}[cfg["model_type"]]]
    with open(os.path.join(hf_out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    AutoTokenizer.from_pretrained(d, gguf_file=name).save_pretrained(hf_out)
    print("saved", hf_out)
else:
    print("exists", hf_out)
