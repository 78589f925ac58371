#!/usr/bin/env python3
# Writes the PEFT round-trip fixture Tests/Fixtures/peft/: a tiny random LlamaForCausalLM saved the way HF
# saves it, a LoRA adapter for it saved the way PEFT saves it, and reference.json with what transformers +
# PEFT compute for a fixed token sequence with and without the adapter (logits, loss, LoRA gradients).
# Swift tests load base/ + adapter/ and must reproduce reference.json; they also write an adapter and
# check PEFT-compatible names/config. Never run by CI; everything it writes is small (< 200 KB).
# Schema: see the "schema" string inside reference.json.
#
# usage: python3 scripts/make-peft-fixture.py [--out Tests/Fixtures/peft]
import argparse, json, os, platform, shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "Tests/Fixtures/peft")
V, C, L, NH, NKV, FF = 64, 32, 2, 4, 2, 48
R, ALPHA = 4, 8
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj"]
IDS = [1, 17, 42, 5, 63, 8, 8, 30, 2, 11, 50, 23, 0, 37, 61, 14]  # fixed input, T = 16

SCHEMA = """\
files: base/config.json, base/model.safetensors (HF LlamaForCausalLM, fp32, tied embeddings so no
  lm_head.weight), adapter/adapter_config.json, adapter/adapter_model.safetensors (PEFT LoRA, keys like
  base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight (r, in) and ...lora_B.weight (out, r)).
reference.json: schema, versions {python, torch, transformers, peft}, config {vocab_size, hidden_size,
  num_hidden_layers, num_attention_heads, num_key_value_heads, intermediate_size, rms_norm_eps,
  rope_theta, tie_word_embeddings}, lora {r, alpha, scaling = alpha/r, dropout, targets},
  ids [T ints], base_logits [T][V floats], adapter_logits [T][V floats] (adapter active; also equal to
  the merged model's), base_loss, adapter_loss (mean next-token cross-entropy, labels = ids, HF shift),
  adapter_grads {peft tensor name: flat row-major floats} (d adapter_loss / d LoRA A and B, base frozen).
  Floats are rounded to 7 significant digits."""


def sig7(x):
    return float(f"{float(x):.7g}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=DEFAULT_OUT)
    a = ap.parse_args()
    import torch, transformers, peft
    from transformers import LlamaConfig, LlamaForCausalLM
    from peft import LoraConfig, get_peft_model
    torch.set_num_threads(2)
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=V, hidden_size=C, num_hidden_layers=L, num_attention_heads=NH,
                      num_key_value_heads=NKV, intermediate_size=FF, max_position_embeddings=64,
                      rms_norm_eps=1e-5, tie_word_embeddings=True, bos_token_id=1, eos_token_id=2,
                      pad_token_id=None)
    cfg.rope_parameters = {"rope_type": "default", "rope_theta": 10000.0}
    model = LlamaForCausalLM(cfg).float().eval()
    # HF's init (std 0.02) gives near-constant logits; use bigger seeded weights so every term shows.
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            noise = torch.randn(p.shape, generator=g)
            p.copy_(1.0 + 0.1 * noise if name.endswith("norm.weight") else 0.2 * noise)
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    base_dir, adapter_dir = os.path.join(a.out, "base"), os.path.join(a.out, "adapter")
    model.save_pretrained(base_dir, safe_serialization=True)  # before PEFT wraps (and merges) it
    x = torch.tensor([IDS])
    with torch.no_grad():
        base_out = model(x, labels=x)

    pm = get_peft_model(model, LoraConfig(r=R, lora_alpha=ALPHA, lora_dropout=0.0, target_modules=TARGETS,
                                          task_type="CAUSAL_LM", bias="none"))
    with torch.no_grad():
        for name, p in sorted(pm.named_parameters()):
            if "lora_A" in name or "lora_B" in name:
                p.copy_((0.2 if "lora_A" in name else 0.1) * torch.randn(p.shape, generator=g))
    pm.eval()
    out = pm(x, labels=x)
    out.loss.backward()
    grads = {}
    for name, p in sorted(pm.named_parameters()):
        if p.requires_grad:
            key = name.replace(".default.weight", ".weight")  # saved names drop the adapter name
            grads[key] = [sig7(v) for v in p.grad.reshape(-1).tolist()]
    adapter_logits = out.logits.detach()[0]
    assert (adapter_logits - base_out.logits[0]).abs().max() > 0.1, "adapter has no visible effect"
    pm.save_pretrained(adapter_dir)
    conf_path = os.path.join(adapter_dir, "adapter_config.json")
    with open(conf_path) as fh:
        conf = json.load(fh)
    conf["target_modules"] = sorted(conf["target_modules"])  # PEFT writes a set: order varies per run
    with open(conf_path, "w") as fh:
        json.dump(conf, fh, indent=2, sort_keys=True)
        fh.write("\n")
    for extra in ["README.md"]:  # PEFT's model card boilerplate; not part of the format
        if os.path.exists(os.path.join(adapter_dir, extra)):
            os.remove(os.path.join(adapter_dir, extra))

    # Round trip in Python first: reload base + adapter from disk, and merge; both must match.
    from peft import PeftModel
    re_base = LlamaForCausalLM.from_pretrained(base_dir, dtype=torch.float32).eval()
    with torch.no_grad():
        assert torch.equal(re_base(x).logits, base_out.logits), "reloaded base differs"
        re_pm = PeftModel.from_pretrained(re_base, adapter_dir).eval()
        assert torch.equal(re_pm(x).logits[0], adapter_logits), "reloaded adapter differs"
        merged = re_pm.merge_and_unload()
        merge_err = (merged(x).logits[0] - adapter_logits).abs().max().item()
    assert merge_err < 1e-4, f"merged model differs by {merge_err}"

    ref = {
        "schema": SCHEMA,
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "transformers": transformers.__version__, "peft": peft.__version__},
        "config": {"vocab_size": V, "hidden_size": C, "num_hidden_layers": L, "num_attention_heads": NH,
                   "num_key_value_heads": NKV, "intermediate_size": FF, "rms_norm_eps": 1e-5,
                   "rope_theta": 10000.0, "tie_word_embeddings": True},
        "lora": {"r": R, "alpha": ALPHA, "scaling": ALPHA / R, "dropout": 0.0, "targets": TARGETS},
        "ids": IDS,
        "base_logits": [[sig7(v) for v in row] for row in base_out.logits[0].tolist()],
        "adapter_logits": [[sig7(v) for v in row] for row in adapter_logits.tolist()],
        "base_loss": sig7(base_out.loss.item()), "adapter_loss": sig7(out.loss.item()),
        "adapter_grads": grads,
    }
    with open(os.path.join(a.out, "reference.json"), "w") as fh:
        json.dump(ref, fh, indent=1)
        fh.write("\n")
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(a.out) for f in fs)
    print(f"wrote {a.out}: {total} bytes; base_loss={base_out.loss.item():.4f} "
          f"adapter_loss={out.loss.item():.4f} merge_err={merge_err:.2e}")


if __name__ == "__main__":
    main()
