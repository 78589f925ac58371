#!/usr/bin/env python3
"""Loads a tokenizer directory sft wrote (`export merged` of a GGUF model: tokenizer.json + tokenizer_config.json)
with transformers' AutoTokenizer and checks it against llama.cpp's tokenizer vectors: every .inp text encodes
(add_special_tokens=False) to the ids in .out and decodes back to the text; encoding with special tokens puts BOS
first when tokenizer_config.json says add_bos_token; special tokens in text are parsed as single tokens.
Prints one JSON object; exit 0 when all agree, 1 otherwise, 2 when transformers cannot load the directory.
  python3 scripts/check-tokenizer-export.py DIR VOCAB.gguf     (reads VOCAB.gguf.inp / VOCAB.gguf.out)
Run by HFTokenizerExportTests when SFT_REF_PYTHON is set (CI has no transformers)."""
import json, sys

directory, base = sys.argv[1], sys.argv[2]
try:
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(directory)
except Exception as e:
    print(json.dumps({"error": f"{type(e).__name__}: {e}"})); sys.exit(2)
with open(base + ".inp", encoding="utf-8") as f:
    inputs = f.read().split("\n__ggml_vocab_test__\n")
if inputs and inputs[-1] == "":
    inputs.pop()
with open(base + ".out", encoding="utf-8") as f:
    outputs = [[int(t) for t in line.split()] for line in f.read().split("\n")[: len(inputs)]]
config = json.load(open(directory + "/tokenizer_config.json"))
failures = []
for text, want in zip(inputs, outputs):
    got = tok.encode(text, add_special_tokens=False)
    if got != want:
        failures.append({"text": text, "got": got, "want": want})
    elif tok.decode(got) != text:
        failures.append({"text": text, "decoded": tok.decode(got)})
with_special = tok.encode("Hello world")
bos_first = with_special[:1] == [tok.bos_token_id]
if config.get("add_bos_token") != bos_first:
    failures.append({"add_bos_token": config.get("add_bos_token"), "encoded": with_special})
parsed = tok.encode(f"{tok.bos_token}Hi{tok.eos_token}", add_special_tokens=False)
if parsed[0] != tok.bos_token_id or parsed[-1] != tok.eos_token_id:
    failures.append({"special tokens in text": parsed})
print(json.dumps({"class": type(tok).__name__, "vectors": len(inputs), "bos_first": bos_first,
                  "failures": failures[:5], "failed": len(failures)}, ensure_ascii=False))
sys.exit(1 if failures else 0)
