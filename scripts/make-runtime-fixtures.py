#!/usr/bin/env python3
# Writes Tests/Fixtures/runtime/smollm2-reference.json: what HF transformers (fp32, CPU) computes for
# SmolLM2-135M-Instruct loaded from the same GGUF file the Swift code loads, for a few chat prompts
# rendered with the model's own chat template. The Swift runtime tests compare against it: last-position
# logits (top-200 ids, 64 fixed ids, summary stats) within 1e-3, argmax at every position, and the
# greedy continuation token for token. Never run by CI; rerun by hand (`make fixtures`) when it changes.
# Schema: see the "schema" string written into the JSON itself (and docs in the commit message).
#
# usage: python3 scripts/make-runtime-fixtures.py [--model PATH.gguf | HF_DIR] [--out PATH]
import argparse, json, math, os, platform

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_MODEL = os.path.join(ROOT, "cache/models/SmolLM2-135M-Instruct.Q4_1.gguf")
DEFAULT_OUT = os.path.join(ROOT, "Tests/Fixtures/runtime/smollm2-reference.json")
NEW_TOKENS = 48
TOP_K = 200
# 64 fixed vocabulary ids: the 16 first (special tokens live there) and 48 spread over the vocab.
FIXED_IDS = list(range(16)) + [16 + 1023 * k for k in range(48)]

PROMPTS = [
    {"name": "france", "messages": [
        {"role": "user", "content": "What is the capital of France?"}]},
    {"name": "chinese", "messages": [
        {"role": "user", "content": "请用一句话介绍一下北京。"}]},
    {"name": "system", "messages": [
        {"role": "system", "content": "You are a pirate. Answer in one short sentence."},
        {"role": "user", "content": "Where did you hide the treasure?"}]},
    {"name": "multiturn", "messages": [
        {"role": "user", "content": "Give me a number between 1 and 10."},
        {"role": "assistant", "content": "7"},
        {"role": "user", "content": "Now double it."}]},
]

SCHEMA = """\
top level: schema (this text), model_file, model (config subset), versions {python, torch, transformers},
  settings {dtype, threads, new_tokens, top_k, fixed_ids}, tokenizer {bos_id, eos_id, pad_id, unk_id,
  bos_token, eos_token, pad_token, unk_token, adds_bos_to_plain_text, plain_text_example {text, ids}},
  cases: [case].
case: name, messages [{role, content}], rendered (chat template text, add_generation_prompt=True),
  prompt_ids [T ints] (template output; the template itself starts with <|im_start|> = bos id 1, nothing
  is prepended), argmax [T ints] (argmax of the logits at every prompt position),
  prompt_loss (mean next-token cross-entropy over positions 0..T-2, nats),
  last {max, min, mean, std (population, ddof=0), top_ids [200 ints, by logit descending],
        top_logits [200 floats, 6 significant digits], fixed_logits [64 floats, at settings.fixed_ids]},
  greedy {new_ids [<=48 ints, stops after eos id 2 which is included], text (decoded new_ids, specials
          kept), stopped_at_eos, margins [top1 - top2 logit at each step]},
  greedy_ignore_eos {new_ids [exactly 48 ints], text, margins}: same but not stopping at eos."""


def sig6(x):
    return float(f"{float(x):.6g}")


def greedy_generate(model, ids, eos_id):
    # model.generate, greedy, stopping after eos (included); margins from the raw scores.
    import torch
    from transformers import GenerationConfig
    gc = GenerationConfig(do_sample=False, max_new_tokens=NEW_TOKENS, repetition_penalty=1.0,
                          eos_token_id=eos_id, pad_token_id=eos_id, bos_token_id=None,
                          output_scores=True, return_dict_in_generate=True)
    x = torch.tensor([ids])
    out = model.generate(x, attention_mask=torch.ones_like(x), generation_config=gc)
    new = out.sequences[0, len(ids):].tolist()
    return new, [margin(s[0]) for s in out.scores][:len(new)]


def greedy_loop(model, ids):
    # Plain KV-cache loop for exactly NEW_TOKENS tokens, eos or not (generate() would stop or mask it).
    import torch
    with torch.no_grad():
        out = model(torch.tensor([ids]), use_cache=True)
        new, margins = [], []
        for _ in range(NEW_TOKENS):
            row = out.logits[0, -1].float()
            margins.append(margin(row))
            nxt = int(row.argmax())
            new.append(nxt)
            out = model(torch.tensor([[nxt]]), past_key_values=out.past_key_values, use_cache=True)
    return new, margins


def margin(row):
    import torch
    top2 = torch.topk(row.float(), 2).values
    return sig6(top2[0] - top2[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--out", default=DEFAULT_OUT)
    a = ap.parse_args()
    import torch, transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer
    torch.set_num_threads(2)
    torch.manual_seed(0)
    if a.model.endswith(".gguf"):
        d, f = os.path.split(os.path.abspath(a.model))
        tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
        model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.float32)
    else:
        tok = AutoTokenizer.from_pretrained(a.model)
        model = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32)
    model.eval()
    cfg = model.config
    eos = tok.eos_token_id

    plain = "Hello world"
    plain_ids = tok(plain)["input_ids"]
    result = {
        "schema": SCHEMA,
        "model_file": os.path.basename(a.model),
        "model": {k: getattr(cfg, k) for k in ["vocab_size", "hidden_size", "intermediate_size",
                                                "num_hidden_layers", "num_attention_heads",
                                                "num_key_value_heads", "rms_norm_eps",
                                                "tie_word_embeddings", "max_position_embeddings"]},
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "transformers": transformers.__version__},
        "settings": {"dtype": "float32", "threads": 2, "new_tokens": NEW_TOKENS, "top_k": TOP_K,
                     "fixed_ids": FIXED_IDS},
        "tokenizer": {"bos_id": tok.bos_token_id, "eos_id": eos, "pad_id": tok.pad_token_id,
                      "unk_id": tok.unk_token_id, "bos_token": tok.bos_token, "eos_token": tok.eos_token,
                      "pad_token": tok.pad_token, "unk_token": tok.unk_token,
                      "adds_bos_to_plain_text": bool(plain_ids[:1] == [tok.bos_token_id]),
                      "plain_text_example": {"text": plain, "ids": plain_ids}},
        "cases": [],
    }
    result["model"]["rope_theta"] = cfg.rope_parameters["rope_theta"]

    for p in PROMPTS:
        rendered = tok.apply_chat_template(p["messages"], add_generation_prompt=True, tokenize=False)
        ids = tok.apply_chat_template(p["messages"], add_generation_prompt=True, tokenize=True,
                                      return_dict=True)["input_ids"]
        assert ids == tok(rendered, add_special_tokens=False)["input_ids"], "template ids != text ids"
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0].float()  # (T, V)
        lp = torch.log_softmax(logits.double(), dim=-1)
        loss = -lp[torch.arange(len(ids) - 1), torch.tensor(ids[1:])].mean().item()
        last = logits[-1].double().numpy()
        order = np.argsort(-last, kind="stable")[:TOP_K]
        g_ids, g_margins = greedy_generate(model, ids, eos)
        n_ids, n_margins = greedy_loop(model, ids)
        assert n_ids[:len(g_ids)] == g_ids, "greedy with/without eos stop disagree"
        assert len(n_ids) == NEW_TOKENS
        assert g_ids[0] == int(order[0]), "first greedy token != argmax of last logits"
        result["cases"].append({
            "name": p["name"], "messages": p["messages"], "rendered": rendered, "prompt_ids": ids,
            "argmax": logits.argmax(-1).tolist(), "prompt_loss": sig6(loss),
            "last": {"max": sig6(last.max()), "min": sig6(last.min()), "mean": sig6(last.mean()),
                     "std": sig6(last.std()), "top_ids": [int(i) for i in order],
                     "top_logits": [sig6(last[i]) for i in order],
                     "fixed_logits": [sig6(last[i]) for i in FIXED_IDS]},
            "greedy": {"new_ids": g_ids, "text": tok.decode(g_ids, skip_special_tokens=False),
                       "stopped_at_eos": bool(g_ids and g_ids[-1] == eos), "margins": g_margins},
            "greedy_ignore_eos": {"new_ids": n_ids, "text": tok.decode(n_ids, skip_special_tokens=False),
                                  "margins": n_margins},
        })
        print(f"{p['name']}: T={len(ids)} loss={loss:.4f} greedy={tok.decode(g_ids)!r} "
              f"min margin={min(n_margins):.4g}")

    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    tmp = a.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(result, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    os.replace(tmp, a.out)
    print(f"wrote {a.out} ({os.path.getsize(a.out)} bytes)")


if __name__ == "__main__":
    main()
