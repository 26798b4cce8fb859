"""A small HTTP daemon that exercises the daemon kit the way real daemons differ from squid.

python3 -m csgw_test_daemon --config <file>

The config is JSON: {"host": "127.0.0.1", "port": 8080, "message": "hello", "readyAfterSeconds": 0, "neverReady": false}.
- It opens its port only readyAfterSeconds after it started (or reloaded onto another port): slow readiness.
- With neverReady it never opens its port: a revision that fails at run time although its config parses.
- SIGHUP re-reads the config in the same process; GET / answers the current message.
- There is no config checker.
"""
import argparse
import json
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer


class State:
    def __init__(self, path):
        self.path = path
        self.config = {}
        self.server = None
        self.lock = threading.Lock()

    def load(self):
        with open(self.path, encoding="utf-8") as f:
            self.config = json.load(f)


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            body = str(state.config.get("message", "")).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


def serve(state):
    """Opens the configured port after the configured delay and serves until the port changes."""
    config = state.config
    if config.get("neverReady"):
        print("configured never to become ready", flush=True)
        return
    time.sleep(float(config.get("readyAfterSeconds", 0)))
    server = HTTPServer((config.get("host", "127.0.0.1"), int(config["port"])), make_handler(state))
    with state.lock:
        state.server = server
    print(f"listening on {config.get('host', '127.0.0.1')}:{config['port']}", flush=True)
    server.serve_forever(poll_interval=0.05)
    server.server_close()


def start_serving(state):
    threading.Thread(target=serve, args=(state,), daemon=True).start()


def reload(state):
    old = state.config
    state.load()
    print("reloaded", flush=True)
    if (old.get("host"), old.get("port"), old.get("neverReady")) == (
        state.config.get("host"),
        state.config.get("port"),
        state.config.get("neverReady"),
    ):
        return
    with state.lock:
        server, state.server = state.server, None
    if server is not None:
        threading.Thread(target=server.shutdown, daemon=True).start()
    start_serving(state)


def main():
    parser = argparse.ArgumentParser(prog="csgw_test_daemon")
    parser.add_argument("--config", required=True)
    args = parser.parse_args()
    state = State(args.config)
    state.load()
    hup = threading.Event()
    signal.signal(signal.SIGHUP, lambda *_: hup.set())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    start_serving(state)
    while True:
        if hup.wait(0.05):
            hup.clear()
            reload(state)


if __name__ == "__main__":
    socket.setdefaulttimeout(5)
    main()
