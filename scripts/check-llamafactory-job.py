#!/usr/bin/env python3
# Checks a job written by sft `export job DIR --engine llamafactory` with LLaMA-Factory's own code:
# train.yaml through its read_args (OmegaConf) and get_train_args (HfArgumentParser + its checks), the data
# through its template and dataset loader, and the first training example's text and trained part against
# what sft renders. Needs llamafactory (tested with 0.9.5) and a tokenizer: the SmolLM2 GGUF (SFT_MODEL or
# cache/models/...). No hub access: model_name_or_path is pointed at a local directory holding that
# tokenizer and a tiny config. DeepSpeed needs torchrun, so its config is only read as JSON.
#   DISABLE_VERSION_CHECK=1 python3 scripts/check-llamafactory-job.py DIR
# CI does not run this (no torch there); run it by hand after changing Sources/SFT/Export/LlamaFactory*.
import importlib.machinery, importlib.util, json, os, sys, tempfile, types

for name in ["torchaudio"]:  # imported by LLaMA-Factory's audio plugin only
    if importlib.util.find_spec(name) is None:
        stub = types.ModuleType(name)
        stub.__spec__ = importlib.machinery.ModuleSpec(name, None)
        sys.modules[name] = stub

job = os.path.abspath(sys.argv[1])
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
gguf = os.environ.get("SFT_MODEL", os.path.join(root, "cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"))

from transformers import AutoTokenizer, LlamaConfig
from llamafactory.hparams.parser import read_args, get_train_args
from llamafactory.data import get_dataset, get_template_and_fix_tokenizer

tmp = tempfile.mkdtemp(prefix="sft-lf-check-")
tok = AutoTokenizer.from_pretrained(os.path.dirname(gguf), gguf_file=os.path.basename(gguf))
tok.save_pretrained(tmp)
LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=1,
            num_attention_heads=4, num_key_value_heads=2).save_pretrained(tmp)

os.chdir(job)
sys.argv = ["llamafactory-cli", "train.yaml"]
args = read_args()
print(f"train.yaml: {len(args)} keys, model {args['model_name_or_path']}, template {args['template']}")
args["model_name_or_path"] = tmp
args["output_dir"] = os.path.join(tmp, "output")
# DeepSpeed runs only under torchrun (LLaMA-Factory refuses it otherwise): check its config as JSON only.
with open(args.pop("deepspeed")) as f:
    ds = json.load(f)
assert ds["zero_optimization"]["stage"] == 2, ds
print("ds_z2_config.json: ZeRO stage 2")
if "bf16" in args:
    args["bf16"] = False  # no bf16 on this CPU; the GPU job keeps it
model_args, data_args, training_args, finetuning_args, _ = get_train_args(args)
print(f"get_train_args: ok. finetuning_type={finetuning_args.finetuning_type} lora_target={finetuning_args.lora_target} "
      f"rank={finetuning_args.lora_rank} alpha={finetuning_args.lora_alpha} lr={training_args.learning_rate} "
      f"scheduler={training_args.lr_scheduler_type} kwargs={training_args.lr_scheduler_kwargs} "
      f"batch={training_args.per_device_train_batch_size}x{training_args.gradient_accumulation_steps} "
      f"epochs={training_args.num_train_epochs} cutoff_len={data_args.cutoff_len}")

tokenizer = AutoTokenizer.from_pretrained(tmp)
template = get_template_and_fix_tokenizer(tokenizer, data_args)
module = get_dataset(template, model_args, data_args, training_args, stage="sft", tokenizer=tokenizer)
train = module["train_dataset"]
print(f"dataset: {len(train)} training examples" + (f", eval {module['eval_dataset']}" if module.get("eval_dataset") else ""))
ex = train[0]
text = tokenizer.decode(ex["input_ids"])
trained = tokenizer.decode([t for t, l in zip(ex["input_ids"], ex["labels"]) if l != -100])
print("first example:", repr(text))
print("trained part: ", repr(trained))
want = ("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
        "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n")
if args["template"] == "smollm2" and "What is 2+2?" in text:
    assert text == want, f"rendered text differs from sft's:\n{text!r}\n{want!r}"
    print("matches sft's SmolLM2 rendering")
print("PASS")
