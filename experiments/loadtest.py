"""Load test of a running ``tomas serve``, on the loopback address only.

``python experiments/loadtest.py --url http://127.0.0.1:8000 --clients 8 --requests 400 --max_seconds 120``
``python experiments/loadtest.py --cli assets/planner --clients 2 --requests 40`` (the CLI, one process per request)

N concurrent clients send a mix of valid requests (from a planner JSONL split) and malformed
ones (missing field, negative resource, not JSON, task too long); it stops by itself after
``--requests`` requests or ``--max_seconds``, whichever comes first. Reports throughput,
p50/p90/p99 latency of the valid requests, status counts, and the compute limit for
comparison: FLOPs per request (2 x the LLM's non-embedding parameters x prompt tokens, from
the server's own counters) against the matmul peak measured here in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def malformed(rng: random.Random, valid: dict) -> tuple[str, str]:
    """(kind, body) of one bad request."""
    kind = rng.choice(["missing_field", "negative", "not_json", "too_long"])
    r = json.loads(json.dumps(valid))
    if kind == "missing_field":
        r["free_resources"].pop("gpu_sm")
    elif kind == "negative":
        r["free_resources"]["cpu_cores"] = -1
    elif kind == "too_long":
        r["task"] = "x" * 100_000
    return kind, "{not json" if kind == "not_json" else json.dumps(r)


def read_requests(path: str) -> list[dict]:
    keep = ("task", "free_resources", "latency_budget_ms")
    lines = Path(path).read_text().splitlines()
    return [{"id": i, **{k: json.loads(line)[k] for k in keep if k in json.loads(line)}}
            for i, line in enumerate(lines) if line.strip()]


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def prompt_tokens(metrics_text: str) -> float:
    m = re.search(r"^tomas_prompt_tokens_total ([0-9.e+]+)$", metrics_text, re.M)
    return float(m.group(1)) if m else 0.0


OK, REJECTED = ("200", "exit 0", "exit 3"), ("exit 2",)
"""Statuses of a planned request (HTTP 200; `tomas plan` exit 0, or 3 = nothing fits) and, besides
any 4xx, of a refused malformed one (`tomas plan --batch` exit 2: the line answered by an error)."""


async def cli_status(planner_dir: str, body: str) -> str:
    """One `tomas plan --batch -` process for one request line: its exit status."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tomas.cli", "plan", "--batch", "-", "--planner_dir", planner_dir, "--device", "cpu",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    await proc.communicate(body.encode() + b"\n")
    return f"exit {proc.returncode}"


async def drive(args: argparse.Namespace, requests: list[dict]) -> dict:
    import httpx

    rng = random.Random(args.seed)
    plan = [(malformed(rng, rng.choice(requests)) if rng.random() < args.bad_fraction
             else ("valid", json.dumps(rng.choice(requests)))) for _ in range(args.requests)]
    latencies: list[float] = []
    statuses: Counter = Counter()
    kinds: Counter = Counter()
    next_index, stop_at = 0, time.perf_counter() + args.max_seconds

    key = args.api_key or os.environ.get("TOMAS_API_KEY")
    auth = {"Authorization": f"Bearer {key}"} if key else {}
    async with httpx.AsyncClient(base_url=args.url, timeout=args.timeout_s, headers=auth) as client:
        if not args.cli:
            health = (await client.get("/healthz")).json()
            tokens_before = prompt_tokens((await client.get("/metrics")).text)

        async def send(body: str) -> str:
            if args.cli:
                return await cli_status(args.cli, body)
            try:
                r = await client.post("/v1/plan", content=body, headers={"content-type": "application/json"})
                return str(r.status_code)
            except httpx.HTTPError as e:
                return type(e).__name__

        async def client_loop():
            nonlocal next_index
            while next_index < len(plan) and time.perf_counter() < stop_at:
                kind, body = plan[next_index]
                next_index += 1
                t0 = time.perf_counter()
                status = await send(body)
                kinds[kind] += 1
                statuses[f"{kind}:{status}"] += 1
                if kind == "valid" and status in OK:
                    latencies.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        await asyncio.gather(*(client_loop() for _ in range(args.clients)))
        wall = time.perf_counter() - t0
        if not args.cli:
            tokens = prompt_tokens((await client.get("/metrics")).text) - tokens_before
    sent = sum(kinds.values())
    ok = len(latencies)
    return {"url": None if args.cli else args.url, "cli": args.cli, "clients": args.clients,
            "requests_sent": sent, "wall_s": round(wall, 3),
            "throughput_rps": round(sent / wall, 2), "valid_ok_rps": round(ok / wall, 2),
            "latency_ms": {f"p{int(q * 100)}": None if percentile(latencies, q) is None
                           else round(1000 * percentile(latencies, q), 1) for q in (0.5, 0.9, 0.99)},
            "status_counts": dict(sorted(statuses.items())), "kinds": dict(kinds),
            "errors": sum(n for k, n in statuses.items() if k.startswith("valid:") and k.split(":")[1] not in OK),
            "malformed_rejected_4xx": sum(n for k, n in statuses.items() if not k.startswith("valid:")
                                          and (k.split(":")[1].startswith("4") or k.split(":")[1] in REJECTED)),
            **({} if args.cli else {"prompt_tokens": tokens, "model": health})}


def compute_limit(report: dict, min_time: float) -> dict:
    """Requests/s the matmul peak of this machine would allow at the measured FLOPs per request."""
    import torch

    from tomas.perf import matmul_gflops

    m = report["model"]
    ok = sum(report["status_counts"].get(f"valid:{s}", 0) for s in OK)
    flops_per_request = 2 * m["nonembedding_params"] * report["prompt_tokens"] / max(1, ok)
    peak = matmul_gflops(512, m["hidden_size"], m["intermediate_size"], torch.float32, torch.device("cpu"), min_time)
    limit = peak * 1e9 / max(1.0, flops_per_request)
    return {"flops_per_request": flops_per_request, "peak_gflops": round(peak, 1),
            "compute_limit_rps": round(limit, 1), "achieved_fraction": round(report["valid_ok_rps"] / limit, 3)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="http://127.0.0.1:8000")
    p.add_argument("--cli", default=None, metavar="PLANNER_DIR",
                   help="instead of the server: one `tomas plan --batch -` process per request, on this planner")
    p.add_argument("--requests_file", default="data/planner/test.jsonl", help="valid requests are drawn from it")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--requests", type=int, default=400, help="stop after this many requests")
    p.add_argument("--max_seconds", type=float, default=120.0, help="... or after this long")
    p.add_argument("--bad_fraction", type=float, default=0.1, help="share of malformed requests")
    p.add_argument("--timeout_s", type=float, default=60.0, help="per request")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--peak_time", type=float, default=1.0, help="seconds of timed matmul for the peak")
    p.add_argument("--output", default=None, help="also write the report (JSON) here")
    p.add_argument("--api_key", default=None, help="the server's API key (default: $TOMAS_API_KEY)")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    host = urlparse(args.url).hostname
    if host not in LOOPBACK and f"[{host}]" not in LOOPBACK:
        p.error(f"--url must be on the loopback address (127.0.0.1 / localhost / ::1), not {host!r}")
    if args.requests < 1 or args.clients < 1 or args.max_seconds <= 0 or not 0 <= args.bad_fraction <= 1:
        p.error("--requests and --clients must be ≥ 1, --max_seconds > 0, --bad_fraction in [0, 1]")
    if not Path(args.requests_file).is_file():
        print(f"error: {args.requests_file}: no such file", file=sys.stderr)
        return 2
    report = asyncio.run(drive(args, read_requests(args.requests_file)))
    if not args.cli:  # the CLI's prompt tokens are not counted anywhere: the server's run has the limit
        report["compute"] = compute_limit(report, args.peak_time)
    text = json.dumps(report, indent=2)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
