"""Fixtures of the roadmap's tests: a local web server for the link checker (no request leaves the
machine), and an address where nothing listens."""

import http.server
import socket
import threading

import pytest

# The link checker's time limit in these tests (seconds); the server's slow answer takes longer.
TIMEOUT = 0.5


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet test output
        pass

    def _answer(self, status, location=None, body=b"ok"):
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _route(self):
        server = self.server
        with server.lock:
            server.requests.append((self.command, self.path, self.headers.get("User-Agent", "")))
        path = self.path.split("?")[0]
        if path == "/ok":
            return self._answer(200)
        if path == "/moved":
            return self._answer(301, "/ok")
        if path == "/moved-then-temporary":
            return self._answer(308, "/temporary")
        if path == "/temporary":
            return self._answer(302, "/ok")
        if path == "/moved-to-nothing":
            return self._answer(301, "/missing")
        if path == "/loop":
            return self._answer(302, "/loop")
        if path == "/missing":
            return self._answer(404)
        if path == "/gone":
            return self._answer(410)
        if path == "/error":
            return self._answer(500)
        if path == "/busy":
            return self._answer(429)
        if path == "/no-head":
            return self._answer(405 if self.command == "HEAD" else 200)
        if path == "/slow":
            # Past the checker's timeout; released at the end of the test so no thread lingers.
            server.release.wait(TIMEOUT * 6)
            return self._answer(200)
        if path == "/hold":
            with server.lock:
                server.open_now += 1
                server.most_open = max(server.most_open, server.open_now)
            server.release.wait(0.15)
            with server.lock:
                server.open_now -= 1
            return self._answer(200)
        return self._answer(404)

    do_GET = do_HEAD = _route


@pytest.fixture
def web():
    """A local web server; `web.url("/path")` is its address for a path."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.lock = threading.Lock()
    server.release = threading.Event()
    server.requests, server.open_now, server.most_open = [], 0, 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = lambda path: f"http://127.0.0.1:{server.server_port}{path}"
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def refused_url():
    """An address where nothing listens: the port of a socket just closed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"
