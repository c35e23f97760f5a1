/*
 * Plain-C libevent TCP echo server: the yardstick `Scripts/bench-echo.sh`
 * measures `greenlet echo` against.
 *
 * Usage: echo_server PORT   (binds 127.0.0.1; PORT 0 lets the kernel pick)
 * Prints "listening on 127.0.0.1:PORT" once ready; SIGTERM/SIGINT exit 0.
 *
 * It is deliberately as lean as an event-loop server gets, so that the
 * comparison shows the runtime's overhead rather than this server's: raw
 * sockets, no bufferevents, one edge-triggered event registered once per
 * connection, and read/send straight out of a single shared buffer.
 *
 * Build: gcc -O2 -Wall -Wextra -o echo_server echo_server.c \
 *            $(pkg-config --cflags --libs libevent)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* One loop thread, and every read is echoed (or copied aside) before the
 * next one, so a single buffer serves all connections. */
static char buf[64 * 1024];

struct conn {
    int fd;
    struct event *rev;   /* EV_READ|EV_CLOSED, edge-triggered, always added */
    struct event *wev;   /* EV_WRITE, added only while bytes are pending */
    char *pend;          /* echo bytes the kernel would not take yet */
    size_t pend_len, pend_off;
};

static void conn_close(struct conn *c)
{
    event_free(c->rev);
    event_free(c->wev);
    close(c->fd);
    free(c->pend);
    free(c);
}

/* Returns 1 if everything was sent, 0 if the rest was parked in c->pend
 * (reading then pauses until it is flushed, which bounds memory and passes
 * backpressure on to the client), -1 if the connection was closed. */
static int echo(struct conn *c, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c->pend = malloc(len);
            if (!c->pend || event_add(c->wev, NULL) < 0) {
                conn_close(c);
                return -1;
            }
            memcpy(c->pend, p, len);
            c->pend_len = len;
            c->pend_off = 0;
            return 0;
        } else {
            conn_close(c);
            return -1;
        }
    }
    return 1;
}

/* Reads and echoes until the socket is drained. A short read normally means
 * the receive queue is empty, and edge-triggering guarantees a new wakeup
 * for anything that arrives later, which saves the extra read() that would
 * only return EAGAIN. That shortcut is unsafe when the FIN may already be
 * queued behind the data (its edge was folded into the one we are handling),
 * so then `to_eof` makes us read on until EOF or EAGAIN. */
static void drain(struct conn *c, int to_eof)
{
    for (;;) {
        ssize_t n = read(c->fd, buf, sizeof buf);
        if (n > 0) {
            if (echo(c, buf, (size_t)n) <= 0)
                return;
            if ((size_t)n < sizeof buf && !to_eof)
                return;
        } else if (n == 0) {
            /* Nothing can be pending here (reading pauses while it is), so
             * the client already has every byte it sent. */
            conn_close(c);
            return;
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return;
        } else {
            conn_close(c);
            return;
        }
    }
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    (void)fd;
    /* While an echo is pending this edge is dropped on purpose: on_write
     * drains the socket fully once the pending bytes are out. */
    if (c->pend)
        return;
    drain(c, what & EV_CLOSED);
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    (void)fd;
    (void)what;
    while (c->pend_off < c->pend_len) {
        ssize_t n = send(c->fd, c->pend + c->pend_off,
                         c->pend_len - c->pend_off, MSG_NOSIGNAL);
        if (n > 0)
            c->pend_off += (size_t)n;
        else if (n < 0 && errno == EINTR)
            continue;
        else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return; /* wait for the next writable edge */
        else {
            conn_close(c);
            return;
        }
    }
    free(c->pend);
    c->pend = NULL;
    event_del(c->wev);
    /* Read edges that fired while paused were dropped, and one of them may
     * have carried the FIN, so the short-read shortcut is off here. */
    drain(c, 1);
}

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
    struct event_base *base = arg;
    (void)what;
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                perror("accept4"); /* e.g. EMFILE: retried on the next wakeup */
            return;
        }
        /* Echo replies are small and latency-bound; Nagle would hold them. */
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

        struct conn *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        /* libevent refuses to mix edge- and level-triggered events on one fd,
         * so the write event is edge-triggered too. */
        c->rev = event_new(base, fd, EV_READ | EV_CLOSED | EV_PERSIST | EV_ET,
                           on_read, c);
        c->wev = event_new(base, fd, EV_WRITE | EV_PERSIST | EV_ET, on_write, c);
        if (!c->rev || !c->wev || event_add(c->rev, NULL) < 0) {
            if (c->rev)
                event_free(c->rev);
            if (c->wev)
                event_free(c->wev);
            close(fd);
            free(c);
        }
    }
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    event_base_loopbreak(arg);
}

int main(int argc, char **argv)
{
    char *end;
    long port = argc == 2 ? strtol(argv[1], &end, 10) : -1;
    if (argc != 2 || *argv[1] == '\0' || *end != '\0' || port < 0 || port > 65535) {
        fprintf(stderr, "usage: %s PORT   (0 = any free port)\n", argv[0]);
        return 2;
    }
    /* Belt and braces next to MSG_NOSIGNAL: a dead client must never kill
     * the server mid-benchmark. */
    signal(SIGPIPE, SIG_IGN);

    /* The read path relies on edge-triggering and on EV_CLOSED to see a FIN
     * that arrives together with data; insist on a backend that has both. */
    struct event_config *cfg = event_config_new();
    if (!cfg)
        return 1;
    event_config_require_features(cfg, EV_FEATURE_ET | EV_FEATURE_EARLY_CLOSE);
    struct event_base *base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    if (!base) {
        fprintf(stderr, "echo_server: no libevent backend with edge-triggered and early-close support\n");
        return 1;
    }

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0) {
        perror("socket");
        return 1;
    }
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {
        .sin_family = AF_INET,
        .sin_port = htons((unsigned short)port),
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
    };
    socklen_t salen = sizeof sa;
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(lfd, SOMAXCONN) < 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &salen) < 0) {
        perror("bind/listen");
        return 1;
    }

    /* Level-triggered on purpose: if accepting stops early (EMFILE), the
     * backlog is retried on the next loop iteration instead of stalling. */
    struct event *lev = event_new(base, lfd, EV_READ | EV_PERSIST, on_accept, base);
    struct event *sigterm = evsignal_new(base, SIGTERM, on_signal, base);
    struct event *sigint = evsignal_new(base, SIGINT, on_signal, base);
    if (!lev || !sigterm || !sigint || event_add(lev, NULL) < 0 ||
        event_add(sigterm, NULL) < 0 || event_add(sigint, NULL) < 0) {
        fprintf(stderr, "echo_server: cannot register events\n");
        return 1;
    }

    /* The benchmark reads this line from a pipe to learn the port. */
    printf("listening on 127.0.0.1:%d\n", ntohs(sa.sin_port));
    fflush(stdout);

    event_base_dispatch(base);

    /* Open connections are left for process exit to reclaim. */
    event_free(lev);
    event_free(sigterm);
    event_free(sigint);
    event_base_free(base);
    close(lfd);
    return 0;
}
