"""The Spark engine's refusals that need no Spark: addresses, an absent server, an absent Java.
(Its queries are checked against DuckDB's in tests/engines, on local Spark.)"""

from __future__ import annotations

import socket
import time

import pytest

from lib.errors import EngineError
from lib.store import engines
from lib.store.engines import connect_address, spark_session


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sc://spark.example.com:15002", ("spark.example.com", 15002)),
        ("sc://localhost", ("localhost", 15002)),
        ("sc://10.1.2.3:443/;token=abc;use_ssl=true", ("10.1.2.3", 443)),
    ],
)
def test_a_spark_connect_address_gives_its_host_and_port(url, expected):
    assert connect_address(url) == expected


@pytest.mark.parametrize("url", ["http://host:15002", "host:15002", "sc://", "sc://host:port"])
def test_an_address_that_is_not_spark_connect_is_refused_with_the_form_to_use(url):
    with pytest.raises(EngineError, match="sc://"):
        connect_address(url)


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_spark_connect_server_is_refused_at_once_naming_the_address():
    url = f"sc://127.0.0.1:{unused_port()}"
    started = time.perf_counter()
    with pytest.raises(EngineError, match="No Spark Connect server answers at sc://127.0.0.1"):
        with spark_session(remote=url):
            pass
    assert time.perf_counter() - started < engines.REACH_SECONDS


def test_local_spark_without_java_is_refused_saying_what_to_install(monkeypatch):
    monkeypatch.setattr(engines, "_java_found", lambda: False)
    with pytest.raises(EngineError, match="openjdk-17-jre-headless"):
        with spark_session("local[2]"):
            pass


def test_java_is_found_under_java_home_when_not_on_the_path(monkeypatch, tmp_path):
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "java").write_text("")
    monkeypatch.setenv("PATH", "")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    assert engines._java_found()
    monkeypatch.delenv("JAVA_HOME")
    assert not engines._java_found()
