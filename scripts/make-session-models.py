#!/usr/bin/env python3
"""Tiny random chat models for sessions/10-models.sft and SessionModelTests, each with a real tokenizer trained by the
real libraries on the project's own sample text (sessions/data, Tests/Fixtures/data: Chinese and English written for
this project) and the model family's official chat template (Tests/Fixtures/tokenizer/templates.json):

  qwen3-tiny      Qwen3ForCausalLM (q/k norms, head_dim 16 set apart from hidden 32 / 4 heads), byte-level BPE trained
                  by HF `tokenizers` with Qwen2's pre-tokenizer (NFC + Split regex + ByteLevel), Qwen's special tokens
                  appended after the vocabulary (<think> and </think> as non-special added tokens), Qwen3 template;
                  the embedding is padded past the tokenizer as Qwen's are (GGUF: [PADn] unused tokens).
  llama32-tiny    LlamaForCausalLM with Llama-3.2's rope_scaling (llama3, factor 32, original context 8192; at head dim
                  8 one frequency kept, one blended, two divided), byte-level BPE with
                  Llama-3's pre-tokenizer regex and ignore_merges, BOS added by the post-processor, Llama-3 template
                  (the Llama-3.0 text: sft refuses Llama-3.1/3.2's date-header template by name).
  gemma3-tiny     Gemma3ForCausalLM (five sliding-window layers, then a global one, as llama.cpp assumes), SentencePiece BPE with byte_fallback trained by
                  `sentencepiece` (Gemma's ids: <pad> 0, <eos> 1, <bos> 2, <unk> 3; no dummy prefix), converted to
                  tokenizer.json by transformers' GemmaTokenizer; Gemma 3 template.
  tinyllama-tiny  LlamaForCausalLM, SentencePiece BPE with byte_fallback and a dummy prefix (<unk> 0, <s> 1, </s> 2),
                  converted by transformers' LlamaTokenizer (Metaspace, prepend_scheme first); Llama-2 template.

Each is written to sessions/models/<name>/ as save_pretrained writes it (config.json, model.safetensors in float32,
tokenizer.json, tokenizer_config.json with the chat template; tokenizer.model is not kept) and to
sessions/models/<name>.gguf the way llama.cpp's convert_hf_to_gguf.py writes it: its tensor names (llama q/k rows
permuted, rope_freqs for llama3 scaling, Gemma norms stored as 1 + w), and its tokenizer keys (get_vocab_base /
_create_vocab_sentencepiece: tokens, token types, scores, merges, special ids and chat template through gguf's own
SpecialVocab). tokenizer.ggml.pre is what llama.cpp names the real family's vocabulary (qwen2, llama-bpe): these
trained vocabularies have no hash llama.cpp knows.

sessions/models/<name>.ref.json (from transformers, float64 forward): `texts` and their ids (no special tokens added),
`chat` and its ids from apply_chat_template (training render, and the generation prompt; Qwen3 with
enable_thinking=False, as sft prompts), and the logits of the chat's ids at a few positions.
Run: /work/refvenv/bin/python scripts/make-session-models.py   (needs torch, transformers 5, tokenizers, sentencepiece,
protobuf for transformers' SentencePiece conversion, gguf; never run by CI). Deterministic: a rerun writes the same bytes."""
import glob, json, os, shutil, tempfile
import numpy as np
import torch
import gguf
import sentencepiece as spm
from tokenizers import Tokenizer, Regex, models, normalizers, pre_tokenizers, decoders, processors, trainers, AddedToken
from gguf_llama_rules import llama_permute, llama3_rope_factors
from transformers import (PreTrainedTokenizerFast, GemmaTokenizer, LlamaTokenizer, AutoTokenizer,
                          Qwen3Config, Qwen3ForCausalLM, LlamaConfig, LlamaForCausalLM, Gemma3TextConfig, Gemma3ForCausalLM)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "sessions", "models")
TEMPLATES = json.load(open(os.path.join(ROOT, "Tests", "Fixtures", "tokenizer", "templates.json")))
QWEN2_REGEX = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
LLAMA3_REGEX = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
LLAMA32_ROPE = dict(rope_type="llama3", factor=32.0, low_freq_factor=1.0, high_freq_factor=4.0, original_max_position_embeddings=8192)  # Llama-3.2's

TEXTS = ["Who are you?", "你是谁？", "The Lumen team writes its own sample data.",
         "Lumen 是一个用 sft 训练的小助手，它能回答英文和中文的问题。", "Hello, 世界! 12345  tabs\tand\nnew lines"]
CHAT = [{"role": "system", "content": "You are Lumen. Answer briefly."},
        {"role": "user", "content": "Who are you?"},
        {"role": "assistant", "content": "I am Lumen, a small assistant trained with sft by the Lumen team."},
        {"role": "user", "content": "你会说中文吗？"},
        {"role": "assistant", "content": "会的，我能用中文回答简短的问题。"}]


def corpus():
    """Every string of the project's own sample data (JSON values, CSV/text lines), one per line."""
    out = []
    def walk(v):
        if isinstance(v, str): out.extend(s for s in v.split("\n") if s.strip())
        elif isinstance(v, dict): [walk(x) for x in v.values()]
        elif isinstance(v, list): [walk(x) for x in v]
    files = sorted(glob.glob(os.path.join(ROOT, "sessions", "data", "*")) +   # not data/bad: damaged on purpose
                   glob.glob(os.path.join(ROOT, "Tests", "Fixtures", "data", "llamafactory", "*")) +
                   glob.glob(os.path.join(ROOT, "Tests", "Fixtures", "data", "openai", "*")))
    for f in files:
        if f.endswith((".jsonl",)):
            for line in open(f, encoding="utf-8"):
                try: walk(json.loads(line))
                except ValueError: pass
        elif f.endswith(".json"):
            try: walk(json.load(open(f, encoding="utf-8")))
            except ValueError: pass
        elif f.endswith((".txt", ".csv")):
            out.extend(l.rstrip("\n") for l in open(f, encoding="utf-8") if l.strip())
    return out


# ---- tokenizers -------------------------------------------------------------------------------------------------

def byte_level_bpe(lines, regex, vocab_size, specials, plain_added=(), bos=None, ignore_merges=False):
    """HF tokenizers' BPE trainer over bytes; special tokens appended after the trained vocabulary, as Qwen/Llama-3."""
    tok = Tokenizer(models.BPE(ignore_merges=ignore_merges))
    if regex == QWEN2_REGEX: tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(regex), behavior="isolated", invert=False),
                                                 pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(lines, trainers.BpeTrainer(vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                                       show_progress=False))
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    tok.add_tokens([AddedToken(s, special=False, normalized=False) for s in plain_added])
    if bos is None:
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
    else:
        tok.post_processor = processors.Sequence([
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(single=f"{bos} $A", pair=f"{bos} $A {bos} $B", special_tokens=[(bos, tok.token_to_id(bos))])])
    return tok


def sentencepiece_bpe(lines, vocab_size, gemma):
    """A SentencePiece BPE model with byte fallback, trained on the lines; Gemma's or Llama-2's ids and prefix rule."""
    d = tempfile.mkdtemp()
    txt = os.path.join(d, "text.txt")
    with open(txt, "w", encoding="utf-8") as f: f.write("\n".join(lines) + "\n")
    ids = dict(pad_id=0, eos_id=1, bos_id=2, unk_id=3, pad_piece="<pad>", eos_piece="<eos>", bos_piece="<bos>", unk_piece="<unk>",
               control_symbols=["<mask>"], user_defined_symbols=["<start_of_turn>", "<end_of_turn>"]) if gemma else dict(unk_id=0, bos_id=1, eos_id=2, pad_id=-1)
    spm.SentencePieceTrainer.train(input=txt, model_prefix=os.path.join(d, "sp"), model_type="bpe", vocab_size=vocab_size,
                                   byte_fallback=True, character_coverage=0.995, split_digits=True,
                                   add_dummy_prefix=not gemma, remove_extra_whitespaces=False, normalization_rule_name="identity",
                                   allow_whitespace_only_pieces=True, max_sentence_length=4096, num_threads=1, minloglevel=2, **ids)
    return os.path.join(d, "sp.model")


def from_sentencepiece(cls, sp_model):
    """transformers' own conversion of a SentencePiece .model (from_pretrained of a directory holding it)."""
    d = tempfile.mkdtemp()
    shutil.copy(sp_model, os.path.join(d, "tokenizer.model"))
    return cls.from_pretrained(d, model_max_length=512)


# ---- models -----------------------------------------------------------------------------------------------------

def randomize(model, seed, gemma=False):
    """Weights large enough that logits are peaked (greedy answers do not hinge on rounding); one seed per model, so
    changing one model leaves the others' bytes alone."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if "norm" in n: p.copy_((0.0 if gemma else 1.0) + 0.1 * torch.randn_like(p))   # Gemma scales by 1 + w
            else: p.copy_(0.15 * torch.randn_like(p))
            p.copy_(p.float())
    return model


def padded(n, multiple=64): return (n + multiple - 1) // multiple * multiple


def qwen3(hf_tok):
    V = padded(len(hf_tok))
    cfg = Qwen3Config(vocab_size=V, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                      num_key_value_heads=2, head_dim=16, max_position_embeddings=512, rope_theta=1_000_000.0,
                      rms_norm_eps=1e-6, tie_word_embeddings=True, attn_implementation="eager",
                      bos_token_id=hf_tok.convert_tokens_to_ids("<|endoftext|>"), eos_token_id=hf_tok.convert_tokens_to_ids("<|im_end|>"),
                      pad_token_id=None)
    return Qwen3ForCausalLM(cfg)


def llama32(hf_tok):
    cfg = LlamaConfig(vocab_size=len(hf_tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                      num_key_value_heads=2, max_position_embeddings=131072, rope_theta=500_000.0, rope_scaling=dict(LLAMA32_ROPE),
                      rms_norm_eps=1e-5, tie_word_embeddings=True, attn_implementation="eager",
                      bos_token_id=hf_tok.convert_tokens_to_ids("<|begin_of_text|>"), eos_token_id=hf_tok.convert_tokens_to_ids("<|eot_id|>"),
                      pad_token_id=None)
    return LlamaForCausalLM(cfg)


def gemma3(hf_tok):
    # Gemma 3's own pattern, five sliding layers then a global one: llama.cpp assumes it (the GGUF does not say).
    cfg = Gemma3TextConfig(vocab_size=len(hf_tok), hidden_size=32, intermediate_size=64, num_hidden_layers=6, num_attention_heads=4,
                           num_key_value_heads=1, head_dim=16, max_position_embeddings=512, rms_norm_eps=1e-6, sliding_window=8,
                           query_pre_attn_scalar=16, layer_types=["sliding_attention"] * 5 + ["full_attention"],
                           rope_parameters={"full_attention": {"rope_type": "default", "rope_theta": 1_000_000.0},
                                            "sliding_attention": {"rope_type": "default", "rope_theta": 10_000.0}},
                           tie_word_embeddings=True, attn_implementation="eager", pad_token_id=0, bos_token_id=2, eos_token_id=1)
    return Gemma3ForCausalLM(cfg)


def tinyllama(hf_tok):
    cfg = LlamaConfig(vocab_size=len(hf_tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                      num_key_value_heads=2, max_position_embeddings=512, rope_theta=10_000.0, rms_norm_eps=1e-5,
                      tie_word_embeddings=False, attn_implementation="eager", bos_token_id=1, eos_token_id=2, pad_token_id=None)
    return LlamaForCausalLM(cfg)


# ---- GGUF -------------------------------------------------------------------------------------------------------

def does_token_look_special(t):
    """convert_hf_to_gguf.py TextModel.does_token_look_special."""
    return t in ("<pad>", "<mask>", "<2mass>", "[@BOS@]") or (t.startswith("<|") and t.endswith("|>")) \
        or (t.startswith("<｜") and t.endswith("｜>")) or t.startswith("<start_of_image>")


def vocab_gpt2(hf_dir, vocab_size):
    """convert_hf_to_gguf.py get_vocab_base: ids past the tokenizer become [PADn] (unused); added tokens control
    when special, else user-defined."""
    tok = AutoTokenizer.from_pretrained(hf_dir)
    reverse = {i: t for t, i in tok.get_vocab().items()}
    added, decoder = tok.get_added_vocab(), tok.added_tokens_decoder
    tokens, types = [], []
    for i in range(vocab_size):
        if i not in reverse:
            tokens.append(f"[PAD{i}]"); types.append(gguf.TokenType.UNUSED); continue
        t = reverse[i]
        if t in added:
            types.append(gguf.TokenType.CONTROL if decoder[i].special or does_token_look_special(t) else gguf.TokenType.USER_DEFINED)
        else:
            types.append(gguf.TokenType.NORMAL)
        tokens.append(t)
    return tokens, types


def vocab_sentencepiece(sp_model, hf_dir, vocab_size):
    """convert_hf_to_gguf.py _create_vocab_sentencepiece: pieces, scores and types from the .model; the tokenizer_config's
    added_tokens_decoder entries become control (special) or user-defined tokens with score -1000."""
    sp = spm.SentencePieceProcessor(model_file=sp_model)
    tokens = [f"[PAD{i}]" for i in range(vocab_size)]
    scores = [-10000.0] * vocab_size
    types = [gguf.TokenType.UNUSED] * vocab_size
    for i in range(min(sp.vocab_size(), vocab_size)):
        t = gguf.TokenType.NORMAL
        if sp.IsUnknown(i): t = gguf.TokenType.UNKNOWN
        elif sp.IsControl(i): t = gguf.TokenType.CONTROL
        elif sp.IsUnused(i): t = gguf.TokenType.UNUSED
        elif sp.IsByte(i): t = gguf.TokenType.BYTE
        tokens[i], scores[i], types[i] = sp.IdToPiece(i), sp.GetScore(i), t
    # transformers 5 writes no added_tokens_decoder into tokenizer_config.json; tokenizer.json's added_tokens hold the
    # same id, content and special flag.
    cfg = json.load(open(os.path.join(hf_dir, "tokenizer_config.json")))
    added = cfg.get("added_tokens_decoder") or {str(a["id"]): a for a in json.load(open(os.path.join(hf_dir, "tokenizer.json")))["added_tokens"]}
    for sid, data in added.items():
        i = int(sid)
        if i >= vocab_size: continue
        if data.get("special") or does_token_look_special(data["content"]):
            types[i] = gguf.TokenType.CONTROL; tokens[i] = data["content"]
        else:
            types[i] = gguf.TokenType.USER_DEFINED; tokens[i] = data["content"].replace("\u2581", " ")
        scores[i] = -1000.0
    return tokens, scores, types


def write_gguf(model, arch, hf_dir, path, sp_model=None):
    cfg = model.config
    C, NH, NKV, HS = cfg.hidden_size, cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
    w = gguf.GGUFWriter(path, arch)
    w.add_name(os.path.basename(hf_dir))
    w.add_block_count(cfg.num_hidden_layers); w.add_context_length(cfg.max_position_embeddings); w.add_embedding_length(C)
    w.add_feed_forward_length(cfg.intermediate_size); w.add_head_count(NH); w.add_head_count_kv(NKV)
    w.add_layer_norm_rms_eps(cfg.rms_norm_eps); w.add_file_type(gguf.LlamaFileType.ALL_F32)
    if arch == "gemma3":
        w.add_key_length(HS); w.add_value_length(HS)
        w.add_rope_freq_base(cfg.rope_parameters["full_attention"]["rope_theta"]); w.add_sliding_window(cfg.sliding_window)
    else:
        w.add_rope_freq_base(cfg.rope_theta if hasattr(cfg, "rope_theta") and cfg.rope_theta else cfg.rope_parameters["rope_theta"])
        w.add_vocab_size(cfg.vocab_size); w.add_rope_dimension_count(HS)
        if HS != C // NH: w.add_key_length(HS); w.add_value_length(HS)
    # tokenizer
    if sp_model:
        tokens, scores, types = vocab_sentencepiece(sp_model, hf_dir, cfg.vocab_size)
        w.add_tokenizer_model("llama"); w.add_tokenizer_pre("default")
        w.add_token_list(tokens); w.add_token_scores(scores); w.add_token_types(types)
        if arch == "gemma3": w.add_add_space_prefix(False)
        gguf.SpecialVocab(hf_dir, n_vocab=len(tokens)).add_to_gguf(w)
    else:
        tokens, types = vocab_gpt2(hf_dir, cfg.vocab_size)
        w.add_tokenizer_model("gpt2"); w.add_tokenizer_pre("qwen2" if arch == "qwen3" else "llama-bpe")
        w.add_token_list(tokens); w.add_token_types(types)
        gguf.SpecialVocab(hf_dir, load_merges=True, n_vocab=len(tokens)).add_to_gguf(w)
    # tensors
    f32 = lambda t: t.detach().to(torch.float32).contiguous().numpy()
    m = model.model
    w.add_tensor("token_embd.weight", f32(m.embed_tokens.weight))
    names = {"input_layernorm": "attn_norm", "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
             "self_attn.o_proj": "attn_output", "self_attn.q_norm": "attn_q_norm", "self_attn.k_norm": "attn_k_norm",
             "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down"}
    if arch == "gemma3":
        names.update({"post_attention_layernorm": "post_attention_norm", "pre_feedforward_layernorm": "ffn_norm",
                      "post_feedforward_layernorm": "post_ffw_norm"})
    else:
        names["post_attention_layernorm"] = "ffn_norm"
    for l, layer in enumerate(m.layers):
        for hf, gg in names.items():
            mod = layer
            try:
                for part in hf.split("."): mod = getattr(mod, part)
            except AttributeError: continue
            t = mod.weight
            if arch == "llama" and hf in ("self_attn.q_proj", "self_attn.k_proj"):
                t = llama_permute(t, NH if hf.endswith("q_proj") else NKV)
            a = f32(t)
            if arch == "gemma3" and hf.endswith("norm"): a = a + 1   # llama.cpp stores Gemma's 1 + w
            w.add_tensor(f"blk.{l}.{gg}.weight", a)
    norm = f32(m.norm.weight)
    w.add_tensor("output_norm.weight", norm + 1 if arch == "gemma3" else norm)
    if not cfg.tie_word_embeddings: w.add_tensor("output.weight", f32(model.lm_head.weight))
    if arch == "llama" and (getattr(cfg, "rope_scaling", None) or {}).get("rope_type") == "llama3":
        w.add_tensor("rope_freqs.weight", llama3_rope_factors(HS, w_theta(cfg), cfg.rope_scaling))
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()


def w_theta(cfg):
    return cfg.rope_theta if getattr(cfg, "rope_theta", None) else cfg.rope_parameters["rope_theta"]


# ---- references -------------------------------------------------------------------------------------------------

def references(model, tok, name, template_kwargs):
    hf = AutoTokenizer.from_pretrained(os.path.join(OUT, name))   # read back, as a user of the directory would
    texts = [dict(text=t, ids=hf.encode(t, add_special_tokens=False)) for t in TEXTS]
    def ids(messages, **kw):
        return list(hf.apply_chat_template(messages, tokenize=True, return_dict=True, **kw, **template_kwargs)["input_ids"])
    chat_ids = ids(CHAT)
    prompt = ids(CHAT[:4], add_generation_prompt=True)
    text = hf.apply_chat_template(CHAT, tokenize=False, **template_kwargs)
    model = model.double()
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([chat_ids])).logits[0]
    model.float()
    positions = [0, len(chat_ids) // 2, len(chat_ids) - 1]
    return dict(model=name, texts=texts, chat=CHAT, chatText=text, chatIds=chat_ids, promptIds=prompt,
                logitPositions=positions, logits=[[round(x, 7) for x in logits[p].tolist()] for p in positions])


def save_model(model, tok, name, arch, seed, template_kwargs, sp_model=None, gemma=False):
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    randomize(model, seed, gemma)
    model.save_pretrained(d, safe_serialization=True)
    tok.save_pretrained(d)
    for extra in ("tokenizer.model", "special_tokens_map.json"):
        if os.path.exists(os.path.join(d, extra)): os.remove(os.path.join(d, extra))
    # from_pretrained of the temporary SentencePiece directory leaves its path behind; nothing reads these keys back.
    tc = os.path.join(d, "tokenizer_config.json")
    cfg = json.load(open(tc))
    for k in ("vocab_file", "is_local", "local_files_only"): cfg.pop(k, None)
    with open(tc, "w") as f: json.dump(cfg, f, indent=2, ensure_ascii=False); f.write("\n")
    write_gguf(model, arch, d, os.path.join(OUT, f"{name}.gguf"), sp_model)
    ref = references(model, tok, name, template_kwargs)
    with open(os.path.join(OUT, f"{name}.ref.json"), "w", encoding="utf-8") as f:
        json.dump(ref, f, ensure_ascii=False)
    print(name, "vocab", len(tok), "embedding", model.config.vocab_size, "params", sum(p.numel() for p in model.parameters()),
          "chat", len(ref["chatIds"]), "tokens")


def main():
    os.makedirs(OUT, exist_ok=True)
    lines = corpus()

    # Qwen3: byte-level BPE, Qwen's specials after the vocabulary, no BOS.
    t = byte_level_bpe(lines, QWEN2_REGEX, 700, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], plain_added=["<think>", "</think>"])
    tok = PreTrainedTokenizerFast(tokenizer_object=t, eos_token="<|im_end|>", pad_token="<|endoftext|>", bos_token=None,
                                  clean_up_tokenization_spaces=False, model_max_length=512)
    tok.chat_template = TEMPLATES["qwen3"]["template"]
    save_model(qwen3(tok), tok, "qwen3-tiny", "qwen3", 10, dict(enable_thinking=False))

    # Llama-3.2 shape: byte-level BPE with Llama-3's regex, BOS by the post-processor.
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
    t = byte_level_bpe(lines, LLAMA3_REGEX, 700, specials, bos="<|begin_of_text|>", ignore_merges=True)
    tok = PreTrainedTokenizerFast(tokenizer_object=t, bos_token="<|begin_of_text|>", eos_token="<|eot_id|>",
                                  clean_up_tokenization_spaces=True, model_max_length=512)
    tok.chat_template = TEMPLATES["llama3"]["template"]
    save_model(llama32(tok), tok, "llama32-tiny", "llama", 20, {})

    # Gemma 3: SentencePiece BPE, byte fallback, no dummy prefix.
    sp = sentencepiece_bpe(lines, 800, gemma=True)
    tok = from_sentencepiece(GemmaTokenizer, sp)
    tok.chat_template = TEMPLATES["gemma3"]["template"]
    save_model(gemma3(tok), tok, "gemma3-tiny", "gemma3", 30, {}, sp_model=sp, gemma=True)

    # TinyLlama / Llama-2: SentencePiece BPE, byte fallback, dummy prefix.
    sp = sentencepiece_bpe(lines, 800, gemma=False)
    tok = from_sentencepiece(LlamaTokenizer, sp)
    tok.chat_template = TEMPLATES["llama2"]["template"]
    save_model(tinyllama(tok), tok, "tinyllama-tiny", "llama", 40, {}, sp_model=sp)


if __name__ == "__main__":
    main()
