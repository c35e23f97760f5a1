#ifndef GREENLET_C_SHIM_H
#define GREENLET_C_SHIM_H

// What Swift cannot reach directly through Glibc: errno as a plain call, accept4, the
// socket and eventfd macros, and the Swift runtime's current task and its cancellation.
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

// accept4 is hidden behind _GNU_SOURCE in glibc's headers as Swift imports them.
extern int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);

static inline int greenlet_errno(void) { return errno; }

// The running Swift task's address, from the Swift runtime entry point behind
// `withUnsafeCurrentTask` (no arguments and a pointer result: the Swift and C calling
// conventions agree). Every wait asks it, so it must not retain or go through a
// generic closure as `withUnsafeCurrentTask` does.
extern void *swift_task_getCurrent(void);
static inline const void *greenlet_current_task(void) { return swift_task_getCurrent(); }

// Whether `task` (from greenlet_current_task) is cancelled, read without the retain and
// release of the task that `Task.isCancelled` costs. One pointer in, a bool out: the
// conventions agree here too.
extern bool swift_task_isCancelled(const void *task);
static inline bool greenlet_task_is_cancelled(const void *task) {
    return task != NULL && swift_task_isCancelled(task);
}

#endif
