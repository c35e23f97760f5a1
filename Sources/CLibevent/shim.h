#ifndef GREENLET_SHIM_H
#define GREENLET_SHIM_H

// System headers first: libevent's event-config.h defines _GNU_SOURCE, and
// including it before them makes these definitions clash with Glibc's module.
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <event2/event.h>

// accept4 is hidden behind _GNU_SOURCE in glibc's headers as Swift imports them.
extern int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);

static inline int greenlet_errno(void) { return errno; }
static inline void greenlet_set_errno(int value) { errno = value; }

#endif
