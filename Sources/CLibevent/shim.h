#ifndef GREENLET_LIBEVENT_SHIM_H
#define GREENLET_LIBEVENT_SHIM_H

// The system headers libevent's own include first: its event-config.h defines
// _GNU_SOURCE, and reaching them after it makes their definitions clash with Glibc's module.
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>
#include <sys/types.h>

#include <event2/event.h>

#endif
