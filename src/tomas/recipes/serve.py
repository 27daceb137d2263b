"""The planner as an HTTP service: ``tomas serve --planner_dir D --host H --port P``.

FastAPI + uvicorn (the app lives in ``tomas.serving``). Endpoints: ``POST /v1/plan``,
``POST /v1/plan/batch``, ``GET /v1/tools``, ``GET /healthz``, ``GET /metrics`` (Prometheus),
``GET /docs`` (a plain page, works offline) and ``GET /openapi.json``. A request is a ``tomas plan --batch``
line. With an API key (``--api_key``, ``--api_key_file`` or ``TOMAS_API_KEY``) every endpoint but ``/healthz``
needs ``Authorization: Bearer <key>``; a host other than loopback needs a key (or ``--insecure``).
"""

from __future__ import annotations

import logging
import sys

from tomas.config import parse_config
from tomas.config.commands import ServeArgs
from tomas.serving.app import create_app
from tomas.serving.security import api_key, bind, check_security


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    from tomas.inference import load_planner
    from tomas.models.llm import resolve_device

    args, _ = parse_config(ServeArgs, sys.argv[1:] if argv is None else argv, prog="tomas serve")
    resolve_device(args.device)  # a wrong --device is one line before the planner loads
    key = api_key(args)
    check_security(args, key)
    sock = bind(args.host, args.port)
    planner = load_planner(args.planner_dir, args.device)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    scheme = "https" if args.ssl_certfile else "http"
    print(f"Planner {args.planner_dir}: {len(planner.table.tool_names)} tools, {planner.table.num_configs} "
          f"configurations; serving on {scheme}://{args.host}:{args.port} (docs at /docs"
          f"{'; API key required' if key else ''})", flush=True)
    config = uvicorn.Config(create_app(planner, args.settings(), key), log_level="warning", access_log=False,
                            timeout_graceful_shutdown=args.graceful_s, ssl_certfile=args.ssl_certfile,
                            ssl_keyfile=args.ssl_keyfile)
    uvicorn.Server(config).run(sockets=[sock])
    return 0
