"""The capacity arithmetic on known figures: it passes and fails where it should."""

import pytest

from harness.capacity.model import Plan, cpu_cores, plan_verdict, sustain_problems

PRD = Plan(
    overlay="prd",
    peak_rps=100,
    p95_limit_ms=300,
    cpu_request=0.25,
    cpu_limit=0.5,
    target_utilisation=0.5,
    min_replicas=2,
    max_replicas=6,
)


@pytest.mark.parametrize(("quantity", "cores"), [("250m", 0.25), ("0.5", 0.5), (1, 1.0), ("2", 2)])
def test_cpu_quantities(quantity, cores):
    assert cpu_cores(quantity) == cores


def test_a_peak_within_max_replicas_passes():
    # 100 req/s x 5 ms = 500m; 50% of 250m = 125m per pod; ceil(500 / 125) = 4 replicas.
    verdict = plan_verdict(PRD, 0.005)
    assert verdict.replicas_wanted == 4
    assert verdict.replicas == 4
    assert verdict.per_pod_rps == 25
    assert verdict.problems == []
    assert "replicas the HPA wants: ceil(500m / 125m) = 4" in "\n".join(verdict.lines)


def test_min_replicas_is_a_floor():
    verdict = plan_verdict(PRD, 0.0005)
    assert verdict.replicas_wanted == 1
    assert verdict.replicas == 2
    assert verdict.per_pod_rps == 50


def test_a_peak_above_max_replicas_fails_and_says_so():
    # 100 req/s x 10 ms = 1000m; ceil(1000 / 125) = 8 > 6.
    verdict = plan_verdict(PRD, 0.010)
    assert verdict.replicas_wanted == 8
    assert verdict.replicas == 6
    assert verdict.problems == [
        "maxReplicas (6) is too low for the declared peak of 100 req/s: the HPA would want 8 "
        "replicas; raise maxReplicas to at least 8, or give each pod more CPU request"
    ]


def test_a_pod_needing_more_than_its_limit_fails():
    verdict = plan_verdict(PRD, 0.040)  # 100 x 40 ms = 4 cores over 6 pods: 667m each
    assert any("above its 500m limit" in problem for problem in verdict.problems)


def test_sustain_problems():
    assert sustain_problems(PRD, 25, 24.9, 40.0, 0) == []
    assert sustain_problems(PRD, 25, 20.0, 40.0, 0) == [
        "one pod at its 500m CPU limit served 20.0 req/s, short of its share of 25.0 req/s"
    ]
    assert sustain_problems(PRD, 25, 25, 450.0, 0) == [
        "p95 latency 450.0 ms at 25.0 req/s on one pod exceeds the 300 ms limit"
    ]
    assert sustain_problems(PRD, 25, 25, 40.0, 3) == [
        "3 request(s) failed while one pod carried 25.0 req/s"
    ]


def test_rounds_decide_by_their_median_and_state_their_spread():
    from harness.capacity.model import Rounds, rounds_verdict

    plan = PRD
    steady = Rounds((0.0011, 0.00105, 0.0012, 0.00108, 0.00111))
    assert steady.median == 0.0011
    verdict, notes = rounds_verdict(plan, steady)
    assert verdict == plan_verdict(plan, 0.0011)
    assert "median 1.10 ms, spread 1.05 to 1.20 ms (14% of the median)" in notes[1]
    # Two disturbed rounds of five (a busy machine) do not move the verdict.
    busy = Rounds((0.0011, 0.0034, 0.00105, 0.0031, 0.00111))
    busy_verdict = rounds_verdict(plan, busy)[0]
    assert (busy_verdict.replicas, busy_verdict.problems) == (verdict.replicas, verdict.problems)
    assert "at the slowest round the HPA would want" in rounds_verdict(plan, busy)[1][-1]
    assert Rounds((0.001, 0.003)).median == 0.002
    with pytest.raises(ValueError, match="positive"):
        Rounds(())
