"""`tomas serve`: the micro-batcher, the HTTP API on the tiny trained planner, and the load test
against a real server process on the loopback address."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import socket
import threading
import time

import pytest

from tomas.config.commands import ServeSettings
from tomas.serving.app import create_app
from tomas.serving.batcher import MicroBatcher, Overloaded
from tomas.serving.metrics import Metrics

FREE = {"cpu_cores": 4, "memory_gb": 8, "gpu_sm": 20, "gpu_memory_gb": 4}


# --- the micro-batcher ----------------------------------------------------------------------------
def test_concurrent_requests_share_one_forward_pass():
    calls = []

    def plan_batch(requests):
        calls.append([r["n"] for r in requests])
        return [{"n": r["n"], "batch": len(requests)} for r in requests]

    async def go():
        b = MicroBatcher(plan_batch, ServeSettings(max_batch=4, max_wait_ms=200), Metrics())
        b.start()
        out = await asyncio.gather(*(b.submit([{"n": i}]) for i in range(6)))
        await b.stop()
        return out

    out = asyncio.run(go())
    assert [o[0]["n"] for o in out] == list(range(6))  # each caller gets its own answer
    assert calls == [[0, 1, 2, 3], [4, 5]]  # at most max_batch per pass, the rest in the next


def test_a_full_queue_refuses_instead_of_waiting():
    release = threading.Event()

    def slow(requests):
        release.wait(5)
        return [{} for _ in requests]

    async def go():
        b = MicroBatcher(slow, ServeSettings(max_batch=1, max_wait_ms=0, max_queue=2), Metrics())
        b.start()
        first = asyncio.ensure_future(b.submit([{}]))
        await asyncio.sleep(0.05)  # the worker holds the first; the queue is empty again
        queued = asyncio.ensure_future(b.submit([{}, {}]))
        await asyncio.sleep(0)
        with pytest.raises(Overloaded):
            await b.submit([{}])
        release.set()
        await asyncio.gather(first, queued)
        await b.stop()

    asyncio.run(go())


# --- the HTTP API on the tiny planner ---------------------------------------------------------------
@pytest.fixture(scope="module")
def client(planner_run):
    from fastapi.testclient import TestClient

    from tomas.inference import load_planner

    app = create_app(load_planner(str(planner_run.out), "cpu"), ServeSettings(max_task_chars=200, max_body_bytes=4096))
    with TestClient(app) as c:
        yield c


def test_plan_echoes_the_id_and_fits(client, planner_run):
    r = client.post("/v1/plan", json={"id": "req-1", "task": "Read this scanned page", "free_resources": FREE})
    assert r.status_code == 200, r.text
    plan = r.json()
    assert plan["schema_version"] == 1 and plan["id"] == "req-1" and plan["free_resources"] == FREE
    assert all(isinstance(v, int) for v in plan["free_resources"].values())
    if plan["feasible"]:
        assert all(plan[k] <= FREE[k] for k in FREE)
    tools = json.loads((planner_run.out / "tool_mask_map.json").read_text())
    assert plan["tool"] in tools


def test_batch_answers_in_order(client):
    requests = [{"id": i, "task": t, "free_resources": FREE} for i, t in
                enumerate(["Read this scanned page", "Caption this photo", "Translate this letter"])]
    r = client.post("/v1/plan/batch", json={"requests": requests})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["schema_version"] == 1 and [p["id"] for p in body["results"]] == [0, 1, 2]


def test_the_input_facts_or_size_make_the_size_exact(client, planner_run):
    """``input_size`` decides the size whatever the tool; facts decide it for a tool defined in their dimension
    (the fixture's pose_estimation: pixels) and say so; every plan says where its size came from. The
    requests are ones the tiny planner does not refuse (a refusal has no size to decide), its pose requests first."""
    train = [json.loads(line) for line in (planner_run.data / "train.jsonl").read_text().splitlines()]
    tasks = [r["task"] for r in sorted(train, key=lambda r: r["tool"] != "pose_estimation") if r["tool"]]
    _, plan = first_planned(client, tasks, input_size="large")
    assert plan["input_size"] == "large" and plan["size_source"] == "input"
    _, plan = first_planned(client, tasks, input={"width": 64, "height": 64})
    assert plan["size_source"] in ("input", "words") and 0 < plan["size_confidence"] <= 1
    if plan["tool"] == "pose_estimation":
        assert plan["input_size"] == "small" and plan["size_source"] == "input" and plan["size_read_from"] == "64x64"


def first_planned(client, tasks: list[str], **fields) -> tuple[str, dict]:
    """The first of ``tasks`` planned with ``fields`` (not refused), and its plan."""
    for task in tasks:
        r = client.post("/v1/plan", json={"task": task, "free_resources": FREE} | fields)
        assert r.status_code == 200, r.text
        if r.json()["tool"]:
            return task, r.json()
    raise AssertionError("the tiny planner refused every training request")


@pytest.mark.parametrize("body, status, message", [
    ({"task": "x", "free_resources": FREE, "input": {"width": 3}}, 422, "field input: "),
    ({"task": "x", "free_resources": FREE, "input": {"path": "/etc/passwd"}}, 422, "field input.path: Extra inputs"),
    ({"task": "x", "free_resources": FREE, "input_size": "huge"}, 422, "field input_size: "),
    ({"task": "x", "free_resources": {**FREE, "gpu_sm": -1}}, 422, "field free_resources.gpu_sm: "),
    ({"task": "x", "free_resources": {k: v for k, v in FREE.items() if k != "memory_gb"}}, 422,
     "field free_resources.memory_gb: Field required"),
    ({"task": "   ", "free_resources": FREE}, 422, "field task: "),
    ({"task": "x" * 201, "free_resources": FREE}, 422, "field task: "),
    ({"task": "x", "free_resources": {**FREE, "cpu_cores": "4"}}, 422, "field free_resources.cpu_cores: "),
    ({"task": "x", "free_resources": FREE, "latency_budget": 5}, 422, "field latency_budget: Extra inputs"),
])
def test_malformed_requests_get_one_message_naming_the_field(client, body, status, message):
    r = client.post("/v1/plan", json=body)
    assert r.status_code == status
    assert set(r.json()) == {"schema_version", "error"} and r.json()["error"].startswith(message), r.json()


def test_not_json_and_too_large_bodies(client):
    r = client.post("/v1/plan", content=b"{nope", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"] == "body: not valid JSON"
    r = client.post("/v1/plan", content=b"x" * 5000, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "larger than 4096 bytes" in r.json()["error"]


def test_tools_health_metrics_and_openapi(client):
    tools = client.get("/v1/tools").json()["tools"]
    assert tools and all(t["num_configs"] > 0 for t in tools)
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["nonembedding_params"] > 0 and health["llm_model"] == "tiny"
    client.post("/v1/plan", json={"task": "Caption this photo", "free_resources": FREE})
    text = client.get("/metrics").text
    assert 'tomas_requests_total{endpoint="/v1/plan",status="200"}' in text
    assert "tomas_batch_size_count" in text and "tomas_queue_depth" in text and "tomas_prompt_tokens_total" in text
    assert "/v1/plan/batch" in client.get("/openapi.json").json()["paths"]


# --- a real server process and the load test ---------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_load_test_against_a_real_server(planner_run, cli, spawn, tmp_path):
    """With an API key on: the load test sends it, and meets the same bars."""
    port, log, key = free_port(), tmp_path / "server.log", tmp_path / "key"
    key.write_text("load-test-key\n")
    server = spawn(["-m", "tomas.cli", "serve", "--planner_dir", str(planner_run.out), "--port", str(port),
                    "--device", "cpu", "--max_wait_ms", "10", "--graceful_s", "5", "--api_key_file", str(key)], log)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and server.poll() is None:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        report_path = tmp_path / "load.json"
        r = cli(["experiments/loadtest.py", "--url", f"http://127.0.0.1:{port}", "--requests_file",
                 str(planner_run.data / "test.jsonl"), "--requests", "40", "--clients", "4", "--max_seconds", "60",
                 "--bad_fraction", "0.25", "--peak_time", "0.1", "--output", str(report_path),
                 "--api_key", "load-test-key"], timeout=180)
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:] + log.read_text()[-2000:]
        report = json.loads(report_path.read_text())
        assert report["requests_sent"] == 40 and report["errors"] == 0
        malformed = sum(n for k, n in report["kinds"].items() if k != "valid")
        assert malformed > 0 and report["malformed_rejected_4xx"] == malformed
        assert report["latency_ms"]["p50"] <= report["latency_ms"]["p99"]
        assert report["compute"]["flops_per_request"] > 0 and 0 < report["compute"]["achieved_fraction"] < 1
    finally:
        server.send_signal(signal.SIGTERM)  # graceful shutdown: exit 0, no traceback
        server.wait(timeout=30)
    # uvicorn shuts down gracefully, then re-raises the signal it caught: killed by SIGTERM, no traceback.
    assert server.returncode in (0, -signal.SIGTERM), log.read_text()[-3000:]
    assert "Traceback" not in log.read_text() and "load-test-key" not in log.read_text()
    assert "API key required" in log.read_text() and '"POST /v1/plan" 200' in log.read_text()  # the access log


def _wait_for_port(server, port: int, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline and server.poll() is None:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command for a test certificate")
def test_https_with_a_certificate_and_the_key(planner_run, spawn, tmp_path):
    """`--ssl_certfile/--ssl_keyfile`: the service answers HTTPS with that certificate (a client trusting it
    verifies it), the key is still required, and plain HTTP on the port gets no plan."""
    import subprocess

    import httpx

    cert, private, key = tmp_path / "cert.pem", tmp_path / "key.pem", "tls-test-key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(private), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost"], check=True, capture_output=True)
    port, log = free_port(), tmp_path / "server.log"
    server = spawn(["-m", "tomas.cli", "serve", "--planner_dir", str(planner_run.out), "--port", str(port),
                    "--device", "cpu", "--graceful_s", "5", "--api_key", key, "--ssl_certfile", str(cert),
                    "--ssl_keyfile", str(private)], log)
    try:
        _wait_for_port(server, port)
        url = f"https://127.0.0.1:{port}"
        with httpx.Client(verify=str(cert), timeout=30) as c:
            assert c.get(f"{url}/healthz").status_code == 200
            assert c.get(f"{url}/v1/tools").status_code == 401
            tools = c.get(f"{url}/v1/tools", headers={"Authorization": f"Bearer {key}"})
            assert tools.status_code == 200 and tools.json()["tools"]
        with httpx.Client(timeout=30) as c, pytest.raises(httpx.HTTPError):  # the system's CAs do not know it
            c.get(f"{url}/healthz")
        with httpx.Client(timeout=10) as c, pytest.raises(httpx.HTTPError):  # no plain HTTP on a TLS port
            c.get(f"http://127.0.0.1:{port}/healthz")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert "https://127.0.0.1" in log.read_text() and key not in log.read_text()


def test_load_test_of_the_cli_one_process_per_request(planner_run, cli, tmp_path):
    """--cli: the same mix through `tomas plan --batch -`; every malformed line is refused (exit 2)."""
    report_path = tmp_path / "cli.json"
    r = cli(["experiments/loadtest.py", "--cli", str(planner_run.out), "--requests_file",
             str(planner_run.data / "test.jsonl"), "--requests", "8", "--clients", "2", "--bad_fraction", "0.5",
             "--seed", "1", "--output", str(report_path)],
            timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    report = json.loads(report_path.read_text())
    malformed = sum(n for k, n in report["kinds"].items() if k != "valid")
    assert report["requests_sent"] == 8 and report["errors"] == 0 and 0 < malformed < 8
    assert report["malformed_rejected_4xx"] == malformed and "compute" not in report


def test_load_test_refuses_other_hosts(cli):
    r = cli(["experiments/loadtest.py", "--url", "http://example.com:80"], timeout=60)
    assert r.returncode == 2 and "loopback" in r.stderr


def test_server_cli_and_python_api_give_the_same_plan(client, planner_run, cli):
    from tomas import Planner

    task = "Caption this photo for the website"
    served = client.post("/v1/plan", json={"task": task, "free_resources": FREE}).json()
    api = Planner.from_pretrained(str(planner_run.out), device="cpu").plan(task, FREE).to_dict()
    r = cli(["script/inference.py", task, *(x for k, v in FREE.items() for x in (f"--{k.replace('_', '-')}", str(v))),
             "--json", "--planner_dir", str(planner_run.out), "--device", "cpu"])
    assert r.returncode in (0, 3), r.stderr
    assert served == api == json.loads(r.stdout)


def test_every_way_in_emits_the_same_scheduler_block(client, planner_run, cli):
    """`emit` in the server's request, the API's `emit=` and `tomas plan --emit` give the same text, made of the
    planned configuration's numbers; the CLI prints it alone."""
    import yaml

    from tomas import Planner

    task, free = "Caption this photo for the website", {"cpu_cores": 8, "memory_gb": 16, "gpu_sm": 80,
                                                         "gpu_memory_gb": 8}
    served = client.post("/v1/plan", json={"task": task, "free_resources": free, "emit": "k8s",
                                           "gpu_total_sm": 132}).json()
    api = Planner.from_pretrained(str(planner_run.out), device="cpu").plan(task, free, emit="k8s", gpu_total_sm=132)
    r = cli(["script/inference.py", task, *(x for k, v in free.items() for x in (f"--{k}", str(v))), "--emit", "k8s",
             "--gpu_total_sm", "132", "--planner_dir", str(planner_run.out), "--device", "cpu"])
    assert served["emitted"] == api.emitted and api.to_dict() == served
    if served["config_id"] is None:
        assert r.returncode == 3 and r.stdout == "" and "nothing to run" in r.stderr
        return
    assert r.returncode == 0 and r.stdout == served["emitted"]
    limits = yaml.safe_load(r.stdout)["resources"]["limits"]
    assert limits["cpu"] == f"{served['cpu_cores']:g}" and limits["memory"] == f"{round(served['memory_gb'] * 1024)}Mi"
