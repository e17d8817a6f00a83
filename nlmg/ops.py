"""Small helpers for the Makefile's targets, run before Django is set up.

``python -m nlmg.ops check-port HOST PORT`` stops with a sentence saying how to pick another
port when HOST:PORT is taken (runserver and gunicorn would only say "already in use").
"""

from __future__ import annotations

import socket
import sys


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on host:port (or the address cannot be bound)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError:
            return True
    return False


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[1] != "check-port":
        sys.stderr.write("usage: python -m nlmg.ops check-port HOST PORT\n")
        return 2
    host, port = argv[2], int(argv[3])
    if port_in_use(host, port):
        sys.stderr.write(
            f"nlmg: port {port} on {host} is already in use (another 'make run' or 'make serve'?). "
            f"Stop that one, or pick another port: make run PORT={port + 1} (HOST= picks the "
            "address, e.g. HOST=0.0.0.0 to be reached from other machines).\n"
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
