// safetensors header and tensor reads (small tensors only) from arbitrary bytes.
import FuzzSupport
import SFT

FuzzInput.run { data, count in
    FuzzInput.withFile(data, count, ext: "safetensors") { path in
        let f = try SafetensorsFile(path: path)
        for (name, info) in f.tensors where info.byteCount <= 1 << 16 { _ = try f.floats(name) }
    }
}
