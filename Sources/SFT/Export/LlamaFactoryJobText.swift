// The fixed and near-fixed texts of a LLaMA-Factory job: the DeepSpeed ZeRO-2 config (every size "auto",
// so the HF Trainer fills them from train.yaml and they cannot disagree), run.sh (torchrun through
// llamafactory-cli, one invocation per node), and the README that says how to run it and bring it back.
import Foundation

extension LlamaFactoryJob {
    /// ZeRO-2: optimizer state and gradients sharded over GPUs, parameters replicated.
    static let deepSpeedZeRO2 = """
    {
      "train_batch_size": "auto",
      "train_micro_batch_size_per_gpu": "auto",
      "gradient_accumulation_steps": "auto",
      "gradient_clipping": "auto",
      "zero_allow_untested_optimizer": true,
      "fp16": {
        "enabled": "auto",
        "loss_scale": 0,
        "loss_scale_window": 1000,
        "initial_scale_power": 16,
        "hysteresis": 2,
        "min_loss_scale": 1
      },
      "bf16": {
        "enabled": "auto"
      },
      "zero_optimization": {
        "stage": 2,
        "allgather_partitions": true,
        "allgather_bucket_size": 5e8,
        "overlap_comm": false,
        "reduce_scatter": true,
        "reduce_bucket_size": 5e8,
        "contiguous_gradients": true,
        "round_robin_gradients": true
      }
    }

    """

    static func runScript(_ c: Cluster) -> String {
        """
        #!/usr/bin/env bash
        # Trains this job with LLaMA-Factory on \(c.nodes) node(s) x \(c.gpusPerNode) GPUs (written by sft `export job`).
        # One node: ./run.sh
        # Several nodes: on each, NODE_RANK=<0..NNODES-1> MASTER_ADDR=<node 0's address> ./run.sh
        set -euo pipefail
        cd "$(dirname "$0")"
        FORCE_TORCHRUN=1 \\
        NNODES="${NNODES:-\(c.nodes)}" \\
        NODE_RANK="${NODE_RANK:-0}" \\
        NPROC_PER_NODE="${NPROC_PER_NODE:-\(c.gpusPerNode)}" \\
        MASTER_ADDR="${MASTER_ADDR:-127.0.0.1}" \\
        MASTER_PORT="${MASTER_PORT:-29500}" \\
        llamafactory-cli train train.yaml

        """
    }

    static func readme(model: (name: String, hfPath: String?), template: ExportChatTemplate, mode: TrainingMode,
                       hyper h: Hyperparameters, cluster c: Cluster, split: (perDevice: Int, accum: Int, effective: Int),
                       datasets: [Dataset]) -> String {
        let rows = datasets.map { d in
            "| \(d.name) | \(d.train.count) | \((d.valid ?? []).count) |"
        }.joined(separator: "\n")
        let back = mode == .lora
            ? """
              `output/` then holds `adapter_model.safetensors` and `adapter_config.json` (PEFT layout). Copy the
              directory back and, in sft with the same base model loaded:

                  lora load DIR/output
              """
            : """
              `output/` then holds the full model (`model.safetensors`, `config.json`, tokenizer files), which
              sft loads as an HF model directory: `model load DIR/output`.
              """
        let batchNote = split.effective == h.batchSize ? "" : """

            Note: sft's batch size \(h.batchSize) does not divide over \(c.worldSize) GPUs; the job trains with
            \(Format.count(split.effective, "sample")) per step. Scale learning-rate with it if that matters, or use fewer GPUs.

            """
        return """
        # LLaMA-Factory job from sft

        Trains **\(model.hfPath ?? model.name)** (\(mode == .lora ? "LoRA" : "full fine-tuning")) with the
        `\(template.llamaFactoryName)` chat template on \(c.nodes) node(s) x \(c.gpusPerNode) GPUs, with the settings sft had.

        | dataset | train | valid |
        |---|---|---|
        \(rows)

        ## Run

            pip install llamafactory deepspeed    # on every node, with CUDA torch
            ./run.sh                              # one node
            # several nodes, on each one:
            NNODES=\(c.nodes) NODE_RANK=<rank> MASTER_ADDR=<node 0> ./run.sh

        `model_name_or_path` in `train.yaml` must name the HF model (hub id or a local directory on the
        cluster); the GGUF file sft reads does not load in LLaMA-Factory.

        Samples per optimizer step = per_device_train_batch_size (\(split.perDevice)) x
        gradient_accumulation_steps (\(split.accum)) x number of GPUs (\(c.worldSize)) = \(split.effective).
        Changing the GPU count changes this product: keep it equal to sft's batch size (\(h.batchSize)) by
        adjusting per_device_train_batch_size or gradient_accumulation_steps. `warmup_steps` was computed for
        this GPU count (see the comment next to it); re-export from sft rather than editing by hand.
        \(batchNote)
        ## Bring it back

        \(back)

        ## Files

        - `data/*.json`: the conversations (OpenAI-style `messages`), with the template's default system
          message written out where a conversation had none, so the trained text is what sft renders.
        - `data/dataset_info.json`: LLaMA-Factory's description of those files (sharegpt formatting).
        - `train.yaml`: settings; `ds_z2_config.json`: DeepSpeed ZeRO-2; `run.sh`: the launch command.

        How each sft setting maps, and where the two differ: docs/llamafactory-mapping.md in the sft sources.

        """
    }
}
