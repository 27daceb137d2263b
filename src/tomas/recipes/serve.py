"""The planner as an HTTP service: ``tomas serve --planner_dir D --host H --port P``.

FastAPI + uvicorn (the app lives in ``tomas.serving``). Endpoints: ``POST /v1/plan``,
``POST /v1/plan/batch``, ``GET /v1/tools``, ``GET /healthz``, ``GET /metrics`` (Prometheus),
``GET /docs`` (a plain page, works offline) and ``GET /openapi.json``. A request is a ``tomas plan --batch``
line. With an API key (``--api_key``, ``--api_key_file`` or ``TOMAS_API_KEY``) every endpoint but ``/healthz``
needs ``Authorization: Bearer <key>``; a host other than loopback needs a key (or ``--insecure``).
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import socket
import sys
from pathlib import Path

from tomas.config import PLANNER_DIR
from tomas.errors import TomasError
from tomas.flags import Parser
from tomas.serving.app import create_app
from tomas.serving.settings import ServeSettings

KEY_ENV = "TOMAS_API_KEY"


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = Parser(prog="tomas serve", description=__doc__.splitlines()[0])
    p.add_argument("--planner_dir", default=PLANNER_DIR)
    p.add_argument("--host", default="127.0.0.1", help="127.0.0.1 (default) serves this machine only")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--device", default="auto")
    p.add_argument("--graceful_s", type=float, default=30.0, help="on shutdown, how long requests in flight may take")
    p.add_argument("--api_key", default=None, help=f"the bearer token callers must send (safer: --api_key_file or "
                                                   f"the {KEY_ENV} environment variable, which ps does not show)")
    p.add_argument("--api_key_file", default=None, help="a file holding the API key")
    p.add_argument("--insecure", action="store_true", help="allow a non-loopback --host without an API key")
    p.add_argument("--ssl_certfile", default=None, help="TLS certificate (PEM), with --ssl_keyfile: serve HTTPS")
    p.add_argument("--ssl_keyfile", default=None, help="TLS private key (PEM)")
    for name, field in ServeSettings.__dataclass_fields__.items():
        p.add_argument(f"--{name}", type=type(field.default), default=field.default)
    args = p.parse_args(argv)
    if min(args.max_batch, args.max_queue, args.max_task_chars, args.max_body_bytes, args.max_batch_requests) < 1:
        p.error("the --max_* limits must be ≥ 1")
    return args


def api_key(args: argparse.Namespace) -> str | None:
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


def check_security(args: argparse.Namespace, key: str | None) -> None:
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


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    from tomas.inference import load_planner
    from tomas.models.llm import resolve_device

    args = parse_args(sys.argv[1:] if argv is None else argv)
    resolve_device(args.device)  # a wrong --device is one line before the planner loads
    key = api_key(args)
    check_security(args, key)
    settings = ServeSettings(**{k: getattr(args, k) for k in ServeSettings.__dataclass_fields__})
    sock = bind(args.host, args.port)
    planner = load_planner(args.planner_dir, args.device)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    scheme = "https" if args.ssl_certfile else "http"
    print(f"Planner {args.planner_dir}: {len(planner.table.tool_names)} tools, {planner.table.num_configs} "
          f"configurations; serving on {scheme}://{args.host}:{args.port} (docs at /docs"
          f"{'; API key required' if key else ''})", flush=True)
    config = uvicorn.Config(create_app(planner, settings, key), log_level="warning", access_log=False,
                            timeout_graceful_shutdown=args.graceful_s, ssl_certfile=args.ssl_certfile,
                            ssl_keyfile=args.ssl_keyfile)
    uvicorn.Server(config).run(sockets=[sock])
    return 0
