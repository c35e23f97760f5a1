import CHiredis
import Glibc

/// Encodes one command for the wire, with hiredis's formatter: every argument a binary-
/// safe bulk string.
public enum RedisCommand {
    public static func encode(_ arguments: [[UInt8]]) -> [UInt8] {
        var wire: [UInt8] = []
        append(arguments, to: &wire)
        return wire
    }

    /// Appends the encoded command to `wire`, as a pipeline gathers its commands.
    public static func append(_ arguments: [[UInt8]], to wire: inout [UInt8]) {
        precondition(!arguments.isEmpty, "a Redis command needs a name")
        var pointers: [UnsafePointer<CChar>?] = []
        var lengths: [Int] = []
        pointers.reserveCapacity(arguments.count)
        lengths.reserveCapacity(arguments.count)
        // hiredis reads every argument while formatting, so each buffer must stay alive
        // until it returns: copy them into one block it can point into.
        let total = arguments.reduce(0) { $0 + $1.count }
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: max(total, 1), alignment: 1)
        defer { block.deallocate() }
        var offset = 0
        for argument in arguments {
            let start = block.baseAddress! + offset
            argument.withUnsafeBytes { start.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(start), byteCount: $0.count) }
            pointers.append(UnsafePointer(start.assumingMemoryBound(to: CChar.self)))
            lengths.append(argument.count)
            offset += argument.count
        }
        var target: UnsafeMutablePointer<CChar>?
        let count = redisFormatCommandArgv(&target, Int32(arguments.count), &pointers, lengths)
        guard count >= 0, let target else { fatalError("redisFormatCommandArgv: out of memory") }
        defer { redisFreeCommand(target) }
        wire.append(contentsOf: UnsafeRawBufferPointer(start: target, count: Int(count)))
    }

    public static func encode(_ arguments: [String]) -> [UInt8] {
        encode(arguments.map { Array($0.utf8) })
    }
}
