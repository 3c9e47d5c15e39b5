"""A minimal HTTP sink for the benchmark: reads each request and answers 200 at once, without
decoding the body (what a static nginx location does). Loopback only; prints its URL first.

    python sink.py   ->   LISTENING http://127.0.0.1:PORT/sa?project=default
Stops when its stdin closes.
"""

import asyncio
import sys

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"


class Sink(asyncio.Protocol):
    """Per connection: collect a request head, then skip its body, then answer."""

    def connection_made(self, transport):
        self.transport = transport
        self.head = b""
        self.body_left = None  # None: reading a head

    def data_received(self, data):
        while data:
            if self.body_left is None:
                self.head += data
                end = self.head.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = self.head[:end].lower()
                at = head.find(b"content-length:")
                self.body_left = int(head[at + 15:].split(b"\r\n", 1)[0]) if at >= 0 else 0
                data, self.head = self.head[end + 4:], b""
            take = min(len(data), self.body_left)
            self.body_left -= take
            data = data[take:]
            if self.body_left == 0:
                self.body_left = None
                self.transport.write(OK)


async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Sink, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print("LISTENING http://127.0.0.1:%d/sa?project=default" % port, flush=True)
    await loop.run_in_executor(None, sys.stdin.read)  # until stdin closes
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
