#!/usr/bin/env python3
"""Golden references for the architectures beyond make-model-fixtures.py's llama/qwen2, from HF transformers +
PEFT (torch, float64), in the same format (Tests/Fixtures/model/<name>.{json,weights.bin,grads.bin,lora.bin}) so
Tests/SFTTests/ModelFixture.swift reads them, plus:
  - qwen3-untied, qwen3-tied: Qwen3ForCausalLM with head_dim 16 set apart from hidden/heads (C=32, NH=4: q_proj is
    32 -> 64, o_proj 64 -> 32) and q_norm/k_norm; llama3rope-tied: LlamaForCausalLM with rope_scaling llama3
    (factor 8, original context 128, so at HS=8 one frequency is kept, one blended and two divided);
  - <name>.lora-all.bin: LoRA r=4 on all seven targets (A from PEFT's init, B random so every gradient is
    non-zero), per layer and target A then B; <name>.lora-all.grads.bin: HF's gradients of those, same order;
  - greedy: a prompt and HF's greedy continuation (argmax of the full forward, every step's top-2 margin > 1e-3);
  - <name>-hf/: the model as save_pretrained writes it (config.json + model.safetensors, float32);
  - <name>.gguf: the same weights as llama.cpp's convert_hf_to_gguf.py lays them out (qwen3: attn_q_norm /
    attn_k_norm, no q/k permutation; llama: q/k rows permuted, rope_freqs.weight with the llama3 divisors).
Weights in sft's ParameterTensors `named` order: ..., final_norm, [lm_head], [q_norm, k_norm].
Run: python3 scripts/make-arch-fixtures.py   (needs torch, transformers>=4.51, peft, gguf; never run by CI)"""
import json, os, shutil
import numpy as np
import torch
import gguf
from transformers import LlamaConfig, LlamaForCausalLM, Qwen3Config, Qwen3ForCausalLM
from peft import LoraConfig, get_peft_model
from gguf_llama_rules import llama_permute, llama3_rope_factors

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "model")
V, C, L, NH, NKV, FF, B, T = 64, 32, 2, 4, 2, 48, 2, 8
LR, WD, CLIP, STEPS = 1e-3, 0.01, 1.0, 10
LLAMA3 = dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0, original_max_position_embeddings=128)
TARGETS = ["q", "k", "v", "o", "gate", "up", "down"]
MODULE = {"attn_norm": "input_layernorm.weight", "wq": "self_attn.q_proj.weight", "wk": "self_attn.k_proj.weight",
          "wv": "self_attn.v_proj.weight", "wo": "self_attn.o_proj.weight", "mlp_norm": "post_attention_layernorm.weight",
          "w_gate": "mlp.gate_proj.weight", "w_up": "mlp.up_proj.weight", "w_down": "mlp.down_proj.weight",
          "q_norm": "self_attn.q_norm.weight", "k_norm": "self_attn.k_norm.weight"}
GGUF_NAME = {"attn_norm": "attn_norm", "wq": "attn_q", "wk": "attn_k", "wv": "attn_v", "wo": "attn_output",
             "mlp_norm": "ffn_norm", "w_gate": "ffn_gate", "w_up": "ffn_up", "w_down": "ffn_down",
             "q_norm": "attn_q_norm", "k_norm": "attn_k_norm"}


def order(arch, tied):
    names = ["token_embedding", "attn_norm", "wq", "wk", "wv", "wo", "mlp_norm", "w_gate", "w_up", "w_down", "final_norm"]
    if not tied: names.append("lm_head")
    if arch == "qwen3": names += ["q_norm", "k_norm"]
    return names


def tensor(model, name, grad=False):
    """One ParameterTensors view (stacked over layers) from the HF model, or its gradient."""
    m = model.model
    def get(p): return (p.grad if p.grad is not None else torch.zeros_like(p)) if grad else p
    if name == "token_embedding": return get(m.embed_tokens.weight)
    if name == "final_norm": return get(m.norm.weight)
    if name == "lm_head": return get(model.lm_head.weight)
    path = MODULE[name].split(".")
    def one(layer):
        mod = layer
        for part in path[:-1]: mod = getattr(mod, part)
        return get(getattr(mod, path[-1]))
    return torch.stack([one(layer) for layer in m.layers])


def blob(ts):
    return b"".join(t.detach().to(torch.float32).contiguous().numpy().tobytes() for t in ts)


def loss_fn(model, tokens, targets, mask):
    logits = model(input_ids=tokens).logits
    ce = torch.nn.functional.cross_entropy(logits.reshape(-1, V), targets.reshape(-1), reduction="none")
    return (ce * mask.reshape(-1)).sum() / mask.sum(), logits


def build(arch, tied, seed):
    torch.manual_seed(seed)
    kw = dict(vocab_size=V, hidden_size=C, intermediate_size=FF, num_hidden_layers=L, num_attention_heads=NH,
              num_key_value_heads=NKV, rope_theta=10000.0, rms_norm_eps=1e-5, tie_word_embeddings=tied,
              attn_implementation="eager", bos_token_id=None, eos_token_id=None, pad_token_id=None)
    if arch == "qwen3":
        model = Qwen3ForCausalLM(Qwen3Config(head_dim=16, max_position_embeddings=64, **kw))
    else:
        model = LlamaForCausalLM(LlamaConfig(max_position_embeddings=256, rope_scaling=dict(LLAMA3), **kw))
    with torch.no_grad():
        for n, p in model.named_parameters():
            if "norm" in n: p.copy_(1 + 0.1 * torch.randn_like(p))
            else: p.copy_(0.2 * torch.randn_like(p))
            p.copy_(p.float())  # the fp32 values we write are exactly the ones used
    return model


def batch(seed):
    g = torch.Generator().manual_seed(seed)
    seq = torch.randint(0, V, (B, T + 1), generator=g)
    mask = torch.ones(B, T, dtype=torch.float64)
    mask[0, :3] = 0      # prompt tokens
    mask[1, T - 2:] = 0  # padding
    return seq[:, :T], seq[:, 1:], mask


def greedy(model, prompt, steps=12):
    """HF's greedy continuation; the smallest top-2 logit gap says how safe the comparison is in fp32."""
    ids, margin = list(prompt), float("inf")
    with torch.no_grad():
        for _ in range(steps):
            logits = model(input_ids=torch.tensor([ids])).logits[0, -1]
            top = torch.topk(logits, 2).values
            margin = min(margin, (top[0] - top[1]).item())
            ids.append(int(torch.argmax(logits)))
    return ids[len(prompt):], margin


def save_hf(model, name):
    d = os.path.join(OUT, f"{name}-hf")
    shutil.rmtree(d, ignore_errors=True)
    model.float().save_pretrained(d, safe_serialization=True)
    for extra in ("generation_config.json",):
        if os.path.exists(os.path.join(d, extra)): os.remove(os.path.join(d, extra))
    model.double()


def save_gguf(model, arch, tied, name):
    cfg, hs = model.config, model.config.head_dim
    w = gguf.GGUFWriter(os.path.join(OUT, f"{name}.gguf"), arch)
    w.add_block_count(L); w.add_context_length(cfg.max_position_embeddings); w.add_embedding_length(C)
    w.add_feed_forward_length(FF); w.add_head_count(NH); w.add_head_count_kv(NKV); w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5); w.add_file_type(gguf.LlamaFileType.ALL_F32); w.add_vocab_size(V)
    w.add_rope_dimension_count(hs)
    if hs != C // NH: w.add_key_length(hs); w.add_value_length(hs)
    def f32(t): return t.detach().to(torch.float32).contiguous().numpy()
    w.add_tensor("token_embd.weight", f32(model.model.embed_tokens.weight))
    for l, layer in enumerate(model.model.layers):
        for ours, g in GGUF_NAME.items():
            if ours in ("q_norm", "k_norm") and arch != "qwen3": continue
            t = tensor(model, ours)[l]
            if arch == "llama" and ours in ("wq", "wk"): t = llama_permute(t, NH if ours == "wq" else NKV)
            w.add_tensor(f"blk.{l}.{g}.weight", f32(t))
    w.add_tensor("output_norm.weight", f32(model.model.norm.weight))
    if not tied: w.add_tensor("output.weight", f32(model.lm_head.weight))
    if arch == "llama": w.add_tensor("rope_freqs.weight", llama3_rope_factors(hs, 10000.0, LLAMA3))
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()


def lora_all(model, tokens, targets, mask, seed):
    """LoRA r=4 alpha=8 on every target: PEFT's A, a random B; loss and every adapter gradient."""
    torch.manual_seed(seed)
    pm = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=[f"{t}_proj" for t in TARGETS]))
    mods = []
    for layer in pm.base_model.model.model.layers:
        for t in TARGETS:
            mod = getattr(layer.self_attn if t in ("q", "k", "v", "o") else layer.mlp, f"{t}_proj")
            with torch.no_grad():
                mod.lora_A["default"].weight.copy_(mod.lora_A["default"].weight.float())
                mod.lora_B["default"].weight.copy_((0.1 * torch.randn_like(mod.lora_B["default"].weight)).float())
            mods.append(mod)
    weights = [x for m in mods for x in (m.lora_A["default"].weight, m.lora_B["default"].weight)]
    loss, _ = loss_fn(pm, tokens, targets, mask)
    loss.backward()
    grads = [x.grad for x in weights]
    out = (blob(weights), blob(grads), loss.item())
    pm.unload()  # the base model back without adapters
    return out


def run(name, arch, tied, seed):
    model = build(arch, tied, seed)
    save_hf(model, name)
    model = model.double()
    save_gguf(model, arch, tied, name)
    tokens, targets, mask = batch(seed + 1)
    names = order(arch, tied)
    with open(os.path.join(OUT, f"{name}.weights.bin"), "wb") as f:
        f.write(blob([tensor(model, n) for n in names]))
    init_state = {k: v.clone() for k, v in model.state_dict().items()}
    prompt = tokens[0, :5].tolist()
    continuation, margin = greedy(model, prompt)
    assert margin > 1e-3, f"{name}: greedy top-2 gap {margin} too small to compare in fp32"
    loss, logits = loss_fn(model, tokens, targets, mask)
    loss.backward()
    with open(os.path.join(OUT, f"{name}.grads.bin"), "wb") as f:
        f.write(blob([tensor(model, n, grad=True) for n in names]))
    # full fine-tuning, 10 AdamW steps with clipping
    model.zero_grad()
    opt = torch.optim.AdamW(model.parameters(), lr=LR, betas=(0.9, 0.999), eps=1e-8, weight_decay=WD)
    full_losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        l, _ = loss_fn(model, tokens, targets, mask)
        l.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        opt.step()
        full_losses.append(l.item())
    # LoRA on every target: one loss and its gradients
    model.load_state_dict(init_state); model.zero_grad()
    lw, lg, lora_all_loss = lora_all(model, tokens, targets, mask, seed + 3)
    with open(os.path.join(OUT, f"{name}.lora-all.bin"), "wb") as f: f.write(lw)
    with open(os.path.join(OUT, f"{name}.lora-all.grads.bin"), "wb") as f: f.write(lg)
    # LoRA r=4 alpha=8 on q,k,v,o from PEFT's init, 10 steps (make-model-fixtures.py's run)
    model.load_state_dict(init_state); model.zero_grad()
    torch.manual_seed(seed + 2)
    pm = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]))
    lora_a = []
    for l in range(L):
        for t in ["q", "k", "v", "o"]:
            mod = getattr(pm.base_model.model.model.layers[l].self_attn, f"{t}_proj")
            with torch.no_grad():
                mod.lora_A["default"].weight.copy_(mod.lora_A["default"].weight.float())
            lora_a.append(mod.lora_A["default"].weight)
    with open(os.path.join(OUT, f"{name}.lora.bin"), "wb") as f:
        f.write(blob(lora_a))
    params = [p for p in pm.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=LR * 10, betas=(0.9, 0.999), eps=1e-8, weight_decay=WD)
    lora_losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        l, _ = loss_fn(pm, tokens, targets, mask)
        l.backward()
        torch.nn.utils.clip_grad_norm_(params, CLIP)
        opt.step()
        lora_losses.append(l.item())
    meta = dict(architecture=arch, tied=tied, V=V, C=C, L=L, NH=NH, NKV=NKV, FF=FF, B=B, T=T, ropeTheta=10000.0, eps=1e-5,
                tokens=tokens.reshape(-1).tolist(), targets=targets.reshape(-1).tolist(), mask=mask.reshape(-1).tolist(),
                loss=loss.item(), logits=[round(x, 7) for x in logits.reshape(-1).tolist()],
                lr=LR, loraLR=LR * 10, weightDecay=WD, clip=CLIP, fullLosses=full_losses,
                loraRank=4, loraAlpha=8.0, loraLosses=lora_losses,
                headDim=model.config.head_dim, maxPositions=model.config.max_position_embeddings,
                ropeScaling=dict(LLAMA3) if arch == "llama" else None,
                loraAllLoss=lora_all_loss, greedyPrompt=prompt, greedy=continuation, greedyMargin=margin)
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(meta, f)
    print(name, "loss", loss.item(), "full", full_losses[-1], "lora", lora_losses[-1], "greedy", continuation, "margin", margin)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    run("qwen3-untied", "qwen3", False, 21)
    run("qwen3-tied", "qwen3", True, 31)
    run("llama3rope-tied", "llama", True, 41)
