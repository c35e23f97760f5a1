"""The figures of `greenlet bench spawn` for Python's greenlet (C stack switching) and for
gevent (greenlet scheduled by libev): spawn+join, one switch, resident-set growth per
parked greenlet. Prints one JSON object.

    python spawn_greenlets.py greenlet 100000
    python spawn_greenlets.py gevent 100000

greenlet: a green thread is a `greenlet`, run to its end by switching into it; the switch
is two greenlets switching to each other directly (no scheduler), parked ones have
switched back to the main greenlet. gevent: `gevent.spawn` and `joinall`; the switch is
a pair of one-item `gevent.queue.Queue`s, as greenlet's benchmark uses a pair of
one-item Queues; parked ones wait on an `Event`.
"""
import json
import os
import sys
import time


def resident_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def greenlet_figures(count):
    from greenlet import getcurrent, greenlet

    main = getcurrent()

    def park():
        main.switch()

    before = resident_bytes()
    parked = [greenlet(park) for _ in range(count)]
    for g in parked:
        g.switch()
    memory = (resident_bytes() - before) / count
    for g in parked:
        g.switch()
    del parked

    def value(i):
        return i

    start = time.perf_counter_ns()
    threads = [greenlet(value) for _ in range(count)]
    for i, g in enumerate(threads):
        g.switch(i)
    spawn_join = (time.perf_counter_ns() - start) / count
    del threads

    def echo(i):
        while True:
            i = main.switch(i)

    partner = greenlet(echo)
    start = time.perf_counter_ns()
    for i in range(count):
        partner.switch(i)
    switch = (time.perf_counter_ns() - start) / (2 * count)
    return memory, spawn_join, switch


def gevent_figures(count):
    import gevent
    from gevent.event import Event
    from gevent.queue import Queue

    gate = Event()
    before = resident_bytes()
    parked = [gevent.spawn(gate.wait) for _ in range(count)]
    gevent.sleep(0)
    memory = (resident_bytes() - before) / count
    gate.set()
    gevent.joinall(parked)
    del parked

    start = time.perf_counter_ns()
    threads = [gevent.spawn(lambda i: i, i) for i in range(count)]
    gevent.joinall(threads)
    spawn_join = (time.perf_counter_ns() - start) / count
    del threads

    ping, pong = Queue(1), Queue(1)

    def echo():
        for _ in range(count):
            pong.put(ping.get())

    partner = gevent.spawn(echo)
    start = time.perf_counter_ns()
    for i in range(count):
        ping.put(i)
        pong.get()
    switch = (time.perf_counter_ns() - start) / (2 * count)
    partner.join()
    return memory, spawn_join, switch


def main():
    mode, count = sys.argv[1], int(sys.argv[2])
    figures = {"greenlet": greenlet_figures, "gevent": gevent_figures}[mode]
    memory, spawn_join, switch = figures(count)
    print(json.dumps({"mode": mode, "count": count, "bytes_per_parked": memory,
                      "spawn_join_ns": spawn_join, "switch_ns": switch}))


if __name__ == "__main__":
    main()
