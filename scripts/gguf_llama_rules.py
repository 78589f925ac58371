# What llama.cpp's convert_hf_to_gguf.py does to Llama weights, shared by the fixture scripts that write GGUFs
# (make-arch-fixtures.py, make-session-models.py): the q/k row permutation and Llama-3.1's rope_freqs factors.
import math

import numpy as np
import torch


def llama_permute(w, heads):
    """convert_hf_to_gguf.py LlamaModel.permute: rotate-half rows to interleaved pairs."""
    return w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def llama3_rope_factors(head_dim, theta, s):
    """convert_hf_to_gguf.py LlamaModel.generate_extra_tensors: one divisor per frequency (with the config's
    original context)."""
    freqs = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    old, low, high, factor = s["original_max_position_embeddings"], s["low_freq_factor"], s["high_freq_factor"], s["factor"]
    out = []
    for f in freqs:
        wavelen = 2 * math.pi / f
        if wavelen < old / high: out.append(1)
        elif wavelen > old / low: out.append(factor)
        else:
            smooth = (old / wavelen - low) / (high - low)
            out.append(1 / ((1 - smooth) / factor + smooth))
    return np.array(out, dtype=np.float32)
