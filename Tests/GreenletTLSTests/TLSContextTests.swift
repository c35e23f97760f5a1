import GreenletTLS
import GreenletTestSupport
import Testing

@Suite("TLSContext")
struct TLSContextTests {
    @Test func missingCAFileIsReported() {
        #expect {
            _ = try TLSContext.client(caFile: "/nonexistent/ca.pem")
        } throws: { error in
            "\(error)" == "tls: cannot read CA file /nonexistent/ca.pem: no such file or directory"
        }
    }

    @Test func caFileWithoutCertificatesIsReported() throws {
        let certificates = try TestCertificates.shared()
        #expect {
            _ = try TLSContext.client(caFile: certificates.serverKey)
        } throws: { error in
            "\(error)".hasPrefix("tls: cannot read CA file \(certificates.serverKey)")
        }
    }

    @Test func serverKeyMustMatchItsCertificate() throws {
        let certificates = try TestCertificates.shared()
        #expect {
            _ = try TLSContext.server(certificateFile: certificates.serverCertificate, privateKeyFile: certificates.otherCAKey)
        } throws: { error in
            "\(error)".hasPrefix("tls: ") && "\(error)".contains("mismatch")
        }
        _ = try TLSContext.server(certificateFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey)
    }

    @Test func missingCertificateFileIsReported() {
        #expect {
            _ = try TLSContext.server(certificateFile: "/nonexistent/server.pem", privateKeyFile: "/nonexistent/server.key")
        } throws: { error in
            "\(error)".hasPrefix("tls: cannot use certificate file /nonexistent/server.pem")
        }
    }
}
