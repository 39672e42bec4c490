#!/usr/bin/env python3
"""Full TLS handshakes with random SNIs against a terminating listener, each checked for the
certificate that names it: site<i>.example for i in 1..N, the names of the harness's CERTS pairs.
With a `tls.context_cache` smaller than N nearly every handshake needs its context built again:
the listener must still give each one its own certificate, keep `predictor_tls_contexts` at the
bound, and its RSS flat. Standard library only.

    sni_stress.py N CONCURRENCY SECONDS [PORT (18443)]

Prints one line: handshakes with the right certificate, with a wrong one, failed (and the first
failure), and the handshake's p50 and p99 as the client saw them.
"""
import asyncio
import random
import ssl
import sys
import time


class Tally:
    def __init__(self):
        self.right = 0
        self.wrong = 0
        self.failed = 0
        self.first_failure = None
        self.seconds = []


async def handshakes(port, names, deadline, context, tally):
    while time.time() < deadline:
        name = f"site{random.randint(1, names)}.example"
        started = time.perf_counter()
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname=name), 5)
        except (OSError, asyncio.TimeoutError, ssl.SSLError) as e:
            tally.failed += 1
            tally.first_failure = tally.first_failure or f"{name}: {e!r}"
            continue
        tally.seconds.append(time.perf_counter() - started)
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        if name.encode() in der:  # the DNS name in the certificate's subject alternative names
            tally.right += 1
        else:
            tally.wrong += 1
        writer.close()


async def run(port, names, concurrency, seconds):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # self-signed pairs; the name is checked by hand above
    tally = Tally()
    deadline = time.time() + seconds
    await asyncio.gather(*[handshakes(port, names, deadline, context, tally) for _ in range(concurrency)])
    return tally


def main():
    names, concurrency, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    port = int(sys.argv[4]) if len(sys.argv) > 4 else 18443
    tally = asyncio.run(run(port, names, concurrency, seconds))
    s = sorted(tally.seconds) or [0.0]
    print(f"handshakes right={tally.right} wrong_certificate={tally.wrong} failed={tally.failed}"
          f" p50={s[len(s) // 2] * 1000:.1f}ms p99={s[int(len(s) * 0.99)] * 1000:.1f}ms"
          + (f" first_failure={tally.first_failure}" if tally.first_failure else ""))
    sys.exit(1 if tally.wrong or tally.failed else 0)


if __name__ == "__main__":
    main()
