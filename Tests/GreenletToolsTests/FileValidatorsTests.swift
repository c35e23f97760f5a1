import Glibc
import GreenletHTTP
import HTTPTypes
import Testing
@testable import GreenletTools

@Suite("FileValidators")
struct FileValidatorsTests {
    private func validators(modified: Int, size: Int, now: Int) -> FileValidators {
        var status = stat()
        status.st_mtim.tv_sec = modified
        status.st_size = size
        return FileValidators(status: status, now: now)
    }

    @Test func theTagIsMtimeAndSizeInHexWeakWithinTheCurrentSecond() {
        #expect(validators(modified: 0x5F00_0000, size: 0, now: 0x6000_0000).eTag == "\"5f000000-0\"")
        #expect(validators(modified: 1, size: 4096, now: 2).eTag == "\"1-1000\"")
        let fresh = validators(modified: 100, size: 26, now: 100)
        #expect(fresh.eTag == "W/\"64-1a\"" && fresh.isWeak)
        #expect(validators(modified: 200, size: 1, now: 100).lastModified == 100)
    }

    @Test func weakComparisonForIfNoneMatch() {
        let strong = validators(modified: 100, size: 26, now: 200)
        let weak = validators(modified: 100, size: 26, now: 100)
        for candidate in [strong, weak] {
            #expect(candidate.isNotModified(by: [.ifNoneMatch: "\"64-1a\""]))
            #expect(candidate.isNotModified(by: [.ifNoneMatch: "W/\"64-1a\""]))
            #expect(!candidate.isNotModified(by: [.ifNoneMatch: "\"64-1b\", W/\"x\""]))
            #expect(!candidate.isNotModified(by: [.ifNoneMatch: "64-1a"]))
        }
        var twoLines = HTTPFields()
        twoLines.append(HTTPField(name: .ifNoneMatch, value: "\"a\""))
        twoLines.append(HTTPField(name: .ifNoneMatch, value: "\"64-1a\""))
        #expect(strong.isNotModified(by: twoLines))
        #expect(!strong.isNotModified(by: [:]))
    }

    @Test func strongComparisonForIfRange() {
        let strong = validators(modified: 100, size: 26, now: 200)
        #expect(strong.allowsRange([:]))
        #expect(strong.allowsRange([.ifRange: "\"64-1a\""]))
        #expect(!strong.allowsRange([.ifRange: "W/\"64-1a\""]))
        #expect(strong.allowsRange([.ifRange: HTTPDate.format(100)]))
        #expect(!strong.allowsRange([.ifRange: HTTPDate.format(101)]))
        #expect(!strong.allowsRange([.ifRange: "garbage"]))
        #expect(!validators(modified: 100, size: 26, now: 100).allowsRange([.ifRange: "W/\"64-1a\""]))
    }
}
