import XCTest
import SFTShell
final class PlaceholderShellTests: XCTestCase {
    func testCoreTypeDetection() { XCTAssertNotNil(BLASEnvironment.coreTypeForThisCPU()) }
}
