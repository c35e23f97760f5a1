import Testing
import GreenletClient

@Suite("RequestHeader")
struct RequestHeaderTests {
    @Test func parsesANameAndValue() throws {
        let header = try RequestHeader(parsing: "X-Token: abc")
        #expect(header.name.rawName == "X-Token")
        #expect(header.value == "abc")
    }

    @Test func trimsSpacesAndTabsAroundTheValueOnly() throws {
        let header = try RequestHeader(parsing: "X-Token: \t a \t b \t")
        #expect(header.value == "a \t b")
        #expect(try RequestHeader(parsing: "X-Token:abc").value == "abc")
    }

    @Test func anEmptyValueRemovesTheField() throws {
        let header = try RequestHeader(parsing: "Accept:")
        #expect(header.name.rawName == "Accept")
        #expect(header.value == nil)
        #expect(try RequestHeader(parsing: "Accept: \t ").value == nil)
    }

    @Test func theValueKeepsLaterColons() throws {
        let header = try RequestHeader(parsing: "X: a:b")
        #expect(header.name.rawName == "X")
        #expect(header.value == "a:b")
        #expect(try RequestHeader(parsing: "Referer: http://a.example:8080/").value == "http://a.example:8080/")
    }

    @Test func aLineWithoutAColonIsRefused() {
        #expect(throws: RequestHeaderError.noColon("X-Token abc")) { try RequestHeader(parsing: "X-Token abc") }
        #expect(throws: RequestHeaderError.noColon("")) { try RequestHeader(parsing: "") }
    }

    @Test(arguments: [("Bad Name: x", "Bad Name"), (": x", ""), ("X\u{0}: y", "X\u{0}"), (" X: y", " X"),
                      ("X(1): y", "X(1)"), ("Ä: y", "Ä")])
    func aNameThatIsNoTokenIsRefused(text: String, name: String) {
        #expect(throws: RequestHeaderError.badName(name)) { try RequestHeader(parsing: text) }
    }

    @Test(arguments: ["X: a\r\nHost: evil", "X: a\nb", "X: a\rb", "X: a\u{0}b", "X: a\r", "X:\n"])
    func aValueThatCouldInjectAFieldIsRefused(text: String) {
        #expect(throws: RequestHeaderError.badValue("X")) { try RequestHeader(parsing: text) }
    }

    @Test func eachErrorNamesTheHeader() {
        #expect(RequestHeaderError.noColon("X-Token abc").description == "header 'X-Token abc' has no colon: use 'Name: value'")
        #expect(RequestHeaderError.badName("Bad Name").description
            == "header name 'Bad Name' is not a token (letters, digits and !#$%&'*+-.^_`|~)")
        #expect(RequestHeaderError.badValue("X").description == "header 'X' has a CR, LF or NUL in its value")
    }
}
