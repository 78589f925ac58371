#!/usr/bin/env python3
# Peer training speed: HF transformers (+ PEFT for LoRA), SmolLM2-135M fp32 on CPU, 2 threads.
# One step = forward + backward + AdamW(lr 1e-4) step on a batch of 4 x 256 seeded random ids
# (labels = inputs, HF shifts them). 2 warm-up steps, then --steps timed steps.
#   --mode lora      LoRA r=8 alpha=16 dropout 0 on q_proj,k_proj,v_proj,o_proj   -> name lora-qkvo
#   --mode lora-all  LoRA r=8 alpha=16 dropout 0 on every linear layer but lm_head -> name lora-all
#   --mode full      all weights trainable                                        -> name full
# Prints one line on stdout and exits 0:
#   PEER train <name> tok_s=<4*256*steps/seconds> peak_gb=<peak RSS of this process, GiB> loss=<last>
import argparse, sys, time

from peer_common import import_torch, load_model, peak_rss_gb

B, T = 4, 256
NAMES = {"lora": "lora-qkvo", "lora-all": "lora-all", "full": "full"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=list(NAMES), default="lora")
    ap.add_argument("--steps", type=int, default=3)
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
    g = torch.Generator().manual_seed(0)
    vocab = model.config.vocab_size if a.mode == "full" else model.base_model.model.config.vocab_size
    batch = torch.randint(100, vocab, (B, T), generator=g)

    def step():
        loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.item()

    for _ in range(2):
        step()
    t = time.perf_counter()
    for _ in range(a.steps):
        loss = step()
    secs = time.perf_counter() - t
    n_train = sum(p.numel() for p in params)
    print(f"PEER train {NAMES[a.mode]} tok_s={B * T * a.steps / secs:.1f} peak_gb={peak_rss_gb():.2f} "
          f"loss={loss:.4f}")
    print(f"peer train {NAMES[a.mode]}: {a.steps} steps in {secs:.1f}s, trainable params {n_train}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
