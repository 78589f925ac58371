#!/usr/bin/env python3
"""Golden references for sft's Gemma 3 text model (Gemma3ForCausalLM) from HF transformers + PEFT (torch,
float64, eager attention), written to Tests/Fixtures/model/ in make-model-fixtures.py's format plus what Gemma 3
adds. Two tiny random models:
  gemma3-tied    6 layers, the default sliding pattern (5 sliding + 1 full), window 4 < T, query_pre_attn_scalar
                 = head_dim (what llama.cpp assumes), tied embeddings; also written as a GGUF the way llama.cpp's
                 convert_hf_to_gguf.py writes Gemma 3 (its tensor names, norms stored as 1 + w, its keys).
  gemma3-untied  2 layers with explicit layer_types [sliding, full], window 3, query_pre_attn_scalar 24 != head_dim,
                 untied lm_head.
For each: <name>/ (config.json + model.safetensors, fp32, as save_pretrained writes them), <name>.json (batch,
loss, logits, 10 AdamW steps full and LoRA, greedy continuation), <name>.grads.bin (every gradient in sft's
ParameterTensors `named` order), <name>.lora.bin (PEFT LoRA r=4 on q,k,v,o,gate,up,down: A as PEFT initialised
it, B random so A's gradient is not zero; in sft's LoRA `named` order) and <name>.loragrads.bin (their
gradients). Raw little-endian f32.
Run: /work/refvenv/bin/python scripts/make-gemma3-fixtures.py   (needs torch, transformers, peft, gguf; never run by CI)"""
import json, os
import numpy as np
import torch
from transformers import Gemma3TextConfig, Gemma3ForCausalLM
from peft import LoraConfig, get_peft_model

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "model")
V, C, NH, NKV, HS, FF, B, T = 64, 32, 4, 2, 16, 48, 2, 10
LR, WD, CLIP, STEPS = 1e-3, 0.01, 1.0, 10
TARGETS = ["q", "k", "v", "o", "gate", "up", "down"]
MODULE = {"q": "self_attn.q_proj", "k": "self_attn.k_proj", "v": "self_attn.v_proj", "o": "self_attn.o_proj",
          "gate": "mlp.gate_proj", "up": "mlp.up_proj", "down": "mlp.down_proj"}


def get(mod, path):
    for part in path.split("."): mod = getattr(mod, part)
    return mod


def ours(model, tied, grad=False):
    """Weights (or their gradients) in sft's ParameterTensors `named` order, stacked over layers."""
    m = model.model
    val = (lambda p: p.grad if p.grad is not None else torch.zeros_like(p)) if grad else (lambda p: p)
    lay = lambda path: torch.stack([val(get(layer, path)) for layer in m.layers])
    out = [val(m.embed_tokens.weight), lay("input_layernorm.weight"), lay("self_attn.q_proj.weight"),
           lay("self_attn.k_proj.weight"), lay("self_attn.v_proj.weight"), lay("self_attn.o_proj.weight"),
           lay("pre_feedforward_layernorm.weight"), lay("mlp.gate_proj.weight"), lay("mlp.up_proj.weight"),
           lay("mlp.down_proj.weight"), val(m.norm.weight)]
    if not tied: out.append(val(model.lm_head.weight))
    out += [lay("self_attn.q_norm.weight"), lay("self_attn.k_norm.weight"), lay("post_attention_layernorm.weight"),
            lay("post_feedforward_layernorm.weight")]
    return out


def blob(ts):
    return b"".join(t.detach().to(torch.float32).contiguous().numpy().tobytes() for t in ts)


def loss_fn(model, tokens, targets, mask):
    logits = model(input_ids=tokens).logits
    ce = torch.nn.functional.cross_entropy(logits.reshape(-1, V), targets.reshape(-1), reduction="none")
    return (ce * mask.reshape(-1)).sum() / mask.sum(), logits


def build(seed, layers, window, qpas, tied, layer_types=None):
    torch.manual_seed(seed)
    cfg = Gemma3TextConfig(vocab_size=V, hidden_size=C, intermediate_size=FF, num_hidden_layers=layers,
                           num_attention_heads=NH, num_key_value_heads=NKV, head_dim=HS, max_position_embeddings=64,
                           rms_norm_eps=1e-6, sliding_window=window, query_pre_attn_scalar=qpas, layer_types=layer_types,
                           rope_parameters={"full_attention": {"rope_type": "default", "rope_theta": 1_000_000.0},
                                            "sliding_attention": {"rope_type": "default", "rope_theta": 10_000.0}},
                           tie_word_embeddings=tied, attn_implementation="eager", pad_token_id=None, bos_token_id=2, eos_token_id=1)
    # pad_token_id None: HF's nn.Embedding(padding_idx=pad) gives the pad row no gradient from the lookup;
    # sft's embedding backward has no padding row (like its Llama path), and this batch contains token 0.
    model = Gemma3ForCausalLM(cfg)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if "norm" in n: p.copy_(0.1 * torch.randn_like(p))   # Gemma norms are zero-centred: scale 1 + w
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


def greedy(model, prompt, n):
    """Argmax continuation by full forwards (no cache): the reference for sft's KV-cache decoding."""
    ids, margins = list(prompt), []
    with torch.no_grad():
        for _ in range(n):
            logits = model(input_ids=torch.tensor([ids])).logits[0, -1]
            top = torch.topk(logits, 2).values
            margins.append((top[0] - top[1]).item())
            ids.append(int(logits.argmax()))
    return ids[len(prompt):], min(margins)


def write_gguf(model, path, cfg):
    """The GGUF llama.cpp's convert_hf_to_gguf.py (Gemma3Model) writes: its names, norms + 1, its keys."""
    import gguf
    w = gguf.GGUFWriter(path, "gemma3")
    w.add_context_length(cfg.max_position_embeddings)
    w.add_embedding_length(C)
    w.add_block_count(cfg.num_hidden_layers)
    w.add_feed_forward_length(FF)
    w.add_head_count(NH)
    w.add_head_count_kv(NKV)
    w.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    w.add_key_length(HS)
    w.add_value_length(HS)
    w.add_rope_freq_base(cfg.rope_parameters["full_attention"]["rope_theta"])
    w.add_sliding_window(cfg.sliding_window)
    names = {"input_layernorm": "attn_norm", "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k",
             "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output", "self_attn.q_norm": "attn_q_norm",
             "self_attn.k_norm": "attn_k_norm", "post_attention_layernorm": "post_attention_norm",
             "pre_feedforward_layernorm": "ffn_norm", "post_feedforward_layernorm": "post_ffw_norm",
             "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down"}
    def add(name, t, norm=False):
        a = t.detach().to(torch.float32).numpy()
        w.add_tensor(name, (a + 1).astype(np.float32) if norm else a)
    add("token_embd.weight", model.model.embed_tokens.weight)
    for l, layer in enumerate(model.model.layers):
        for hf, gg in names.items():
            add(f"blk.{l}.{gg}.weight", get(layer, hf + ".weight"), norm=hf.endswith("norm"))
    add("output_norm.weight", model.model.norm.weight, norm=True)
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()


def run(name, seed, layers, window, qpas, tied, layer_types=None, gguf_file=False):
    model = build(seed, layers, window, qpas, tied, layer_types)
    hf_dir = os.path.join(OUT, name)
    model.save_pretrained(hf_dir, safe_serialization=True)
    for extra in ["generation_config.json"]:
        if os.path.exists(os.path.join(hf_dir, extra)): os.remove(os.path.join(hf_dir, extra))
    if gguf_file: write_gguf(model, os.path.join(OUT, f"{name}.gguf"), model.config)
    model = model.double()
    tokens, targets, mask = batch(seed + 1)
    init_state = {k: v.clone() for k, v in model.state_dict().items()}
    loss, logits = loss_fn(model, tokens, targets, mask)
    loss.backward()
    with open(os.path.join(OUT, f"{name}.grads.bin"), "wb") as f:
        f.write(blob(ours(model, tied, grad=True)))
    prompt = tokens[0, :6].tolist()
    cont, margin = greedy(model, prompt, 10)
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
    # LoRA r=4 alpha=8 on all seven targets from the initial weights; B random so every gradient is live
    model.load_state_dict(init_state)
    torch.manual_seed(seed + 2)
    pm = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=[MODULE[t].split(".")[1] for t in TARGETS]))
    mats = []
    for layer in pm.base_model.model.model.layers:
        for t in TARGETS:
            mod = get(layer, MODULE[t])
            with torch.no_grad():
                mod.lora_A["default"].weight.copy_(mod.lora_A["default"].weight.float())
                mod.lora_B["default"].weight.copy_((0.1 * torch.randn_like(mod.lora_B["default"].weight)).float())
            mats += [mod.lora_A["default"].weight, mod.lora_B["default"].weight]
    with open(os.path.join(OUT, f"{name}.lora.bin"), "wb") as f:
        f.write(blob(mats))
    lora_loss, _ = loss_fn(pm, tokens, targets, mask)
    lora_loss.backward()
    with open(os.path.join(OUT, f"{name}.loragrads.bin"), "wb") as f:
        f.write(blob([m.grad for m in mats]))
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
    meta = dict(architecture="gemma3", tied=tied, V=V, C=C, L=layers, NH=NH, NKV=NKV, FF=FF, B=B, T=T, HS=HS,
                slidingWindow=window, queryPreAttnScalar=qpas, layerTypes=model.config.layer_types,
                ropeTheta=1_000_000.0, ropeLocalTheta=10_000.0, eps=1e-6,
                tokens=tokens.reshape(-1).tolist(), targets=targets.reshape(-1).tolist(), mask=mask.reshape(-1).tolist(),
                loss=loss.item(), logits=[round(x, 7) for x in logits.reshape(-1).tolist()],
                lr=LR, loraLR=LR * 10, weightDecay=WD, clip=CLIP, fullLosses=full_losses,
                loraRank=4, loraAlpha=8.0, loraTargets=TARGETS, loraLoss=lora_loss.item(), loraLosses=lora_losses,
                prompt=prompt, greedy=cont, greedyMargin=margin)
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(meta, f)
    print(name, "loss", loss.item(), "full", full_losses[-1], "lora", lora_losses[-1], "greedy", cont, "margin", margin)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    run("gemma3-tied", 21, layers=6, window=4, qpas=HS, tied=True, gguf_file=True)
    run("gemma3-untied", 31, layers=2, window=3, qpas=24, tied=False, layer_types=["sliding_attention", "full_attention"])
