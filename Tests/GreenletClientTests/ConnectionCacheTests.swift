import GreenletHTTP
import GreenletTestSupport
import Testing
@testable import GreenletClient

@Suite("ConnectionCache")
struct ConnectionCacheTests {
    let here = try! HTTPURL(parsing: "http://127.0.0.1:8080/a")

    @Test func anEmptyCacheHasNothingToGive() {
        let cache = ConnectionCache(maxIdlePerOrigin: 4)
        #expect(cache.take(for: here) == nil)
    }

    @Test func theNewestIdleConnectionComesFirst() {
        let cache = ConnectionCache(maxIdlePerOrigin: 4)
        let (old, new) = (ScriptedStream(), ScriptedStream())
        cache.put(old, for: here)
        cache.put(new, for: here)
        #expect(cache.take(for: here) === new)
        #expect(cache.take(for: here) === old)
        #expect(cache.take(for: here) == nil)
        #expect(!old.isClosed && !new.isClosed)
    }

    @Test func aFullOriginClosesItsOldestToMakeRoom() {
        let cache = ConnectionCache(maxIdlePerOrigin: 2)
        let streams = (0..<4).map { _ in ScriptedStream() }
        for stream in streams { cache.put(stream, for: here) }
        #expect(streams.map(\.isClosed) == [true, true, false, false])
        #expect(cache.take(for: here) === streams[3])
        #expect(cache.take(for: here) === streams[2])
        #expect(cache.take(for: here) == nil)
    }

    @Test func theBoundIsPerOrigin() throws {
        let cache = ConnectionCache(maxIdlePerOrigin: 1)
        let origins = try ["http://127.0.0.1:8080/", "http://127.0.0.1:8081/", "https://127.0.0.1:8080/", "http://localhost:8080/"]
            .map { try HTTPURL(parsing: $0) }
        let streams = origins.map { _ in ScriptedStream() }
        for (stream, origin) in zip(streams, origins) { cache.put(stream, for: origin) }
        #expect(streams.allSatisfy { !$0.isClosed })
        for (stream, origin) in zip(streams, origins).reversed() {
            #expect(cache.take(for: origin) === stream)
        }
    }

    @Test func anyPathOfAnOriginFindsItsConnections() throws {
        let cache = ConnectionCache(maxIdlePerOrigin: 2)
        let stream = ScriptedStream()
        cache.put(stream, for: here)
        let elsewhere = try HTTPURL(parsing: "HTTP://127.0.0.1:8080/other?q")
        #expect(cache.take(for: elsewhere) === stream)
    }

    @Test func noRoomMeansClosedAtOnce() {
        let cache = ConnectionCache(maxIdlePerOrigin: 0)
        let stream = ScriptedStream()
        cache.put(stream, for: here)
        #expect(stream.isClosed)
        #expect(cache.take(for: here) == nil)
    }

    @Test func closeAllClosesAndForgetsEveryOrigin() throws {
        let cache = ConnectionCache(maxIdlePerOrigin: 4)
        let there = try HTTPURL(parsing: "http://127.0.0.1:9090/")
        let streams = (0..<4).map { _ in ScriptedStream() }
        for (index, stream) in streams.enumerated() { cache.put(stream, for: index < 2 ? here : there) }
        cache.closeAll()
        #expect(streams.map(\.isClosed) == [true, true, true, true])
        #expect(cache.take(for: here) == nil)
        #expect(cache.take(for: there) == nil)
    }

    @Test func aCacheLetGoClosesWhatItHeld() {
        let stream = ScriptedStream()
        do {
            let cache = ConnectionCache(maxIdlePerOrigin: 4)
            cache.put(stream, for: here)
        }
        #expect(stream.isClosed)
    }
}
