#!/usr/bin/env python3
"""Golden loss list for weight decay as HF's Trainer applies it: the tiny models of make-model-fixtures.py, 10 steps
of full fine-tuning with torch AdamW at weight_decay 0.1 in two parameter groups, decay for the names that
transformers' Trainer.get_decay_parameter_names returns and none for the rest (norm weights and biases).
Writes Tests/Fixtures/model/<name>.decay.json. Run: python3 scripts/make-decay-fixture.py (needs torch, transformers)."""
import importlib.util, json, os
import torch
from transformers import Trainer

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("mmf", os.path.join(here, "make-model-fixtures.py"))
mmf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mmf)
WD = 0.1


def run(name, arch, tied, seed):
    model = mmf.build(arch, tied, seed)
    with open(os.path.join(mmf.OUT, f"{name}.weights.bin"), "rb") as f:
        assert f.read() == mmf.blob(mmf.ours(model, arch, tied)), "the model differs from the committed fixture"
    tokens, targets, mask = mmf.batch(seed + 1)
    decay = set(Trainer.get_decay_parameter_names(None, model))
    groups = [{"params": [p for n, p in model.named_parameters() if n in decay], "weight_decay": WD},
              {"params": [p for n, p in model.named_parameters() if n not in decay], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=mmf.LR, betas=(0.9, 0.999), eps=1e-8)
    losses = []
    for _ in range(mmf.STEPS):
        opt.zero_grad()
        l, _ = mmf.loss_fn(model, tokens, targets, mask)
        l.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), mmf.CLIP)
        opt.step()
        losses.append(l.item())
    no_decay = sorted(n for n, _ in model.named_parameters() if n not in decay)
    with open(os.path.join(mmf.OUT, f"{name}.decay.json"), "w") as f:
        json.dump(dict(weightDecay=WD, lr=mmf.LR, clip=mmf.CLIP, noDecay=no_decay, losses=losses), f, indent=1)
    print(name, "no decay:", len(no_decay), "tensors; last loss", losses[-1])


if __name__ == "__main__":
    run("llama-tied", "llama", True, 1)
    run("qwen2-untied", "qwen2", False, 11)
