"""How a gate's own command prints its verdict: one FAIL line per problem, then the count;
exit status 1 when there is a problem."""


def report(gate: str, target, problems: list[str]) -> int:
    for problem in problems:
        print(f"FAIL {problem}")
    print(f"{gate} gate on {target}: {len(problems)} problem(s)")
    return 1 if problems else 0
