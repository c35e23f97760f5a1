import Glibc

/// Writes one line to stderr in a single write, so lines from several threads never mix.
func printError(_ line: String) {
    var text = line
    text.append("\n")
    text.withUTF8 { bytes in _ = Glibc.write(2, bytes.baseAddress, bytes.count) }
}
