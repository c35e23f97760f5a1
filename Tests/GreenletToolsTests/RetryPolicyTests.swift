import Testing
@testable import GreenletTools

@Suite("RetryPolicy")
struct RetryPolicyTests {
    private func result(attempts: Int = 1, retryAfter: Double?) -> CrawlResult {
        var result = CrawlResult(url: "http://a.example/")
        result.attempts = attempts
        result.retryAfter = retryAfter
        return result
    }

    @Test func noRetriesMeansNoDelay() {
        #expect(RetryPolicy().delay(after: result(retryAfter: 0), jitter: 0.5) == nil)
        #expect(RetryPolicy(retries: 0).delay(after: result(retryAfter: 5), jitter: 0.5) == nil)
    }

    @Test func aFinalOutcomeIsNotRetried() {
        #expect(RetryPolicy(retries: 3).delay(after: result(retryAfter: nil), jitter: 0.5) == nil)
    }

    @Test func noRetryOnceTheAttemptsAreSpent() {
        let policy = RetryPolicy(retries: 2)
        #expect(policy.delay(after: result(attempts: 2, retryAfter: 0), jitter: 0) == 1)
        #expect(policy.delay(after: result(attempts: 3, retryAfter: 0), jitter: 0) == nil)
        #expect(policy.delay(after: result(attempts: 3, retryAfter: 5), jitter: 0) == nil)
    }

    @Test func theBackoffDoublesWithJitterOfHalfToAll() throws {
        let policy = RetryPolicy(retries: 10, baseDelay: 1)
        #expect(policy.delay(after: result(attempts: 1, retryAfter: 0), jitter: 0) == 0.5)
        let high = try #require(policy.delay(after: result(attempts: 1, retryAfter: 0), jitter: 0.999))
        #expect(abs(high - 0.9995) < 1e-9)
        #expect(policy.delay(after: result(attempts: 3, retryAfter: 0), jitter: 0) == 2)
        let third = try #require(policy.delay(after: result(attempts: 3, retryAfter: 0), jitter: 0.999))
        #expect(third > 3.99 && third < 4)
        for _ in 0..<100 {
            let delay = try #require(policy.delay(after: result(attempts: 3, retryAfter: 0)))
            #expect(delay >= 2 && delay < 4)
        }
    }

    @Test func theBackoffFollowsTheBaseDelay() {
        let policy = RetryPolicy(retries: 5, baseDelay: 0.25)
        #expect(policy.delay(after: result(attempts: 2, retryAfter: 0), jitter: 0) == 0.25)
    }

    @Test func theBackoffIsCappedAtTheLongestWait() throws {
        let policy = RetryPolicy(retries: 1_000, baseDelay: 1)
        for attempts in [7, 31, 64, 500] {
            let delay = try #require(policy.delay(after: result(attempts: attempts, retryAfter: 0), jitter: 0.999))
            #expect(delay <= RetryPolicy.maxDelay && delay > 59.9)
        }
        #expect(RetryPolicy.maxDelay == 60)
    }

    @Test func theServersRetryAfterIsKeptWhateverTheJitter() {
        let policy = RetryPolicy(retries: 3, baseDelay: 1)
        for jitter in [0, 0.5, 0.999] {
            #expect(policy.delay(after: result(retryAfter: 5), jitter: jitter) == 5)
        }
        #expect(policy.delay(after: result(attempts: 3, retryAfter: 5), jitter: 0) == 5)
    }

    @Test func theServersRetryAfterIsCappedAtTheLongestWait() {
        #expect(RetryPolicy(retries: 3).delay(after: result(retryAfter: 3_600), jitter: 0.3) == 60)
    }
}
