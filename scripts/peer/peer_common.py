# Shared by the peer benchmarks: the "unavailable" exit, thread setup, and finding/loading SmolLM2-135M
# (HF copy in $SFT_CACHE/hf if present, else the GGUF in $SFT_CACHE/models, which transformers dequantises).
# Does not hold: any timing; each bench_*.py times its own loop and prints one `PEER ...` line.
import os, resource, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.environ.get("SFT_CACHE", os.path.join(ROOT, "cache"))
HF_DIR = os.path.join(CACHE, "hf", "SmolLM2-135M-Instruct")
GGUF = os.environ.get("SFT_MODEL", os.path.join(CACHE, "models", "SmolLM2-135M-Instruct.Q4_1.gguf"))
THREADS = 2


def unavailable(reason):
    print(f"PEER unavailable: {reason}")
    sys.exit(0)


def import_torch(extra=()):
    # -> (torch, transformers); exits 0 with a PEER unavailable line when anything is missing.
    try:
        import torch, transformers
        for name in extra:
            __import__(name)
    except Exception as e:  # ImportError, or a broken install raising something else
        unavailable(f"{type(e).__name__}: {e} (pip install torch transformers peft gguf)")
    torch.set_num_threads(THREADS)
    return torch, transformers


def load_model(model_path=None):
    # -> fp32 LlamaForCausalLM on CPU, from an HF dir or a .gguf file.
    torch, _ = import_torch()
    from transformers import AutoModelForCausalLM
    path = model_path or (HF_DIR if os.path.isdir(HF_DIR) and os.listdir(HF_DIR) else GGUF)
    if not os.path.exists(path):
        unavailable(f"no model at {HF_DIR} or {GGUF} (make model; python3 scripts/peer/make_hf_copy.py)")
    if path.endswith(".gguf"):
        d, f = os.path.split(os.path.abspath(path))
        if not _has("gguf"):
            unavailable("transformers needs `pip install gguf` to read the GGUF model")
        return AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.float32)
    return AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)


def real_conversations(count, vocab):
    # The same conversations as sft-bench's realConversations (one 64-bit LCG, same draws in the same order):
    # shaped like alpaca_zh_demo, mean ~360 tokens (50..870), ~18% prompt. -> [(ids, prompt_len)]
    state = 2024
    mask = (1 << 64) - 1

    def uniform():
        nonlocal state
        state = (state * 6364136223846793005 + 1442695040888963407) & mask
        return (state >> 40) / float(1 << 24)

    out = []
    for _ in range(count):
        n = 50 + int(820 * uniform() ** 1.6)
        p = max(1, int(n * (0.08 + 0.2 * uniform())))
        ids = [100 + int(uniform() * (vocab - 100)) for _ in range(n)]
        out.append((ids, p))
    return out


def peak_rss_gb():
    # ru_maxrss is KiB on Linux; reported in GiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024)


def _has(mod):
    try:
        __import__(mod)
        return True
    except Exception:
        return False
