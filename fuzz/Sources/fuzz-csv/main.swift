// CSV/TSV datasets (quoting, delimiters, header mapping, invalid UTF-8) from arbitrary bytes.
import FuzzSupport
import SFT

FuzzInput.run { data, count in
    FuzzInput.withFile(data, count, ext: "csv") { path in _ = try DataLoader.load(path) }
}
