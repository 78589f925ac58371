// sft-bench: prints every speed and memory figure the issues name (placeholder).
import SFT
print("bench")
