// .xlsx: the ZIP directory, DEFLATE (raw, capped) and the sheet XML, from arbitrary bytes.
import FuzzSupport
import SFT

FuzzInput.run { data, count in
    let bytes = FuzzInput.bytes(data, count)
    _ = try? Inflate.decompress(bytes, limit: 1 << 24)
    FuzzInput.withFile(data, count, ext: "xlsx") { path in _ = try XLSXReader.readFirstSheet(path: path) }
}
