#!/usr/bin/env python3
# Peer inference speed: HF transformers, SmolLM2-135M fp32 on CPU, 2 threads, batch 1, KV cache.
# Prints two lines on stdout and exits 0:
#   PEER prefill tok_s=<256-token prompt processed per second>
#   PEER decode tok_s=<greedy new tokens per second, 128 tokens after that prompt>
# The prompt is 256 seeded random ids from the ordinary vocabulary (speed does not depend on the text).
# One warm-up of each first; then the median of --reps prefills and one timed 128-token decode per rep.
# The decode loop is the plain argmax/KV-cache loop generate() runs, without its stopping logic.
import argparse, statistics, sys, time

from peer_common import import_torch, load_model, unavailable

PROMPT, NEW = 256, 128


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None, help="HF dir or .gguf (default: cache/hf copy, else GGUF)")
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    torch, _ = import_torch()
    model = load_model(a.model).eval()
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(100, model.config.vocab_size, (1, PROMPT), generator=g)

    def prefill():
        return model(ids, use_cache=True)

    def decode(out, n):
        for _ in range(n):
            nxt = out.logits[:, -1].argmax(-1, keepdim=True)  # (1, 1)
            out = model(nxt, past_key_values=out.past_key_values, use_cache=True)

    with torch.inference_mode():
        decode(prefill(), 8)  # warm-up
        pre, dec = [], []
        for _ in range(a.reps):
            t = time.perf_counter()
            out = prefill()
            pre.append(time.perf_counter() - t)
            t = time.perf_counter()
            decode(out, NEW)
            dec.append(time.perf_counter() - t)
    print(f"PEER prefill tok_s={PROMPT / statistics.median(pre):.1f}")
    print(f"PEER decode tok_s={NEW / statistics.median(dec):.1f}")
    print(f"peer decode: prefill s={pre} decode s={dec}", file=sys.stderr)


if __name__ == "__main__":
    main()
