#!/usr/bin/env python3
# Peer training speed: HF transformers (+ PEFT for LoRA), SmolLM2-135M on CPU, 2 threads, weights fp32;
# --dtype bf16 runs forward and loss under torch.autocast("cpu", dtype=torch.bfloat16) (names get "-bf16").
# Synthetic: one step = forward + backward + AdamW(lr 1e-4) step on a batch of 4 x 256 seeded random ids
# (labels = inputs, HF shifts them). 2 warm-up steps, then --steps timed steps.
#   --mode lora      LoRA r=8 alpha=16 dropout 0 on q_proj,k_proj,v_proj,o_proj   -> name lora-qkvo
#   --mode lora-all  LoRA r=8 alpha=16 dropout 0 on every linear layer but lm_head -> name lora-all
#   --mode full      all weights trainable                                        -> name full
# --real N (lora or full): the usual recipe over N conversations shaped like alpaca_zh_demo, the same ids as
# sft-bench's real-data rows: batches of 8 grouped by length (group_by_length), right padding to the longest in
# the batch, labels -100 on the prompt and the padding; one epoch, no warm-up -> name real-lora / real-full,
# tok_s = trained tokens / seconds.
# Prints one line on stdout and exits 0:
#   PEER train <name> tok_s=<...> peak_gb=<peak RSS of this process, GiB> loss=<last> [seconds=<wall>]
import argparse, contextlib, sys, time

from peer_common import import_torch, load_model, peak_rss_gb, real_conversations

B, T = 4, 256
NAMES = {"lora": "lora-qkvo", "lora-all": "lora-all", "full": "full"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=list(NAMES), default="lora")
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32")
    ap.add_argument("--real", type=int, default=0, help="conversations for the real-data row (0: synthetic)")
    ap.add_argument("--model", default=None, help="HF dir or .gguf (default: cache/hf copy, else GGUF)")
    a = ap.parse_args()
    torch, _ = import_torch(("peft",) if a.mode != "full" else ())
    torch.manual_seed(0)
    model = load_model(a.model)
    if a.mode != "full":
        from peft import LoraConfig, get_peft_model
        targets = ["q_proj", "k_proj", "v_proj", "o_proj"] if a.mode == "lora" else "all-linear"
        model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0,
                                                 target_modules=targets, task_type="CAUSAL_LM"))
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4)
    vocab = model.config.vocab_size if a.mode == "full" else model.base_model.model.config.vocab_size
    autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if a.dtype == "bf16" else contextlib.nullcontext
    suffix = "-bf16" if a.dtype == "bf16" else ""

    def step(ids, labels, mask=None):
        with autocast():
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.item()

    if a.real:
        convs = real_conversations(a.real, vocab)
        order = sorted(range(len(convs)), key=lambda i: -len(convs[i][0]))   # group_by_length: longest first
        batches = [order[i:i + 8] for i in range(0, len(order), 8)]
        trained = sum(len(ids) - p for ids, p in convs)
        t = time.perf_counter()
        for bi in batches:
            L = max(len(convs[i][0]) for i in bi)
            ids = torch.zeros((len(bi), L), dtype=torch.long)
            labels = torch.full((len(bi), L), -100, dtype=torch.long)
            mask = torch.zeros((len(bi), L), dtype=torch.long)
            for r, i in enumerate(bi):
                x, p = convs[i]
                ids[r, :len(x)] = torch.tensor(x)
                labels[r, p:len(x)] = torch.tensor(x[p:])
                mask[r, :len(x)] = 1
            loss = step(ids, labels, mask)
        secs = time.perf_counter() - t
        name = ("real-lora" if a.mode == "lora" else "real-full") + suffix
        print(f"PEER train {name} tok_s={trained / secs:.1f} seconds={secs:.1f} peak_gb={peak_rss_gb():.2f} loss={loss:.4f}")
        print(f"peer train {name}: {len(convs)} conversations, {trained} trained tokens in {secs:.1f}s", file=sys.stderr)
        return

    g = torch.Generator().manual_seed(0)
    batch = torch.randint(100, vocab, (B, T), generator=g)
    for _ in range(2):
        step(batch, batch)
    t = time.perf_counter()
    for _ in range(a.steps):
        loss = step(batch, batch)
    secs = time.perf_counter() - t
    n_train = sum(p.numel() for p in params)
    print(f"PEER train {NAMES[a.mode]}{suffix} tok_s={B * T * a.steps / secs:.1f} peak_gb={peak_rss_gb():.2f} "
          f"loss={loss:.4f}")
    print(f"peer train {NAMES[a.mode]}{suffix}: {a.steps} steps in {secs:.1f}s, trainable params {n_train}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
