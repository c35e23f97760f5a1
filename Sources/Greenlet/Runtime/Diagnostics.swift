import Glibc

/// Writes one line to stderr in a single write, so lines from several threads never mix.
func printError(_ line: String) {
    var text = line
    text.append("\n")
    text.withUTF8 { bytes in _ = Glibc.write(2, bytes.baseAddress, bytes.count) }
}

/// A duration for diagnostics, in seconds with one decimal: `0.8 s`, `12.0 s`.
func formatSeconds(nanoseconds: UInt64) -> String {
    let tenths = nanoseconds / 100_000_000
    return "\(tenths / 10).\(tenths % 10) s"
}
