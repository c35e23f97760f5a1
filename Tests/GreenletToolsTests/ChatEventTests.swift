import Testing
@testable import GreenletTools

@Suite("ChatEvent")
struct ChatEventTests {
    @Test(arguments: [
        ChatEvent(origin: "0123456789abcdef", sequence: 1, name: "alice", kind: .join(address: "127.0.0.1")),
        ChatEvent(origin: "0123456789abcdef", sequence: 2, name: "alice", kind: .join(address: "::1")),
        ChatEvent(origin: "0123456789abcdef", sequence: 3, name: "bob_2", kind: .line(text: "hello, room")),
        ChatEvent(origin: "0123456789abcdef", sequence: 4, name: "bob_2", kind: .line(text: "  two  spaces, ## a hash, \u{FFFD} and \r inside ")),
        ChatEvent(origin: "0123456789abcdef", sequence: 5, name: "x-y", kind: .line(text: "")),
        ChatEvent(origin: "fedcba9876543210", sequence: UInt64.max, name: "x-y", kind: .leave(owner: "0123456789abcdef")),
    ])
    func anEventComesBackAsItWent(event: ChatEvent) {
        #expect(ChatEvent(decoding: event.encoded) == event)
    }

    @Test func theWireFormIsOneLine() {
        let line = ChatEvent(origin: "0123456789abcdef", sequence: 7, name: "bob", kind: .line(text: "hi there"))
        #expect(String(decoding: line.encoded, as: UTF8.self) == "0123456789abcdef 7 line bob hi there")
        let leave = ChatEvent(origin: "0123456789abcdef", sequence: 8, name: "bob", kind: .leave(owner: "fedcba9876543210"))
        #expect(String(decoding: leave.encoded, as: UTF8.self) == "0123456789abcdef 8 leave bob fedcba9876543210")
    }

    @Test(arguments: [
        "", "0123456789abcdef", "0123456789abcdef 1 line", "0123456789abcdef x line bob hi", "0123456789abcdef -1 line bob hi",
        "0123456789abcdef 1 shout bob hi", "0123456789abcdef 1 line b!b hi", "0123456789abcdef 1 join bob ",
        "0123456789abcdef 1 join bob 1.2.3.4 extra", "0123456789abcdef 1 leave bob", " 1 line bob hi",
    ])
    func anythingElseIsNoEvent(text: String) {
        #expect(ChatEvent(decoding: Array(text.utf8)) == nil)
    }
}
