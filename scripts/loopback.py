"""Loopback helpers shared by the test scripts (hostile_compare.py, soak_tool.py)."""
import socket


def free_ports(n):
    """N distinct free ports on 127.0.0.1 (bound together, then released, so none repeats)."""
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports
