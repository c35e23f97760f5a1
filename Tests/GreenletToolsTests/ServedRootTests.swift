import Glibc
import Testing
@testable import GreenletTools

@Suite("ServedRoot")
struct ServedRootTests {
    let tree: ServeHTTPFixture

    init() throws {
        tree = try ServeHTTPFixture()
    }

    private func open(_ root: ServedRoot, _ path: String) -> String {
        switch root.open(path) {
        case .opened(let descriptor, let status):
            close(descriptor)
            return status.st_mode & S_IFMT == S_IFDIR ? "directory" : "file \(status.st_size)"
        case .outside:
            return "outside"
        case .failed(let code):
            return "errno \(code)"
        }
    }

    @Test(arguments: [true, false])
    func opensBelowTheRootOnly(beneath: Bool) throws {
        let root = try ServedRoot(tree.root, beneath: beneath)
        // Else both arguments would test the slow way: the kernel must have openat2.
        #expect(root.beneath == beneath)
        #expect(open(root, ".") == "directory")
        #expect(open(root, "alphabet.txt") == "file 26")
        #expect(open(root, "in.txt") == "file 26")
        #expect(open(root, "inabs.txt") == "file 26")
        #expect(open(root, "insub/b.json") == "file 2")
        #expect(open(root, "missing") == "errno \(ENOENT)")
        #expect(open(root, "alphabet.txt/x") == "errno \(ENOTDIR)")
        for escape in ["..", "../outside/secret.txt", "leak.txt", "leakabs.txt", "a-leak.txt", "outdir/secret.txt", "/etc/passwd"] {
            #expect(open(root, escape) == "outside", "\(escape)")
        }
    }

    @Test func theRootIsItsRealPath() throws {
        #expect(try ServedRoot(tree.root + "/insub/").path == tree.root + "/sub")
        #expect(try ServedRoot(tree.root + "/a/../sub").path == tree.root + "/sub")
        #expect(try ServedRoot("/").path == "/")
    }
}
