#!/usr/bin/env python3
"""Writes the tokenizer/chat-template reference fixtures in Tests/Fixtures/tokenizer/.

  smollm2-chat.json  HF transformers tokenizer of the default model (built from the GGUF, or from
                     cache/hf/SmolLM2-135M-Instruct when it exists): apply_chat_template text and ids for a set of
                     conversations, plus encode ids for ~40 diverse strings.
  templates.json     the official Qwen2, Qwen2.5 and Llama-3 chat templates (copied below as data: they are specs)
                     rendered with jinja2 for the same conversations.

  --fetch-llama-bpe  instead: download llama-cpp-python's sdist from PyPI and copy llama.cpp's Llama-3 vocabulary
                     test files (ggml-vocab-llama-bpe.gguf + .inp/.out, too big to commit) into cache/tokenizer/.

Needs: transformers, gguf, jinja2. Run from anywhere: python3 scripts/make-tokenizer-fixtures.py
"""
import json, os, subprocess, sys, tarfile, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "tokenizer")

CONVERSATIONS = {
    "single": [
        {"role": "user", "content": "Hello!"},
        {"role": "assistant", "content": "Hi there! How can I help you today?"},
    ],
    "system": [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "4."},
    ],
    "multi": [
        {"role": "user", "content": "Translate 'cat' to French."},
        {"role": "assistant", "content": "Le chat."},
        {"role": "user", "content": "And to Chinese?"},
        {"role": "assistant", "content": "猫 (māo)."},
        {"role": "user", "content": "Write a Python loop."},
        {"role": "assistant", "content": "for i in range(3):\n    print(i)"},
    ],
    "multi-system": [
        {"role": "system", "content": "Answer in one word."},
        {"role": "user", "content": "Sky colour?"},
        {"role": "assistant", "content": "Blue"},
        {"role": "user", "content": "Grass?"},
        {"role": "assistant", "content": "Green"},
    ],
    "whitespace": [
        {"role": "user", "content": "  leading and trailing spaces  \n"},
        {"role": "assistant", "content": "\n\nStarts with newlines, ends with a space "},
    ],
}

ENCODE_STRINGS = [
    "Hello world", " Hello world", "Hello, world!", "The quick brown fox jumps over the lazy dog.",
    "I'm sure you'll see they've done it, haven't they? I'D SAY WE'RE FINE.",
    "你好，世界！", "我喜欢机器学习和自然语言处理。", "日本語のテキストです", "Привет, мир", "Ελληνικά κείμενο",
    "12345678901234567890", "3.14159 and 2,718 and 1e-9", "Version 1.2.3-beta+45", "Call 555-0123 at 10:30pm",
    "def f(x):\n    return x * 2\n", "for (int i = 0; i < n; ++i) { a[i] += b[i]; }", "if x == 1:\n\tpass\n",
    "<html><body class=\"x\">Hi</body></html>", "SELECT * FROM t WHERE id = 7;", "a\u00a0b",
    "😀 emoji 🦙🚀", "👨‍👩‍👧‍👦 family", "café naïve résumé", "   leading spaces", "trailing spaces   ",
    "tabs\tand\ttabs", "multiple\n\n\nnewlines", "\r\nwindows\r\nlines", "     ", "\n", "",
    "<|im_start|>user\nhi<|im_end|>", "text<|endoftext|>more", "<|im_end|><|im_end|>", "<|im_start|>",
    "mixed 中文 and English 123", "$$$ !!! ??? ...", "https://example.com/path?q=1&r=2", "user@example.com",
    "ALL CAPS SHOUTING", "MiXeD cAsE wOrDs", "x" * 50,
]

# --- Official chat templates (data, copied from the models' tokenizer_config.json). ---
QWEN2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
# Qwen2.5-Instruct, tools branch removed (sft renders no tools); the no-tools path is unchanged.
QWEN25_TEMPLATE = (
    "{%- if messages[0]['role'] == 'system' %}\n"
    "    {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n"
    "{%- else %}\n"
    "    {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}\n"
    "{%- endif %}\n"
    "{%- for message in messages %}\n"
    "    {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) or (message.role == \"assistant\") %}\n"
    "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|im_start|>assistant\\n' }}\n"
    "{%- endif %}\n"
)
LLAMA3_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}"
    "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)


def cases():
    """(name, messages, add_generation_prompt): full chats, and prompts (without the last reply) + generation prompt."""
    for name, msgs in CONVERSATIONS.items():
        yield name, msgs, False
        yield name + "+gen", msgs[:-1], True


def fetch_llama_bpe():
    dest = os.path.join(ROOT, "cache", "tokenizer")
    os.makedirs(dest, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.check_call([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
                               "llama-cpp-python", "llama-cpp-python==0.3.36", "-d", tmp])
        sdist = [f for f in os.listdir(tmp) if f.endswith(".tar.gz")][0]
        with tarfile.open(os.path.join(tmp, sdist)) as tar:
            for m in tar.getmembers():
                base = os.path.basename(m.name)
                if base.startswith("ggml-vocab-llama-bpe.gguf") and "/vendor/llama.cpp/models/" in m.name:
                    with open(os.path.join(dest, base), "wb") as f:
                        f.write(tar.extractfile(m).read())
                    print("wrote", os.path.join(dest, base))


def smollm2_tokenizer():
    from transformers import AutoTokenizer
    hf_dir = os.path.join(ROOT, "cache", "hf", "SmolLM2-135M-Instruct")
    if not os.path.exists(os.path.join(hf_dir, "tokenizer.json")):
        hf_dir = "/work/main/cache/hf/SmolLM2-135M-Instruct"
    if os.path.exists(os.path.join(hf_dir, "tokenizer.json")):
        return AutoTokenizer.from_pretrained(hf_dir), hf_dir
    model = os.environ.get("SFT_MODEL", os.path.join(ROOT, "cache", "models", "SmolLM2-135M-Instruct.Q4_1.gguf"))
    if not os.path.exists(model):
        model = "/work/main/cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    return AutoTokenizer.from_pretrained(os.path.dirname(model), gguf_file=os.path.basename(model)), model


def main():
    if "--fetch-llama-bpe" in sys.argv:
        return fetch_llama_bpe()
    import jinja2
    tok, source = smollm2_tokenizer()
    chats = []
    for name, msgs, gen in cases():
        text = tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=gen)
        ids = tok(text, add_special_tokens=False)["input_ids"]
        chats.append({"name": name, "messages": msgs, "add_generation_prompt": gen, "text": text, "ids": ids})
    encodes = [{"text": s, "ids": tok(s, add_special_tokens=False)["input_ids"]} for s in ENCODE_STRINGS]
    with open(os.path.join(OUT, "smollm2-chat.json"), "w", encoding="utf-8") as f:
        json.dump({"source": os.path.basename(source), "chat_template": tok.chat_template,
                   "chats": chats, "encode": encodes}, f, ensure_ascii=False, indent=1)

    # HF tokenizers for ids: llama.cpp's qwen2 vocabulary (committed) and llama-bpe (only if fetched into cache/).
    from transformers import AutoTokenizer
    vocab_tok = {"qwen2": AutoTokenizer.from_pretrained(OUT, gguf_file="ggml-vocab-qwen2.gguf")}
    llama_dir = os.path.join(ROOT, "cache", "tokenizer")
    if os.path.exists(os.path.join(llama_dir, "ggml-vocab-llama-bpe.gguf")):
        vocab_tok["llama3"] = AutoTokenizer.from_pretrained(llama_dir, gguf_file="ggml-vocab-llama-bpe.gguf")
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)  # as transformers renders chat templates
    templates = {}
    for key, src, bos, vocab in [("qwen2", QWEN2_TEMPLATE, "", "qwen2"), ("qwen2.5", QWEN25_TEMPLATE, "", "qwen2"),
                                 ("llama3", LLAMA3_TEMPLATE, "<|begin_of_text|>", "llama3")]:
        t = env.from_string(src)
        rendered = []
        for n, m, g in cases():
            text = t.render(messages=m, add_generation_prompt=g, bos_token=bos)
            entry = {"name": n, "messages": m, "add_generation_prompt": g, "text": text}
            if vocab in vocab_tok:
                entry["ids"] = vocab_tok[vocab](text, add_special_tokens=False)["input_ids"]
            rendered.append(entry)
        templates[key] = {"template": src, "vocab": "ggml-vocab-" + ("qwen2" if vocab == "qwen2" else "llama-bpe") + ".gguf",
                          "chats": rendered}
    with open(os.path.join(OUT, "templates.json"), "w", encoding="utf-8") as f:
        json.dump(templates, f, ensure_ascii=False, indent=1)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
