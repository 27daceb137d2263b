"""Who may call the service and where it listens: the API key (flag, file or environment), the rule that a
host other than loopback needs one, TLS files, and the listening socket bound before anything says "serving"."""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

from tomas.config.commands import ServeArgs
from tomas.errors import TomasError

KEY_ENV = "TOMAS_API_KEY"


def api_key(args: ServeArgs) -> str | None:
    """The key from the flag, the key file or the environment (in that order); None: no key."""
    if args.api_key_file:
        path = Path(args.api_key_file)
        if not path.is_file():
            raise TomasError(f"--api_key_file {path}: no such file")
        key = args.api_key or path.read_text().strip()
    else:
        key = args.api_key or os.environ.get(KEY_ENV)
    if key is not None and not key.strip():
        raise TomasError("the API key is empty")
    return key


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_security(args: ServeArgs, key: str | None) -> None:
    if (args.ssl_certfile is None) != (args.ssl_keyfile is None):
        raise TomasError("--ssl_certfile and --ssl_keyfile go together")
    for flag in ("ssl_certfile", "ssl_keyfile"):
        if getattr(args, flag) and not Path(getattr(args, flag)).is_file():
            raise TomasError(f"--{flag} {getattr(args, flag)}: no such file")
    if key is None and not is_loopback(args.host) and not args.insecure:
        raise TomasError(f"--host {args.host} serves other machines: give an API key (--api_key_file or {KEY_ENV}) "
                         "or say --insecure")


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything says "serving" (a taken port is one line)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise TomasError(f"--host {host} --port {port}: cannot listen there ({e.strerror})") from None
    return sock
