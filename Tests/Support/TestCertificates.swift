import Foundation

/// Throw-away PEM files made with the `openssl` tool in a fresh directory: a CA, a server
/// certificate it signed for `localhost`, `127.0.0.1` and `::1`, one it signed for
/// `example.com` only (a wrong host for any local server), and a second CA that signed
/// nothing here.
public final class TestCertificates: Sendable {
    public let directory: URL

    /// One set per test process: making them runs `openssl` five times, which would hold
    /// one of the test pool's two threads for half a second in every test that asked.
    /// Removed when the process exits.
    public static func shared() throws -> TestCertificates {
        try made.get()
    }

    private static let made: Result<TestCertificates, any Error> = {
        let result = Result { try TestCertificates() }
        if case .success(let certificates) = result {
            removedAtExit = certificates.directory.path
            atexit { if let path = removedAtExit { try? FileManager.default.removeItem(atPath: path) } }
        }
        return result
    }()

    nonisolated(unsafe) private static var removedAtExit: String?

    private init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Self.config.write(to: url("openssl.cnf"), atomically: true, encoding: .utf8)
        try makeCA(named: "ca", subject: "/CN=Greenlet Test CA")
        try makeCA(named: "other-ca", subject: "/CN=Unrelated Test CA")
        try openssl(["req", "-new", "-config", path("openssl.cnf"), "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                     "-nodes", "-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=localhost"])
        try openssl(["x509", "-req", "-in", path("server.csr"), "-CA", caFile, "-CAkey", path("ca.key"), "-set_serial", "2",
                     "-days", "2", "-extfile", path("openssl.cnf"), "-extensions", "server_ext", "-out", serverCertificate])
        try openssl(["req", "-new", "-config", path("openssl.cnf"), "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                     "-nodes", "-keyout", path("elsewhere.key"), "-out", path("elsewhere.csr"), "-subj", "/CN=example.com"])
        try openssl(["x509", "-req", "-in", path("elsewhere.csr"), "-CA", caFile, "-CAkey", path("ca.key"), "-set_serial", "3",
                     "-days", "2", "-extfile", path("openssl.cnf"), "-extensions", "elsewhere_ext", "-out", elsewhereCertificate])
    }

    public var caFile: String { path("ca.pem") }
    public var otherCAFile: String { path("other-ca.pem") }
    public var otherCAKey: String { path("other-ca.key") }
    public var serverCertificate: String { path("server.pem") }
    public var serverKey: String { path("server.key") }
    /// Signed by the CA for `example.com` alone.
    public var elsewhereCertificate: String { path("elsewhere.pem") }
    public var elsewhereKey: String { path("elsewhere.key") }

    public func path(_ name: String) -> String { url(name).path }

    private func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    private func makeCA(named name: String, subject: String) throws {
        try openssl(["req", "-x509", "-config", path("openssl.cnf"), "-extensions", "ca_ext", "-newkey", "ec",
                     "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("\(name).key"),
                     "-out", path("\(name).pem"), "-days", "2", "-subj", subject])
    }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OpenSSLToolFailure(arguments: arguments, output: String(decoding: message, as: UTF8.self))
        }
    }

    /// Its own config, so the system's openssl.cnf cannot add or clash with extensions.
    private static let config = """
        [req]
        distinguished_name = dn
        [dn]
        [ca_ext]
        basicConstraints = critical, CA:TRUE
        keyUsage = critical, keyCertSign, cRLSign
        subjectKeyIdentifier = hash
        [server_ext]
        basicConstraints = CA:FALSE
        keyUsage = critical, digitalSignature
        extendedKeyUsage = serverAuth
        subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
        authorityKeyIdentifier = keyid
        [elsewhere_ext]
        basicConstraints = CA:FALSE
        keyUsage = critical, digitalSignature
        extendedKeyUsage = serverAuth
        subjectAltName = DNS:example.com
        authorityKeyIdentifier = keyid

        """
}

public struct OpenSSLToolFailure: Error, CustomStringConvertible {
    public let arguments: [String]
    public let output: String
    public var description: String { "openssl \(arguments.joined(separator: " ")) failed: \(output)" }
}
