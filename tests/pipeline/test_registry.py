"""The gate registry (harness/gates.py) and everything that repeats it agree, and each check of
that agreement fails on a deliberately broken copy."""

import pytest

from harness import gates
from harness.common.paths import ROOT
from harness.pipeline import agreement


def holds(problems: list[str]) -> None:
    assert not problems, "\n".join(["the gates disagree with harness/gates.py:", *problems])


@pytest.mark.parametrize("name", sorted(agreement.ALL))
def test_the_checkout_agrees_with_the_registry(name):
    holds(agreement.ALL[name](ROOT))


def test_readme_gates_table_is_the_registrys():
    holds(agreement.check_docs_table(ROOT / "README.md"))


def test_every_gate_for_ci_runs_in_ci():
    ran = set(gates.default_envs()) | set(gates.ci_envs())
    for g, v in gates.envs():
        if g.ci and (v is None or v.ci):
            assert g.env(v) in ran, f"{g.env(v)} is marked for CI but .ci/run would not run it"
    for g in gates.GATES:
        if not g.ci:
            assert g.not_in_ci, f"gate {g.name} is not in CI and does not say why"


def test_registry_is_consistent():
    for g in gates.GATES:
        assert g.stage in (None, *gates.STAGES), g.name
        assert g.stage or g.ci, f"{g.name}: neither a pipeline stage nor .ci/run runs it"
        assert set(g.needs) <= set(gates.PARTS), g.name
        for v in g.variants:
            assert v.stage in (None, *gates.STAGES), g.env(v)
    assert gates.gate_of("unit-postgresql") == "unit"
    assert gates.gate_of("hpa-selftest") == "hpa-selftest"
    assert gates.gate_of("lint-hadolint") == "lint"
    with pytest.raises(KeyError, match="is not a gate"):
        gates.gate("nope")


def test_the_gates_command_prints_what_ci_needs(capsys):
    assert gates.main(["ci-envs"]) == 0
    assert capsys.readouterr().out.split() == gates.ci_envs()
    assert gates.main([]) == 0
    assert capsys.readouterr().out == gates.table()
    assert gates.main(["packages"]) == 0
    capsys.readouterr()


def test_a_gate_missing_from_tox_ini(copy):
    copy.replace("tox.ini", "[testenv:reliability]", "[testenv:reliable]")
    found = agreement.check_tox_envs(copy.root)
    assert "gate 'reliability' (harness/gates.py) has no [testenv:reliability] in tox.ini" in found
    assert any("'reliable' is neither a gate nor a tool" in p for p in found)


def test_a_default_gate_left_out_of_env_list(copy):
    copy.replace(
        "tox.ini",
        "env_list = lint, unit, contract, smoke, harness, coverage",
        "env_list = lint, unit, coverage",
    )
    found = agreement.check_tox_envs(copy.root)
    assert any("tox.ini env_list is ['lint', 'unit', 'coverage']" in p for p in found), found


def test_a_gate_that_runs_another_folder(copy):
    copy.replace(
        "tox.ini", "coverage run -m pytest tests/manifests", "coverage run -m pytest tests/smoke"
    )
    found = agreement.check_tox_commands(copy.root)
    assert "tox env 'manifests' does not run tests/manifests (harness/gates.py)" in found


def test_a_tests_folder_no_gate_runs(copy):
    (copy.root / "tests" / "orphan").mkdir(parents=True)
    (copy.root / "tests" / "orphan" / "test_x.py").write_text("def test_x(): pass\n")
    found = agreement.check_tests_folders(copy.root)
    assert "tests/orphan/ holds tests but no gate of harness/gates.py runs it" in found


def test_ci_run_that_hard_codes_its_gates(copy):
    copy.replace(".ci/run", "$(python3 -m harness.gates ci-envs)", "manifests pipeline")
    found = agreement.check_ci_run(copy.root)
    assert ".ci/run does not run the registry's CI envs (`harness.gates ci-envs`)" in found


def test_a_docs_table_out_of_date(copy):
    readme = copy.root / "README.md"
    text = (ROOT / "README.md").read_text()
    readme.write_text(text.replace("| `lint` |", "| `lint2` |", 1))
    assert "differs from harness/gates.py" in agreement.check_docs_table(readme)[0]
    readme.write_text("no table here\n")
    assert "has no gates table" in agreement.check_docs_table(readme)[0]


def test_ci_run_without_the_pipeline_rehearsal(copy):
    copy.replace(".ci/run", "python3 toxw -e rehearse -- --here --reuse\n", "true\n")
    found = agreement.check_ci_run(copy.root)
    assert ".ci/run does not run the pipeline rehearsal (--here --reuse)" in found
