// Repository manifests from arbitrary bytes.
import Foundation
import FuzzSupport
import SFT

FuzzInput.run { data, count in
    if let m = try? RepoManifest.parse(Data(bytes: data, count: count), path: "fuzz.json") {
        _ = m.totalSize
        _ = try? m.jsonData()
    }
}
