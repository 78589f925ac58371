#!/usr/bin/env bash
# Runs the peer benchmarks (HF transformers + PEFT on torch CPU) one after another and prints their
# `PEER ...` lines on stdout; `make bench` shows them next to sft's own figures. Never installs anything:
# if torch/transformers/peft are missing it prints one `PEER unavailable: ...` line and exits 0.
# Each benchmark takes up to ~90 s on an idle 2-core machine; progress and details go to stderr.
# On a busy machine torch's spinning OpenMP threads slow 2-thread decode ~3x; run with
# OMP_WAIT_POLICY=PASSIVE in the environment to measure the peer fairly there (passed through).
set -u
cd "$(dirname "$0")"
export OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 TOKENIZERS_PARALLELISM=false
export TRANSFORMERS_VERBOSITY=error HF_HUB_OFFLINE=1
PY=${PYTHON:-python3}
if ! "$PY" -c "import torch, transformers, peft" 2>/dev/null; then
  echo "PEER unavailable: pip install torch transformers peft gguf"
  exit 0
fi
# $1 names one group as sft-bench does (decode, lora/lora-all/full/train, real, big); none or "all": every group
GROUP=${1:-all}
want() { [ "$GROUP" = all ] || [ "$GROUP" = "$1" ]; }
want decode && { "$PY" bench_decode.py || echo "PEER decode failed: exit $?"; }
# fp32, then bf16 autocast (torch emulates bf16 where the CPU lacks it; the peer gets both chances)
for dtype in fp32 bf16; do
  for mode in lora lora-all full; do
    if want train || want "$mode"; then
      "$PY" bench_train.py --mode "$mode" --dtype "$dtype" || echo "PEER train $mode $dtype failed: exit $?"
    fi
  done
done
# issue 12's Qwen3-0.6B shape: LoRA in fp32 and bf16 autocast, then decode
if want big; then
  for dtype in fp32 bf16; do
    "$PY" bench_big.py --what lora --dtype "$dtype" || echo "PEER big lora $dtype failed: exit $?"
  done
  "$PY" bench_big.py --what decode || echo "PEER big decode failed: exit $?"
fi
# real-data rows over SFT_BENCH_REAL (200) conversations, the same ids as sft-bench's; 0 skips them
REAL=${SFT_BENCH_REAL:-200}
if want real && [ "$REAL" -gt 0 ]; then
  for dtype in fp32 bf16; do
    for mode in lora full; do
      "$PY" bench_train.py --mode "$mode" --dtype "$dtype" --real "$REAL" || echo "PEER train real $mode $dtype failed: exit $?"
    done
  done
fi
exit 0
