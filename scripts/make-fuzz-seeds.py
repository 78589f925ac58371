#!/usr/bin/env python3
"""Writes the small seed corpora of the fuzz targets (fuzz/corpus/<target>/), one valid file or a few per format.
Needs only the standard library. The fuzzer grows its own corpus from these in a scratch folder (make fuzz)."""
import json, os, shutil, struct, zipfile, io

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "corpus")

def put(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

def gguf_string(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b

def gguf(meta, tensors):
    """meta: list of (key, type, packed value); tensors: list of (name, dims, ggml type, bytes)."""
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(meta))
    for k, t, v in meta:
        out += gguf_string(k) + struct.pack("<I", t) + v
    off = 0
    for name, dims, t, data in tensors:
        out += gguf_string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", t, off)
        off += (len(data) + 31) // 32 * 32
    out += b"\0" * ((32 - len(out) % 32) % 32)
    for _, _, _, data in tensors:
        out += data + b"\0" * ((32 - len(data) % 32) % 32)
    return out

u32 = lambda v: struct.pack("<I", v)
f32 = lambda v: struct.pack("<f", v)
arch = "llama"
meta = [("general.architecture", 8, gguf_string(arch)), (f"{arch}.block_count", 4, u32(1)),
        (f"{arch}.embedding_length", 4, u32(4)), (f"{arch}.feed_forward_length", 4, u32(8)),
        (f"{arch}.attention.head_count", 4, u32(2)), (f"{arch}.attention.head_count_kv", 4, u32(1)),
        (f"{arch}.context_length", 4, u32(16)), (f"{arch}.rope.freq_base", 6, f32(10000.0)),
        (f"{arch}.attention.layer_norm_rms_epsilon", 6, f32(1e-5)),
        ("tokenizer.ggml.model", 8, gguf_string("gpt2")),
        ("tokenizer.ggml.tokens", 9, u32(8) + struct.pack("<Q", 3) + gguf_string("a") + gguf_string("b") + gguf_string("ab")),
        ("tokenizer.ggml.merges", 9, u32(8) + struct.pack("<Q", 1) + gguf_string("a b"))]
tensors = [("token_embd.weight", [4, 3], 0, struct.pack("<12f", *range(12))),
           ("output_norm.weight", [4], 0, struct.pack("<4f", 1, 1, 1, 1))]
put("gguf", "tiny.gguf", gguf(meta, tensors))
put("gguf", "empty-tables.gguf", gguf([], []))

header = json.dumps({"__metadata__": {"format": "pt"},
                     "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
                     "b": {"dtype": "F16", "shape": [2], "data_offsets": [16, 20]},
                     "c": {"dtype": "BF16", "shape": [2], "data_offsets": [20, 24]}}).encode()
put("safetensors", "tiny.safetensors", struct.pack("<Q", len(header)) + header + struct.pack("<4f", 1, 2, 3, 4) + b"\x00\x3c\x00\x40\x80\x3f\x00\x40")

config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 49152, "hidden_size": 576,
          "intermediate_size": 1536, "num_hidden_layers": 30, "num_attention_heads": 9, "num_key_value_heads": 3,
          "max_position_embeddings": 8192, "rope_theta": 100000.0, "rms_norm_eps": 1e-5, "tie_word_embeddings": True,
          "hidden_act": "silu"}
put("config", "smollm2.json", json.dumps(config, indent=1))
put("config", "qwen2.json", json.dumps(dict(config, architectures=["Qwen2ForCausalLM"], model_type="qwen2",
                                            rope_scaling=None, head_dim=64)))

vocab = {c: i for i, c in enumerate(["H", "e", "l", "o", "Ġ", "w", "r", "d", "He", "ll", "llo", "Ġw"])}
tok = {"model": {"type": "BPE", "vocab": vocab, "merges": ["H e", "l l", "ll o", "Ġ w"]},
       "added_tokens": [{"id": 12, "content": "<|im_start|>", "special": True}, {"id": 13, "content": "<|im_end|>", "special": True}],
       "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": True},
                                                              {"type": "ByteLevel", "add_prefix_space": False, "use_regex": True}]}}
put("tokenizer", "tiny.json", json.dumps(tok))

msgs = {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                     {"role": "assistant", "content": "Hello!"}]}
alpaca = {"instruction": "Add", "input": "2 and 3", "output": "5"}
share = {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]}
put("dataset", "messages.jsonl", "\n".join(json.dumps(x) for x in [msgs, msgs | {"messages": msgs["messages"][1:]}]) + "\n")
put("dataset", "alpaca.jsonl", json.dumps(alpaca) + "\n" + json.dumps(alpaca | {"input": ""}) + "\n")
put("dataset", "sharegpt.jsonl", json.dumps(share) + "\n")
put("dataset", "array.json", json.dumps([msgs, alpaca]))

put("csv", "qa.csv", 'question,answer\n"What is 2+2?","4"\n"Multi\nline","with ""quotes"""\n')
put("csv", "qa.tsv", "prompt\tresponse\tsystem\nHi\tHello\tBe brief.\n")

buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("xl/worksheets/sheet1.xml", '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>question</t></is></c>'
               '<c r="B1" t="s"><v>0</v></c></row><row r="2"><c r="A2"><v>1</v></c><c r="B2" t="b"><v>1</v></c></row></sheetData></worksheet>')
    z.writestr("xl/sharedStrings.xml", "<sst><si><t>answer</t></si></sst>")
put("xlsx", "tiny.xlsx", buf.getvalue())
shutil.copy(os.path.join(root, "..", "..", "Tests", "Fixtures", "data", "rich.xlsx"), os.path.join(root, "xlsx", "rich.xlsx"))

digest = "sha256:" + "ab" * 32
put("manifest", "adapter.json", json.dumps({"version": 1, "name": "x", "kind": "adapter", "description": "LoRA",
    "created": "2026-12-01T00:00:00Z", "parent": "base", "step": 3, "metrics": {"loss": 1.5, "eval": "nan"},
    "files": {"adapter": {"digest": digest, "size": 10, "mediaType": "application/safetensors"}},
    "baseModel": {"name": "smol", "hash": digest}, "datasets": [{"name": "d", "hash": digest, "samples": 4}],
    "hyperparameters": {"lr": 0.0001, "rank": 8, "name": "x", "on": True}, "extra": {"basePath": "/m.gguf"}}, indent=1))

put("state", "state.json", json.dumps({"version": 1, "mode": "lora", "position": {"epoch": 0, "batch": 1, "step": 1},
    "adamSteps": 1, "trainableCount": 2, "trainChats": 4, "trainHash": "fnv:0", "dropoutStep": 0, "metrics": {},
    "lora": {"rank": 8, "alpha": 16, "dropout": 0, "targets": ["q", "v"], "seed": 0}}))
