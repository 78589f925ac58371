// Saved training state: the JSON part, then the optimizer buffers sized by it (a file of its own bytes).
import FuzzSupport
import SFT

FuzzInput.run { data, count in
    FuzzInput.withFile(data, count, ext: "json") { path in
        let s = try TrainerState.read(json: path)
        _ = try TrainerState.readBuffers(path, count: s.trainableCount)
    }
}
