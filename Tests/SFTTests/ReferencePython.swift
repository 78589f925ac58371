// The reference Python (torch, transformers, peft, gguf) for the tests that hand sft's files to the real
// libraries (ArchModelTests, Gemma3ModelTests). CI has no torch: these checks run where a developer points
// SFT_REF_PYTHON at a Python with them (the one `make fixtures` uses); without it they skip and say so.
import Foundation
import XCTest

/// The executable SFT_REF_PYTHON names, or an XCTSkip naming the variable and what goes `unchecked` without it.
func referencePython(unchecked: String = "export not checked against transformers/PEFT") throws -> String {
    guard let python = ProcessInfo.processInfo.environment["SFT_REF_PYTHON"], !python.isEmpty else {
        throw XCTSkip("SFT_REF_PYTHON is not set (a Python with torch, transformers, peft): \(unchecked)")
    }
    guard FileManager.default.isExecutableFile(atPath: python) else {
        throw XCTSkip("no reference Python at SFT_REF_PYTHON=\(python): \(unchecked)")
    }
    return python
}
