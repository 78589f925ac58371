#!/usr/bin/env python3
"""Golden references for the Swift model from HF transformers + PEFT (torch, float64), written to
Tests/Fixtures/model/. For each tiny variant (llama tied, qwen2 untied): the fp32 weights in sft's
ParameterTensors order (raw little-endian f32, <name>.weights.bin), a token batch with targets and mask,
the loss, all logits, all gradients (<name>.grads.bin), 10 AdamW steps of full fine-tuning (loss list),
and LoRA r=4 on q,k,v,o: the PEFT-initialised A matrices (<name>.lora.bin), its loss and 10-step loss list.
Run: python3 scripts/make-model-fixtures.py   (needs torch, transformers, peft; never run by CI)"""
import json, os, struct
import torch
from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM
from peft import LoraConfig, get_peft_model

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "model")
V, C, L, NH, NKV, FF, B, T = 64, 32, 2, 4, 2, 48, 2, 8
LR, WD, CLIP, STEPS = 1e-3, 0.01, 1.0, 10


def ours(model, arch, tied):
    """Weights in sft's ParameterTensors `named` order, stacked over layers."""
    m = model.model
    lay = lambda f: torch.stack([f(layer) for layer in m.layers])
    out = [("token_embedding", m.embed_tokens.weight), ("attn_norm", lay(lambda x: x.input_layernorm.weight)),
           ("wq", lay(lambda x: x.self_attn.q_proj.weight)), ("wk", lay(lambda x: x.self_attn.k_proj.weight)),
           ("wv", lay(lambda x: x.self_attn.v_proj.weight))]
    if arch == "qwen2":
        out += [("bq", lay(lambda x: x.self_attn.q_proj.bias)), ("bk", lay(lambda x: x.self_attn.k_proj.bias)),
                ("bv", lay(lambda x: x.self_attn.v_proj.bias))]
    out += [("wo", lay(lambda x: x.self_attn.o_proj.weight)), ("mlp_norm", lay(lambda x: x.post_attention_layernorm.weight)),
            ("w_gate", lay(lambda x: x.mlp.gate_proj.weight)), ("w_up", lay(lambda x: x.mlp.up_proj.weight)),
            ("w_down", lay(lambda x: x.mlp.down_proj.weight)), ("final_norm", m.norm.weight)]
    if not tied:
        out.append(("lm_head", model.lm_head.weight))
    return out


def grads_of(model, arch, tied):
    m = model.model
    lay = lambda f: torch.stack([f(layer) for layer in m.layers])
    g = lambda p: p.grad if p.grad is not None else torch.zeros_like(p)
    names = ours(model, arch, tied)
    # same traversal, on .grad
    res = []
    for name, _ in names:
        if name == "token_embedding": t = g(m.embed_tokens.weight)
        elif name == "final_norm": t = g(m.norm.weight)
        elif name == "lm_head": t = g(model.lm_head.weight)
        else:
            attr = {"attn_norm": ("input_layernorm", "weight"), "mlp_norm": ("post_attention_layernorm", "weight"),
                    "wq": ("self_attn.q_proj", "weight"), "wk": ("self_attn.k_proj", "weight"), "wv": ("self_attn.v_proj", "weight"),
                    "bq": ("self_attn.q_proj", "bias"), "bk": ("self_attn.k_proj", "bias"), "bv": ("self_attn.v_proj", "bias"),
                    "wo": ("self_attn.o_proj", "weight"), "w_gate": ("mlp.gate_proj", "weight"),
                    "w_up": ("mlp.up_proj", "weight"), "w_down": ("mlp.down_proj", "weight")}[name]
            def get(layer):
                mod = layer
                for part in attr[0].split("."): mod = getattr(mod, part)
                return g(getattr(mod, attr[1]))
            t = lay(get)
        res.append((name, t))
    return res


def blob(pairs):
    return b"".join(t.detach().to(torch.float32).contiguous().numpy().tobytes() for _, t in pairs)


def loss_fn(model, tokens, targets, mask):
    logits = model(input_ids=tokens).logits
    ce = torch.nn.functional.cross_entropy(logits.reshape(-1, V), targets.reshape(-1), reduction="none")
    return (ce * mask.reshape(-1)).sum() / mask.sum(), logits


def build(arch, tied, seed):
    torch.manual_seed(seed)
    kw = dict(vocab_size=V, hidden_size=C, intermediate_size=FF, num_hidden_layers=L, num_attention_heads=NH,
              num_key_value_heads=NKV, max_position_embeddings=64, rope_theta=10000.0, rms_norm_eps=1e-5,
              tie_word_embeddings=tied, attn_implementation="eager")
    model = (LlamaForCausalLM(LlamaConfig(**kw)) if arch == "llama" else Qwen2ForCausalLM(Qwen2Config(**kw)))
    with torch.no_grad():
        for n, p in model.named_parameters():
            if "norm" in n: p.copy_(1 + 0.1 * torch.randn_like(p))
            elif n.endswith("bias"): p.copy_(0.1 * torch.randn_like(p))
            else: p.copy_(0.2 * torch.randn_like(p))
            p.copy_(p.float())  # the fp32 values we write are exactly the ones used
    return model.double()


def batch(seed):
    g = torch.Generator().manual_seed(seed)
    seq = torch.randint(0, V, (B, T + 1), generator=g)
    mask = torch.ones(B, T, dtype=torch.float64)
    mask[0, :3] = 0      # prompt tokens
    mask[1, T - 2:] = 0  # padding
    return seq[:, :T], seq[:, 1:], mask


def run(name, arch, tied, seed):
    model = build(arch, tied, seed)
    tokens, targets, mask = batch(seed + 1)
    with open(os.path.join(OUT, f"{name}.weights.bin"), "wb") as f:
        f.write(blob(ours(model, arch, tied)))
    init_state = {k: v.clone() for k, v in model.state_dict().items()}
    # loss, logits, gradients
    loss, logits = loss_fn(model, tokens, targets, mask)
    loss.backward()
    with open(os.path.join(OUT, f"{name}.grads.bin"), "wb") as f:
        f.write(blob(grads_of(model, arch, tied)))
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
    # LoRA r=4 alpha=8 on q,k,v,o from the initial weights
    model.load_state_dict(init_state)
    torch.manual_seed(seed + 2)
    pm = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]))
    lora_a = []
    for l in range(L):
        for t in ["q", "k", "v", "o"]:
            mod = getattr(pm.base_model.model.model.layers[l].self_attn, f"{t}_proj")
            with torch.no_grad():
                mod.lora_A["default"].weight.copy_(mod.lora_A["default"].weight.float())
            lora_a.append((f"{l}.{t}.A", mod.lora_A["default"].weight))
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
                loraRank=4, loraAlpha=8.0, loraLosses=lora_losses)
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(meta, f)
    print(name, "loss", loss.item(), "full", full_losses[-1], "lora", lora_losses[-1])


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    run("llama-tied", "llama", True, 1)
    run("qwen2-untied", "qwen2", False, 11)
