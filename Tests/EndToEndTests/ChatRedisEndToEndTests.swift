import Foundation
import Glibc
import GreenletTestSupport
import Testing

/// `greenlet chat --redis`: two servers of the built binary in one room through a real
/// redis-server, driven by line clients over loopback.
@Suite("greenlet chat --redis, end to end", .serialized, .timeLimit(.minutes(1)))
struct ChatRedisEndToEndTests {
    typealias Member = (name: String, client: ChatClient)

    static let quiet = 0.3

    /// A redis-server and two chat servers serving its room `lobby`, until `stop`.
    final class TwoServers {
        let redis: RedisServer
        let a: GreenletProcess, portA: UInt16
        let b: GreenletProcess, portB: UInt16

        init(persistent: Bool = false) throws {
            redis = try RedisServer(persistent: persistent)
            do {
                (a, portA) = try GreenletProcess.listening("chat", ["--redis", redis.url("lobby")])
                do {
                    (b, portB) = try GreenletProcess.listening("chat", ["--redis", redis.url("lobby")])
                } catch {
                    a.kill()
                    throw error
                }
            } catch {
                redis.stop()
                throw error
            }
        }

        func stop() {
            a.kill()
            b.kill()
            redis.stop()
        }
    }

    /// Joins `name` on `port` after the members already in `room`, on whichever server:
    /// the welcome names everyone in join order, and every member reads the notice.
    func join(_ name: String, port: UInt16, room: inout [Member]) throws {
        let newcomer = try ChatClient.joined(port: port, as: name, online: room.map(\.name) + [name])
        for member in room {
            let notice = try member.client.readLine()
            try #require(notice == "## \(name) joined from 127.0.0.1.", "\(member.name)")
        }
        room.append((name, newcomer))
    }

    /// a1, b1, a2, b2, a3, b3: the a's on `a`, the b's on `b`.
    func sixMembers(a: UInt16, b: UInt16) throws -> [Member] {
        var room: [Member] = []
        for index in 1...3 {
            try join("a\(index)", port: a, room: &room)
            try join("b\(index)", port: b, room: &room)
        }
        return room
    }

    @Test("two servers, three users on each: every line reaches all six once, in each sender's order; /who lists six; a leave reaches both servers")
    func twoServersOneRoom() throws {
        let servers = try TwoServers()
        defer { servers.stop() }
        let (portA, portB) = (servers.portA, servers.portB)
        let room = try sixMembers(a: portA, b: portB)

        // Six senders at once, interleaved.
        for index in 0..<20 {
            for member in room { try member.client.send("\(member.name) says \(index)") }
        }
        for reader in room {
            let lines = try reader.client.readLines(120, within: 10)
            for sender in room {
                let theirs = lines.filter { $0.hasPrefix("\(sender.name)> ") }
                #expect(theirs == (0..<20).map { "\(sender.name)> \(sender.name) says \($0)" }, "\(reader.name) from \(sender.name)")
            }
            #expect(reader.client.staysQuiet(for: Self.quiet), "\(reader.name) got more")
        }

        try room[5].client.send("/who")
        #expect(try room[5].client.readLine() == "## online: a1, b1, a2, b2, a3, b3")
        try room[0].client.send("/who")
        #expect(try room[0].client.readLine() == "## online: a1, b1, a2, b2, a3, b3")

        try room[2].client.send("/quit")
        #expect(try room[2].client.linesUntilClose() == ["## bye"])
        for member in room where member.name != "a2" {
            #expect(try member.client.readLine() == "## a2 left the chat.", "\(member.name)")
            #expect(member.client.staysQuiet(for: Self.quiet), "\(member.name)")
        }
        try room[1].client.send("/who")
        #expect(try room[1].client.readLine() == "## online: a1, b1, b2, a3, b3")
    }

    @Test("a name taken on one server is refused on the other, and nobody hears of the attempt")
    func nameTakenAcrossServers() throws {
        let servers = try TwoServers()
        defer { servers.stop() }
        let (portA, portB) = (servers.portA, servers.portB)
        let bob = try ChatClient.joined(port: portA, as: "bob", online: ["bob"])

        let newcomer = try ChatClient(port: portB)
        #expect(try newcomer.answerPrompt(with: "bob") == "## the name bob is taken")
        #expect(bob.staysQuiet(for: Self.quiet), "bob heard of a client that is not named yet")
        #expect(try newcomer.answerPrompt(with: "carol") == "## welcome, carol. online: bob, carol")
        #expect(try bob.readLine() == "## carol joined from 127.0.0.1.")
    }

    @Test("a server killed with SIGKILL: its three users are announced left on the other within 5 s, and gone from /who")
    func deadServer() throws {
        let servers = try TwoServers()
        defer { servers.stop() }
        let (portA, b, portB) = (servers.portA, servers.b, servers.portB)
        let room = try sixMembers(a: portA, b: portB)
        let survivors = room.filter { $0.name.hasPrefix("a") }

        let killed = Date()
        b.kill()
        for member in survivors {
            let lines = try member.client.readLines(3, within: max(0, 5 - Date().timeIntervalSince(killed)))
            #expect(lines == ["## b1 left the chat.", "## b2 left the chat.", "## b3 left the chat."], "\(member.name)")
        }
        #expect(Date().timeIntervalSince(killed) < 5)
        for member in survivors {
            #expect(member.client.staysQuiet(for: Self.quiet), "\(member.name)")
        }
        try survivors[1].client.send("/who")
        #expect(try survivors[1].client.readLine() == "## online: a1, a2, a3")
        // The names are free again.
        let again = try ChatClient.joined(port: portA, as: "b1", online: ["a1", "a2", "a3", "b1"])
        for member in survivors { #expect(try member.client.readLine() == "## b1 joined from 127.0.0.1.") }
        #expect(again.staysQuiet(for: Self.quiet))
    }

    @Test("SIGTERM on one server: its users get `## server shutting down`, the other server's users hear them leave; exit 0")
    func sigtermOneServer() throws {
        let servers = try TwoServers()
        defer { servers.stop() }
        let (portA, b, portB) = (servers.portA, servers.b, servers.portB)
        var room: [Member] = []
        try join("alice", port: portA, room: &room)
        try join("bob", port: portB, room: &room)
        try join("amy", port: portA, room: &room)

        b.send(signal: SIGTERM)
        #expect(try room[1].client.linesUntilClose() == ["## server shutting down"])
        for member in [room[0], room[2]] {
            #expect(try member.client.readLine() == "## bob left the chat.", "\(member.name)")
        }
        let result = try b.waitForExit(within: 5)
        #expect(result.termination == .exit(0), "\(result)")
        #expect(result.stderr == "", "\(result)")
    }

    @Test("Redis restarted while users chat: local users keep talking, each server says once that it reconnects and once that it is back, and lines cross again, those said meanwhile included")
    func redisRestart() throws {
        let servers = try TwoServers(persistent: true)
        defer { servers.stop() }
        let (redis, a, portA, b, portB) = (servers.redis, servers.a, servers.portA, servers.b, servers.portB)
        let address = "127.0.0.1:\(redis.port)"
        var room: [Member] = []
        for (name, port) in [("alice", portA), ("bob", portB), ("amy", portA), ("bea", portB)] {
            try join(name, port: port, room: &room)
        }
        let (alice, bob, amy, bea) = (room[0].client, room[1].client, room[2].client, room[3].client)

        let restarting = Thread { try? redis.restart(after: 1) }
        restarting.start()
        for server in [a, b] {
            #expect(server.waitForStderr(containing: "; reconnecting", within: 5) != nil, "no reconnecting line")
        }
        // Redis is down: each server's users still hear each other at once.
        for index in 0..<3 {
            try alice.send("down \(index)")
            try bob.send("down \(index)")
            for client in [alice, amy] { #expect(try client.readLine(within: 1) == "alice> down \(index)") }
            for client in [bob, bea] { #expect(try client.readLine(within: 1) == "bob> down \(index)") }
        }
        for server in [a, b] {
            #expect(server.waitForStderr(containing: "connected again", within: 15) != nil, "no connected-again line")
        }
        // What was said meanwhile crosses once both are back, in order.
        for client in [alice, amy] { #expect(try client.readLines(3, within: 10) == (0..<3).map { "bob> down \($0)" }) }
        for client in [bob, bea] { #expect(try client.readLines(3, within: 10) == (0..<3).map { "alice> down \($0)" }) }
        try bea.send("after")
        for member in room { #expect(try member.client.readLine(within: 5) == "bea> after", "\(member.name)") }
        for member in room { #expect(member.client.staysQuiet(for: Self.quiet), "\(member.name)") }
        try amy.send("/who")
        #expect(try amy.readLine() == "## online: alice, bob, amy, bea")

        for server in [a, b] {
            let lines = server.waitForStderr(containing: "connected again", within: 0)?.split(separator: "\n") ?? []
            #expect(lines.count == 2, "\(lines)")
            #expect(lines.first?.hasPrefix("greenlet: warning: redis \(address): ") == true && lines.first?.hasSuffix("; reconnecting") == true, "\(lines)")
            #expect(lines.last == "greenlet: warning: redis \(address): connected again", "\(lines)")
        }
    }

    @Test("Redis unreachable at start: exit 2 with one line naming it")
    func unreachableRedis() throws {
        let port = try unusedPort()
        let result = try GreenletProcess.run(["chat", "--port", "0", "--redis", "redis://127.0.0.1:\(port)/lobby"])
        #expect(result.termination == .exit(2), "\(result)")
        #expect(result.stderr == "greenlet: error: redis 127.0.0.1:\(port): connection refused\n", "\(result)")
        #expect(result.stdout == "", "\(result)")
    }

    @Test("a bad --redis URL is a usage error (exit 64)", arguments: [
        "http://127.0.0.1:6379/lobby", "redis://127.0.0.1:6379", "redis://127.0.0.1:6379/", "redis://127.0.0.1:99999/lobby", "redis:///lobby",
    ])
    func badURL(url: String) throws {
        let result = try GreenletProcess.run(["chat", "--port", "0", "--redis", url])
        #expect(result.termination == .exit(64), "\(result)")
        #expect(result.stderr.contains("--redis: invalid redis url: "), "\(result)")
    }
}
