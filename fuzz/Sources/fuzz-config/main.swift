// Hugging Face config.json to ModelConfig (sizes, products, memory estimate) from arbitrary bytes.
import FuzzSupport
import SFT

FuzzInput.run { data, count in
    FuzzInput.withFile(data, count, ext: "json") { path in
        let c = try ModelConfig.fromHFConfig(path: path)
        _ = try c.parameterCount()
    }
}
