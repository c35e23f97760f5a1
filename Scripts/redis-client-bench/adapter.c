/*
 * The yardstick for greenlet's Redis client: hiredis's own async API on a libevent
 * base (hiredis/adapters/libevent.h), doing what the Swift benchmark beside it does:
 * PINGS sequential PING round trips (each issued from the previous reply's callback),
 * then SETS `SET k v` in pipelines of 100 (issued together, then waited for).
 *
 * Usage: adapter PORT PINGS SETS   (Redis on 127.0.0.1)
 * Prints the same JSON line as the Swift benchmark: client CPU (getrusage user+sys)
 * and wall time per operation.
 *
 * Build: cc -O2 adapter.c -lhiredis -levent
 */
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define BATCH 100

static long pings, sets;
static long pings_left, sets_left, in_flight;
static double start_cpu, start_wall, ping_cpu, ping_wall;

/* CPU (user+sys, the whole process) and monotonic wall time, in microseconds. */
static void clocks(double *cpu, double *wall) {
    struct rusage usage;
    struct timespec now;
    getrusage(RUSAGE_SELF, &usage);
    clock_gettime(CLOCK_MONOTONIC, &now);
    *cpu = usage.ru_utime.tv_sec * 1e6 + usage.ru_utime.tv_usec + usage.ru_stime.tv_sec * 1e6 +
           usage.ru_stime.tv_usec;
    *wall = now.tv_sec * 1e6 + now.tv_nsec / 1e3;
}

static void fail(const char *what) {
    fprintf(stderr, "adapter: %s\n", what);
    exit(1);
}

static void on_set(redisAsyncContext *ac, void *r, void *privdata);

/* Queues up to BATCH SETs; hiredis writes them in one go once the loop sees the
 * socket writable, which makes them a pipeline. */
static void send_batch(redisAsyncContext *ac) {
    in_flight = sets_left < BATCH ? sets_left : BATCH;
    sets_left -= in_flight;
    for (long i = 0; i < in_flight; i++)
        if (redisAsyncCommand(ac, on_set, NULL, "SET k v") != REDIS_OK) fail("SET: cannot queue");
}

static void on_set(redisAsyncContext *ac, void *r, void *privdata) {
    redisReply *reply = r;
    (void)privdata;
    if (!reply || reply->type != REDIS_REPLY_STATUS || strcmp(reply->str, "OK") != 0)
        fail("SET: unexpected reply");
    if (--in_flight > 0) return;
    if (sets_left > 0) {
        send_batch(ac);
        return;
    }
    double cpu, wall;
    clocks(&cpu, &wall);
    printf("{\"contender\":\"adapter\",\"pings\":%ld,\"sets\":%ld,\"ping_cpu_us\":%.6f,"
           "\"ping_wall_us\":%.6f,\"set_cpu_us\":%.6f,\"set_wall_us\":%.6f}\n",
           pings, sets, (ping_cpu - start_cpu) / pings, (ping_wall - start_wall) / pings,
           (cpu - ping_cpu) / sets, (wall - ping_wall) / sets);
    redisAsyncDisconnect(ac);
}

static void on_ping(redisAsyncContext *ac, void *r, void *privdata) {
    redisReply *reply = r;
    (void)privdata;
    if (!reply || reply->type != REDIS_REPLY_STATUS || strcmp(reply->str, "PONG") != 0)
        fail("PING: unexpected reply");
    if (pings_left-- > 0) {
        if (redisAsyncCommand(ac, on_ping, NULL, "PING") != REDIS_OK) fail("PING: cannot queue");
        return;
    }
    clocks(&ping_cpu, &ping_wall);
    send_batch(ac);
}

/* The reply to the untimed first PING, sent before the connect completed: the clock
 * starts here, so that neither side's figures include connecting. */
static void on_first_ping(redisAsyncContext *ac, void *r, void *privdata) {
    clocks(&start_cpu, &start_wall);
    pings_left = pings;
    on_ping(ac, r, privdata);
}

int main(int argc, char **argv) {
    long port;
    if (argc != 4 || (port = atol(argv[1])) <= 0 || (pings = atol(argv[2])) <= 0 ||
        (sets = atol(argv[3])) <= 0) {
        fprintf(stderr, "usage: adapter PORT PINGS SETS\n");
        return 64;
    }
    sets_left = sets;
    struct event_base *base = event_base_new();
    redisAsyncContext *ac = redisAsyncConnect("127.0.0.1", (int)port);
    if (!base || !ac || ac->err) fail(ac ? ac->errstr : "out of memory");
    redisLibeventAttach(ac, base);
    if (redisAsyncCommand(ac, on_first_ping, NULL, "PING") != REDIS_OK) fail("PING: cannot queue");
    /* Returns once the disconnect has removed the context's events. */
    event_base_dispatch(base);
    event_base_free(base);
    return 0;
}
