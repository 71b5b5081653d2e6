"""A real SMTP server for tests and the benchmark: aiosmtpd on a free loopback port, in a thread.

It keeps every accepted message, can refuse for a while (a 4xx or 5xx reply to DATA, as a server
that is overloaded or misconfigured does), refuse some recipients for good (550), and be slowed down
before the recipients (`delay`) or before its answer to the message (`data_delay`: the message is
taken, whatever happens to the client meanwhile, as a real server does once it has the final ".").
"""

import asyncio
import email
import email.policy
import socket
import threading
import time
from collections import Counter

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, server):
        self.server = server

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
        # A slow server before the end of the message: a worker killed now has handed nothing over.
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        if address.lower() in self.server.refused_recipients:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):
        server = self.server
        reply = server.refusal()
        if reply:
            server.refused += 1
            return reply
        # Queued as soon as the final "." is in, as a real server does; the answer may come late (a
        # client may time out or die meanwhile, and the message is delivered all the same).
        server.record(envelope)
        if server.data_delay:
            await asyncio.sleep(server.data_delay)
        return "250 2.0.0 OK: queued"


class SMTPServer:
    """Start with start(); `messages` (parsed email.message.EmailMessage), `recipients` (a Counter),
    `refuse(reply, seconds=None)`, `accept()`, `wait_for(count, timeout)`; `delay` slows each RCPT,
    `data_delay` the answer to each message (taken at once); `refused_recipients` (lower-case
    addresses) are refused with a 550. With keep=False only the count is kept."""

    def __init__(self, *, keep: bool = True):
        self.port = free_port()
        self.host = "127.0.0.1"
        self.keep = keep
        self.messages: list = []
        self.recipients: Counter = Counter()
        self.count = 0
        self.refused = 0
        self.delay = 0.0
        self.data_delay = 0.0
        self.refused_recipients: set[str] = set()
        self._refuse_reply = ""
        self._refuse_until = 0.0
        self._lock = threading.Lock()
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, ready_timeout=10)

    def start(self):
        self._controller.start()
        return self

    def stop(self):
        self._controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def refuse(self, reply: str = "451 4.3.0 Try again later", *, seconds: float | None = None):
        """Answer DATA with `reply` (for `seconds`, or until accept())."""
        self._refuse_reply = reply
        self._refuse_until = time.monotonic() + seconds if seconds is not None else float("inf")

    def accept(self):
        self._refuse_reply, self._refuse_until = "", 0.0

    def refusal(self) -> str:
        return self._refuse_reply if time.monotonic() < self._refuse_until else ""

    def record(self, envelope):
        with self._lock:
            self.count += 1
            self.recipients.update(addr.lower() for addr in envelope.rcpt_tos)
            if self.keep:
                self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))

    def wait_for(self, count: int, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count >= count:
                return True
            time.sleep(0.05)
        return self.count >= count
