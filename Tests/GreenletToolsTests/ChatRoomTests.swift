import Testing
@testable import GreenletTools

@Suite("ChatRoom")
struct ChatRoomTests {
    @Test(arguments: ["a", "Alice", "bob_2", "x-y", "Z9", String(repeating: "n", count: 32)])
    func goodNames(name: String) {
        #expect(ChatRoom.check(name) == nil)
    }

    @Test(arguments: ["", "a b", "bob!", "ü", "## x", "tab\tname", "/who", String(repeating: "n", count: 33)])
    func badNames(name: String) {
        #expect(ChatRoom.check(name) == .invalid)
    }

    @Test func lineAddsTheNewline() {
        #expect(ChatRoom.line("## online: a, b") == Array("## online: a, b\n".utf8))
    }
}
