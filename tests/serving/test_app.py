"""The HTTP app's guards, in process on a stand-in planner (no model): body limits on the bytes read, the API
key, one error shape for every status, typed OpenAPI errors, bounded metric labels, an offline docs page,
an access log line without bodies or keys."""

from __future__ import annotations

import json
import logging
import socket

import pytest
from fastapi.testclient import TestClient

from tomas.config import parse_config
from tomas.config.commands import ServeArgs, ServeSettings
from tomas.errors import TomasError
from tomas.plans import Plan
from tomas.serving import security
from tomas.serving.app import create_app

FREE = {"cpu_cores": 4, "memory_gb": 8, "gpu_sm": 20, "gpu_memory_gb": 4}
KEY = "s3cret-key-for-tests"


class StandIn:
    """What the app needs of a planner: plans echo the request."""

    def plan(self, requests, batch_size=8):
        return [Plan(task=r["task"], free_resources=r["free_resources"], latency_budget_ms=None, feasible=False,
                     tool="x", input_size=None, config_id=None, id=r.get("id")) for r in requests]

    def prompt_tokens(self, plans):
        return sum(len(p.task.split()) for p in plans)

    def tools_summary(self):
        return [{"name": "x", "num_configs": 1, "input_sizes": ["small"]}]

    def model_summary(self):
        return {"llm_model": "stand-in"}


@pytest.fixture()
def client():
    with TestClient(create_app(StandIn(), ServeSettings(max_body_bytes=1000))) as c:
        yield c


@pytest.fixture()
def keyed():
    with TestClient(create_app(StandIn(), ServeSettings(), api_key=KEY)) as c:
        yield c


def _error(r, status: int) -> str:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"schema_version", "error"} and body["schema_version"] == 1 and "\n" not in body["error"]
    return body["error"]


def test_a_chunked_body_over_the_limit_is_refused_on_the_bytes_read(client):
    def chunks():
        yield b'{"task": "'
        for _ in range(50):
            yield b"x" * 100  # 5000 bytes, no Content-Length
        yield b'", "free_resources": {}}'

    assert "larger than 1000 bytes" in _error(client.post("/v1/plan", content=chunks()), 413)
    body = json.dumps({"task": "hi", "free_resources": FREE}).encode()
    small = client.post("/v1/plan", content=iter([body[:10], body[10:]]), headers={"content-type": "application/json"})
    assert small.status_code == 200 and small.json()["task"] == "hi"  # a body within the limit arrives whole


def test_an_announced_body_over_the_limit_is_refused_before_reading(client):
    assert "larger than" in _error(client.post("/v1/plan", json={"task": "x" * 2000, "free_resources": FREE}), 413)


def test_infinite_numbers_are_refused(client):
    body = b'{"task": "x", "free_resources": {"cpu_cores": 1e400, "memory_gb": 1, "gpu_sm": 1, "gpu_memory_gb": 1}}'
    r = client.post("/v1/plan", content=body, headers={"content-type": "application/json"})
    assert _error(r, 422).startswith("field free_resources.cpu_cores:")


def test_every_status_has_the_one_error_shape(client):
    assert _error(client.get("/no/such/thing"), 404) == "no such endpoint: /no/such/thing"
    assert _error(client.get("/v1/plan"), 405) == "method GET not allowed on /v1/plan"
    assert _error(client.post("/v1/plan", json={"task": "x"}), 422).startswith("field free_resources:")


def test_metrics_label_routes_not_raw_paths(client):
    for i in range(5):
        client.get(f"/random/{i}")
    client.post("/v1/plan", json={"task": "x", "free_resources": FREE})
    text = client.get("/metrics").text
    assert 'endpoint="unmatched",status="404"} 5.0' in text and 'endpoint="/v1/plan",status="200"} 1.0' in text
    assert "/random/" not in text


def test_openapi_types_every_error_with_the_error_shape(client):
    schema = client.get("/openapi.json").json()
    plan = schema["paths"]["/v1/plan"]["post"]["responses"]
    assert {"200", "401", "413", "422", "503"} <= set(plan)
    for status in ("401", "413", "422", "503"):
        assert plan[status]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert set(schema["components"]["schemas"]["ErrorBody"]["properties"]) == {"schema_version", "error"}


def test_the_docs_page_needs_nothing_from_the_internet(client):
    r = client.get("/docs")
    assert r.status_code == 200 and "/v1/plan" in r.text and "/openapi.json" in r.text
    assert "<script" not in r.text and "http" not in r.text.split("</title>", 1)[1].replace("/openapi.json", "")


def test_an_access_line_per_request_without_body_or_key(keyed, caplog):
    with caplog.at_level(logging.INFO, logger="tomas.serve.access"):
        keyed.post("/v1/plan", json={"task": "very private words", "free_resources": FREE},
                   headers={"Authorization": f"Bearer {KEY}"})
    (line,) = [r.getMessage() for r in caplog.records if r.name == "tomas.serve.access"]
    assert '"POST /v1/plan" 200' in line and "private" not in line and KEY not in line


def test_without_the_key_everything_but_healthz_is_401(keyed):
    assert keyed.get("/healthz").status_code == 200
    for method, path in (("post", "/v1/plan"), ("post", "/v1/plan/batch"), ("get", "/v1/tools"), ("get", "/metrics"),
                         ("get", "/docs"), ("get", "/openapi.json"), ("get", "/nowhere")):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}):
            r = getattr(keyed, method)(path, headers=headers)
            assert KEY not in _error(r, 401) and r.headers["www-authenticate"] == "Bearer", (path, headers)
    ok = keyed.post("/v1/plan", json={"task": "x", "free_resources": FREE}, headers={"Authorization": f"Bearer {KEY}"})
    assert ok.status_code == 200


def _args(*argv):
    return parse_config(ServeArgs, list(argv))[0]


def test_the_key_comes_from_flag_file_or_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(security.KEY_ENV, raising=False)
    assert security.api_key(_args()) is None
    monkeypatch.setenv(security.KEY_ENV, "from-env")
    assert security.api_key(_args()) == "from-env"
    (tmp_path / "key").write_text("from-file\n")
    assert security.api_key(_args("--api_key_file", str(tmp_path / "key"))) == "from-file"
    assert security.api_key(_args("--api_key", "from-flag")) == "from-flag"
    with pytest.raises(TomasError, match="no such file"):
        security.api_key(_args("--api_key_file", str(tmp_path / "none")))


def test_serving_other_machines_needs_a_key_or_insecure(tmp_path):
    with pytest.raises(TomasError, match="give an API key"):
        security.check_security(_args("--host", "0.0.0.0"), None)
    security.check_security(_args("--host", "0.0.0.0"), KEY)
    security.check_security(_args("--host", "0.0.0.0", "--insecure"), None)
    security.check_security(_args("--host", "::1"), None)
    with pytest.raises(TomasError, match="go together"):
        security.check_security(_args("--ssl_certfile", str(tmp_path / "c.pem")), KEY)
    with pytest.raises(TomasError, match="no such file"):
        security.check_security(_args("--ssl_certfile", str(tmp_path / "c.pem"), "--ssl_keyfile", "k.pem"), KEY)


def test_a_taken_port_is_one_line_before_anything_says_serving():
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        with pytest.raises(TomasError, match=r"--port \d+: cannot listen there"):
            security.bind("127.0.0.1", taken.getsockname()[1])
    finally:
        taken.close()
