#!/usr/bin/env python3
# Peer on issue 12's bigger shape: a Qwen3-0.6B-shaped Qwen3ForCausalLM with random weights (the same shape as
# sft-bench's BigShapeBench.swift: hidden 1024, 28 layers, 16 heads x head_dim 128, 8 KV heads, FF 3072, vocab
# 151936, tied embeddings), fp32 weights on CPU, 2 threads. No download: the model is built from its config.
#   --what lora    PEFT LoRA r8 alpha 16 on q,k,v,o; forward + backward + AdamW(1e-4) on a seeded 4 x 256 batch;
#                  1 warm-up step, then --steps timed; --dtype bf16 runs forward and loss under torch.autocast
#                  -> PEER train big-lora-qkvo[-bf16] tok_s=... peak_gb=...
#   --what decode  256-token prompt, then 128 greedy tokens with the KV cache (one timed run after a warm-up)
#                  -> PEER big-prefill tok_s=...   PEER big-decode tok_s=...   PEER big-decode-peak peak_gb=...
import argparse, contextlib, sys, time

from peer_common import import_torch, peak_rss_gb

B, T, PROMPT, NEW = 4, 256, 256, 128


def build(torch, transformers):
    cfg = transformers.Qwen3Config(
        vocab_size=151936, hidden_size=1024, intermediate_size=3072, num_hidden_layers=28, num_attention_heads=16,
        num_key_value_heads=8, head_dim=128, max_position_embeddings=40960, rope_theta=1000000.0,
        rms_norm_eps=1e-6, tie_word_embeddings=True)
    torch.manual_seed(0)
    return transformers.Qwen3ForCausalLM(cfg).float()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--what", choices=["lora", "decode"], default="lora")
    ap.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32")
    ap.add_argument("--steps", type=int, default=2)
    a = ap.parse_args()
    torch, transformers = import_torch(("peft",) if a.what == "lora" else ())
    model = build(torch, transformers)
    g = torch.Generator().manual_seed(0)
    if a.what == "decode":
        model.eval()
        ids = torch.randint(100, 49152, (1, PROMPT), generator=g)
        with torch.inference_mode():
            out = model(ids[:, :16], use_cache=True)          # warm-up
            model(out.logits[:, -1].argmax(-1, keepdim=True), past_key_values=out.past_key_values, use_cache=True)
            t = time.perf_counter()
            out = model(ids, use_cache=True)
            pre = time.perf_counter() - t
            t = time.perf_counter()
            for _ in range(NEW):
                nxt = out.logits[:, -1].argmax(-1, keepdim=True)
                out = model(nxt, past_key_values=out.past_key_values, use_cache=True)
            dec = time.perf_counter() - t
        print(f"PEER big-prefill tok_s={PROMPT / pre:.1f}")
        print(f"PEER big-decode tok_s={NEW / dec:.1f}")
        print(f"PEER big-decode-peak peak_gb={peak_rss_gb():.2f}")
        return
    from peft import LoraConfig, get_peft_model
    model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0,
                                             target_modules=["q_proj", "k_proj", "v_proj", "o_proj"], task_type="CAUSAL_LM"))
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if a.dtype == "bf16" else contextlib.nullcontext
    batch = torch.randint(100, 49152, (B, T), generator=g)

    def step():
        with autocast():
            loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.item()

    step()
    t = time.perf_counter()
    for _ in range(a.steps):
        loss = step()
    secs = time.perf_counter() - t
    suffix = "-bf16" if a.dtype == "bf16" else ""
    print(f"PEER train big-lora-qkvo{suffix} tok_s={B * T * a.steps / secs:.1f} peak_gb={peak_rss_gb():.2f} loss={loss:.4f}")
    print(f"peer big lora{suffix}: {a.steps} steps in {secs:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
