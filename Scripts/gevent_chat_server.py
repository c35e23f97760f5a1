"""The gevent chat server greenlet's `chat` is measured against: a map of users to
queues, one reader and one writer greenlet per connection, join and leave notices, with
TCP_NODELAY. It speaks the same lines as `greenlet chat`, so one load client drives both.

    python gevent_chat_server.py PORT
"""
import socket
import sys

import gevent
from gevent.queue import Queue
from gevent.server import StreamServer

users = {}  # name -> Queue of lines for that user


def broadcast(line):
    for queue in users.values():
        queue.put(line)


def writer(sock, queue):
    try:
        while True:
            line = queue.get()
            if line is None:
                return
            sock.sendall(line)
    except OSError:
        return


def handle(sock, address):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = sock.makefile("rb")
    name = None
    try:
        sock.sendall(b"Welcome to greenlet chat. Your name?\n")
        while name is None:
            raw = reader.readline()
            if not raw:
                return
            candidate = raw.rstrip(b"\r\n").decode("utf-8", "replace")
            if candidate in users:
                sock.sendall(b"## the name %s is taken\nWelcome to greenlet chat. Your name?\n" % candidate.encode())
            else:
                name = candidate
        queue = Queue()
        broadcast(("## %s joined from %s:%d.\n" % (name, address[0], address[1])).encode())
        users[name] = queue
        queue.put(("## welcome, %s. online: %s\n" % (name, ", ".join(users))).encode())
        sender = gevent.spawn(writer, sock, queue)
        for raw in reader:
            text = raw.rstrip(b"\r\n").decode("utf-8", "replace")
            if text == "/quit":
                break
            if text:
                broadcast(("%s> %s\n" % (name, text)).encode())
        queue.put(None)
        sender.join(timeout=1)
    finally:
        if name is not None and name in users:
            del users[name]
            broadcast(("## %s left the chat.\n" % name).encode())
        sock.close()


if __name__ == "__main__":
    server = StreamServer(("127.0.0.1", int(sys.argv[1])), handle)
    server.start()
    print("listening on 127.0.0.1:%d" % server.server_port, flush=True)
    server.serve_forever()
