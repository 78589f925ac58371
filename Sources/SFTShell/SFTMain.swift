// Entry point of the `sft` executable (placeholder until the REPL lands).
import Foundation
import SFT

public enum SFTMain {
    public static func run() {
        BLASEnvironment.ensureCoreType()
        print("sft")
    }
}
