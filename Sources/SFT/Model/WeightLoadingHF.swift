// Hugging Face checkpoint (config.json + model.safetensors or sharded index) into ParameterTensors. HF
// layout is ParameterTensors' layout, so each tensor is converted (F32/F16/BF16 to Float) straight into its view.

public func loadHFWeights(directory: String) throws -> (ModelConfig, ParameterTensors) {
    let config = try ModelConfig.fromHFConfig(path: directory)
    let ckpt = try SafetensorsCheckpoint(directory: directory)
    let params = ParameterTensors(config: config)
    for slot in weightSlots(params) {
        try checkCancelled(directory)
        let f = try ckpt.file(for: slot.hfName)
        let info = try f.info(slot.hfName)
        if info.shape != slot.shape {
            throw shapeMismatch(slot.hfName, expected: slot.shape, actual: info.shape, file: f.path)
        }
        try f.read(slot.hfName, into: slot.view.ptr, count: slot.view.count)
    }
    return (config, params)
}
