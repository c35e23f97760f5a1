"""The gevent programs greenlet is compared with (Scripts/compare-gevent.sh): an echo
server (StreamServer), a static-file server (pywsgi) and a crawler (a Pool over the
monkey-patched standard library). Each server prints `listening on 127.0.0.1:PORT`.

    python gevent_peers.py echo PORT
    python gevent_peers.py http PORT ROOT
    python gevent_peers.py crawl CONCURRENCY URLS_FILE    # prints the wall time in seconds
"""
from gevent import monkey

monkey.patch_all()

import os
import socket
import sys
import time
import urllib.request

import gevent
from gevent.pool import Pool
from gevent.pywsgi import WSGIServer
from gevent.server import StreamServer


def echo(sock, address):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        data = sock.recv(16384)
        if not data:
            return
        sock.sendall(data)


def static_files(root):
    def app(environ, start_response):
        path = os.path.normpath(os.path.join(root, environ["PATH_INFO"].lstrip("/")))
        if not path.startswith(root) or not os.path.isfile(path):
            start_response("404 Not Found", [("Content-Length", "0")])
            return [b""]
        with open(path, "rb") as f:
            body = f.read()
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(body)))])
        return [body]
    return app


def serve(server):
    server.start()
    print("listening on 127.0.0.1:%d" % server.server_port, flush=True)
    server.serve_forever()


def crawl(concurrency, urls):
    def fetch(url):
        with urllib.request.urlopen(url, timeout=30) as response:
            return len(response.read())
    start = time.monotonic()
    sizes = Pool(concurrency).map(fetch, urls)
    elapsed = time.monotonic() - start
    assert all(size > 0 for size in sizes), "an empty body"
    print("%.4f" % elapsed)


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "echo":
        serve(StreamServer(("127.0.0.1", int(sys.argv[2])), echo))
    elif kind == "http":
        serve(WSGIServer(("127.0.0.1", int(sys.argv[2])), static_files(os.path.realpath(sys.argv[3])), log=None))
    elif kind == "crawl":
        crawl(int(sys.argv[2]), [line.strip() for line in open(sys.argv[3]) if line.strip()])
    else:
        sys.exit("use: echo PORT | http PORT ROOT | crawl CONCURRENCY URLS_FILE")
