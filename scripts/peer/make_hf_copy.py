#!/usr/bin/env python3
# Makes the HF (safetensors, fp32) copy of the default GGUF model that the peer benchmarks and the
# fixture scripts load, and checks that transformers' GGUF conversion gives exactly the weights
# llama.cpp would: every tensor is dequantised here again from the raw GGUF bytes with numpy
# (Q4_1, Q8_0, F32 only -- what SmolLM2-135M-Instruct.Q4_1.gguf holds), q/k are un-permuted
# back to HF row order, and the two are compared bit for bit.
# Does not hold: the fixtures themselves (make-runtime-fixtures.py), benchmarks (bench_*.py).
#
# usage: python3 scripts/peer/make_hf_copy.py [--gguf PATH] [--out DIR]
#   writes DIR only if absent (temp dir + rename); verification runs either way.
import argparse, os, shutil, sys, tempfile

import numpy as np

DEFAULT_GGUF = "cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_OUT = "cache/hf/SmolLM2-135M-Instruct"


def dequant_q4_1(raw, n):
    # block of 32: d f16, m f16, qs[16] bytes; x[j] = d*(qs[j]&15)+m, x[j+16] = d*(qs[j]>>4)+m
    b = raw.reshape(-1, 20)
    d = b[:, 0:2].copy().view(np.float16).astype(np.float32)  # (nb, 1)
    m = b[:, 2:4].copy().view(np.float16).astype(np.float32)  # (nb, 1)
    qs = b[:, 4:20]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32)  # (nb, 32)
    return (q * d + m).reshape(-1)[:n]


def dequant_q8_0(raw, n):
    # block of 32: d f16, qs[32] int8; x[j] = d*qs[j]
    b = raw.reshape(-1, 34)
    d = b[:, 0:2].copy().view(np.float16).astype(np.float32)
    q = b[:, 2:34].copy().view(np.int8).astype(np.float32)
    return (q * d).reshape(-1)[:n]


def unpermute(w, n_head):
    # inverse of llama.cpp convert_hf_to_gguf permute: rows (nh, 2, hs/2) <- (nh, hs/2, 2)
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def gguf_reference(path, n_head, n_kv):
    import gguf
    r = gguf.GGUFReader(path)
    out = {}
    for t in r.tensors:
        shape = tuple(int(s) for s in reversed(t.shape))  # GGUF dims are innermost first
        n = int(np.prod(shape))
        kind = t.tensor_type.name
        raw = np.asarray(t.data)
        if kind == "F32":
            x = raw.reshape(-1).astype(np.float32)
        elif kind == "Q4_1":
            x = dequant_q4_1(raw.view(np.uint8), n)
        elif kind == "Q8_0":
            x = dequant_q8_0(raw.view(np.uint8), n)
        else:
            sys.exit(f"unsupported tensor type {kind} for {t.name}")
        x = x.reshape(shape)
        if t.name.endswith("attn_q.weight"):
            x = unpermute(x, n_head)
        elif t.name.endswith("attn_k.weight"):
            x = unpermute(x, n_kv)
        out[t.name] = x
    return out


def hf_name(g):
    top = {"token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight",
           "output.weight": "lm_head.weight"}
    if g in top:
        return top[g]
    _, i, rest = g.split(".", 2)
    sub = {"attn_q.weight": "self_attn.q_proj.weight", "attn_k.weight": "self_attn.k_proj.weight",
           "attn_v.weight": "self_attn.v_proj.weight", "attn_output.weight": "self_attn.o_proj.weight",
           "ffn_gate.weight": "mlp.gate_proj.weight", "ffn_up.weight": "mlp.up_proj.weight",
           "ffn_down.weight": "mlp.down_proj.weight", "attn_norm.weight": "input_layernorm.weight",
           "ffn_norm.weight": "post_attention_layernorm.weight"}[rest]
    return f"model.layers.{i}.{sub}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", default=DEFAULT_GGUF)
    ap.add_argument("--out", default=DEFAULT_OUT)
    a = ap.parse_args()
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    torch.set_num_threads(2)
    d, f = os.path.split(os.path.abspath(a.gguf))
    tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.float32)
    cfg = model.config

    ref = gguf_reference(a.gguf, cfg.num_attention_heads, cfg.num_key_value_heads)
    sd = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    worst = 0.0
    for g, x in ref.items():
        y = sd[hf_name(g)]
        assert y.shape == x.shape, (g, y.shape, x.shape)
        diff = float(np.max(np.abs(y - x)))
        worst = max(worst, diff)
        if diff != 0.0:
            print(f"MISMATCH {g}: max abs diff {diff}")
    assert np.array_equal(sd["lm_head.weight"], sd["model.embed_tokens.weight"]), "lm_head not tied"
    print(f"verified {len(ref)} GGUF tensors against transformers' conversion: max abs diff {worst}")

    if os.path.exists(a.out):
        print(f"{a.out} exists; not overwritten")
        return
    # The loaded config remembers the GGUF origin; the saved copy is plain fp32 safetensors.
    # The weights are already plain fp32 tensors; only the flags still say "gguf".
    if hasattr(cfg, "quantization_config"):
        del cfg.quantization_config
    model.hf_quantizer = None
    parent = os.path.dirname(os.path.abspath(a.out))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-hf-", dir=parent)
    try:
        model.save_pretrained(tmp, safe_serialization=True)
        tok.save_pretrained(tmp)
        back = AutoModelForCausalLM.from_pretrained(tmp, dtype=torch.float32).state_dict()
        for k, v in sd.items():
            assert np.array_equal(back[k].numpy(), v), f"reloaded copy differs at {k}"
        os.chmod(tmp, 0o755)
        os.rename(tmp, a.out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(f"wrote {a.out} (reload checked bit-exact)")


if __name__ == "__main__":
    main()
