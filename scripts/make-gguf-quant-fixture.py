#!/usr/bin/env python3
# Makes Tests/Fixtures/formats/gguf-quants.json: for each ggml type sft reads, encoded block bytes (hex) and the
# floats gguf-py (llama.cpp's Python package) dequantizes them to; for the types gguf-py can quantize, also the
# input floats, so the Swift quantizer is checked byte for byte. K-quant blocks are random bytes with sane
# f16 scales (gguf-py has no K-quant quantizer). Needs: pip install gguf numpy.
import json, os
import numpy as np
from gguf import GGMLQuantizationType as T
from gguf.quants import quantize, dequantize

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rng = np.random.RandomState(1234)
out = {}
for t in [T.F16, T.BF16, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0]:
    x = (rng.randn(2, 64) * rng.uniform(0.01, 2)).astype(np.float32)
    x[0, 3] = 0.0
    b = quantize(x, t)
    y = dequantize(b, t).astype(np.float32)
    out[t.name] = {"type": int(t), "input": [float(v) for v in x.ravel()], "hex": b.tobytes().hex(),
                   "output": [float(v) for v in y.ravel()]}

def f16(v):
    return np.array([v], dtype=np.float16).tobytes()

for t, size in [(T.Q4_K, 144), (T.Q5_K, 176), (T.Q6_K, 210)]:
    blocks = []
    for _ in range(2):
        raw = bytearray(rng.randint(0, 256, size=size, dtype=np.uint8).tobytes())
        if t == T.Q6_K:
            raw[208:210] = f16(rng.uniform(0.001, 0.05))
        else:
            raw[0:2] = f16(rng.uniform(0.001, 0.05))
            raw[2:4] = f16(rng.uniform(0.001, 0.05))
        blocks.append(bytes(raw))
    b = np.frombuffer(b"".join(blocks), dtype=np.uint8).reshape(1, -1)
    y = dequantize(b, t).astype(np.float32)
    out[t.name] = {"type": int(t), "hex": b.tobytes().hex(), "output": [float(v) for v in y.ravel()]}

path = os.path.join(root, "Tests/Fixtures/formats/gguf-quants.json")
with open(path, "w") as f:
    json.dump(out, f)
print("wrote", path)
