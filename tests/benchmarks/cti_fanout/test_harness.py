"""The fan-out benchmarks' figures from the clients' report: delays by ipbx and in all."""

from array import array

from benchmarks.cti_fanout.harness import delivery_figures


def test_delays_are_given_by_ipbx_and_in_all() -> None:
    report = {
        "delays": array("d", [0.003, 0.010, 0.001, 0.002]).tobytes(),
        "delays_by_ipbx": {
            "a": array("d", [0.003, 0.001, 0.002]).tobytes(),
            "b": array("d", [0.010]).tobytes(),
        },
        "lines": 12,
        "client_lines": array("q", [6, 6]).tobytes(),
        "client_bytes": array("q", [300, 310]).tobytes(),
    }
    figures = delivery_figures(report, published=6, lateness=[0.0, 0.002])
    assert figures["by_ipbx"]["a"] == {"p50_ms": 2.0, "p99_ms": 3.0, "max_ms": 3.0}
    assert figures["by_ipbx"]["b"] == {"p50_ms": 10.0, "p99_ms": 10.0, "max_ms": 10.0}
    assert (figures["p50_ms"], figures["max_ms"], figures["sampled"]) == (3.0, 10.0, 4)
    assert figures["client_lines"] == [6, 6] and figures["client_bytes"] == [300, 310]
    assert figures["deliveries"] == 12 and figures["published"] == 6
    assert figures["lateness_p99_ms"] == 2.0
