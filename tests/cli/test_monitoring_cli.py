"""`docket monitor` on the demo store: quiet before anything shifts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner

from assistant.views import Identity, QueueQuery
from cli.demo import seed_demo
from cli.main import cli
from tests.conftest import ServiceFactory
from tests.people import People


def test_the_demo_raises_no_alert_before_anything_shifts(open_service: ServiceFactory) -> None:
    service = open_service("docket/demo", "system")
    people = People.of(service.store_url, service.data_dir)
    for who in (("demo-history", "operator"), ("demo-risk-owner", "risk_owner"),
                ("rita", "risk_owner"), ("ana", "operator")):
        service.add_key(people.key(*who))  # the demo's past decisions, then ana
    seed_demo(service, cases=200, history=300)
    service.identity = Identity("ana", "operator")

    alerts = service.check_alerts("credit")

    assert alerts == [], [(a.kind, a.message) for a in alerts]
    report = service.drift("credit")
    assert report.prediction is not None  # the scores were compared, and found alike
    assert not report.prediction.drifted
    # A freshly seeded queue is current: nothing was recommended under an older policy.
    page = service.queue(QueueQuery(limit=200))
    assert len(page.rows) == 200
    assert not [r.case_ref for r in page.rows if "stale" in r.flags]


def test_a_review_and_a_sign_off_are_shown_by_docket_policy(tmp_path: Path) -> None:
    store = str(tmp_path / "store.sqlite")
    runner = CliRunner()

    people = People(store, tmp_path / "data")
    keys = {role: people.save("rita", role, tmp_path) for role in ("risk_owner", "operator")}

    def docket(*args: str, role: str = "risk_owner") -> Any:
        return runner.invoke(
            cli, ["--store", store, "--key", str(keys[role]), "--role", role, *args],
            env={"DOCKET_DATA_DIR": str(tmp_path / "data"), "DOCKET_KEY": None},
        )

    before = docket("policy", "--domain", "credit")
    assert before.exit_code == 0, before.output
    assert "UNSIGNED" in before.stdout
    assert "policy:" in docket("status").stdout  # status names the unsigned policy

    signed = docket("policy", "--domain", "credit", "sign-off", "--note", "costs confirmed")
    reviewed = docket(
        "policy", "--domain", "credit", "review", "--note", "reviewed with the owner, no change"
    )
    refused = docket("policy", "--domain", "credit", "sign-off", role="operator")
    after = docket("policy", "--domain", "credit").stdout

    assert signed.exit_code == 0 and reviewed.exit_code == 0, signed.output + reviewed.output
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "UNSIGNED" not in after
    assert "rita (risk_owner): signed off — costs confirmed" in after
    assert "rita (risk_owner): reviewed, no change — reviewed with the owner, no change" in after


def test_every_alert_kind_links_to_a_runbook_entry_in_the_readme() -> None:
    from assistant.usecases.reading import runbook

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    anchors = {
        "runbook-" + line.removeprefix("#### Runbook: ").strip().lower()
        for line in readme.splitlines()
        if line.startswith("#### Runbook: ")
    }
    kinds = ["outcome_quality", "feature_drift", "prediction_drift", "dataset_drift",
             "ood_rise", "override_spike", "policy_review_overdue", "fallback"]
    for kind in kinds:
        assert runbook(kind).split("#")[1] in anchors, kind


def test_a_feature_in_the_psi_significant_band_that_the_test_does_not_count_says_so() -> None:
    """Seen on a small pack: "0% of features drifted" above a feature labelled "PSI 0.31
    (significant)" read as a contradiction; the line now says which one the count follows."""
    from assistant.monitoring.drift import FeatureDrift
    from cli.monitoring import feature_line

    def feature(drifted: bool, p: float) -> FeatureDrift:
        return FeatureDrift("age", "numeric", 0.31, "significant", "ks", 0.2, p, 0.01, drifted,
                            30, 0, (), (), ())

    quiet, loud = feature(False, 0.2), feature(True, 0.0001)
    assert "not counted as drifted: within chance on 30 case(s)" in feature_line(quiet)
    assert "(significant band)" in feature_line(quiet)
    assert feature_line(loud).endswith(": drifted")


def test_commands_that_take_a_domain_argument_take_the_domain_option_too(tmp_path: Path) -> None:
    """README: commands that concern one domain take `--domain NAME` (or a `DOMAIN`
    argument). `docket quality --domain demand` used to fail with 'No such option'."""
    import click

    takes_argument = sorted(
        name for name, command in cli.commands.items()
        if any(isinstance(p, click.Argument) and p.name == "domain" for p in command.params))
    without_option = [
        name for name in takes_argument
        if not any("--domain" in p.opts for p in cli.commands[name].params)]
    # `sample DOMAIN KIND`: two positionals, so its DOMAIN stays positional only.
    assert without_option == ["sample"], without_option
    assert {"quality", "monitor", "figures", "train", "retrain"} <= set(takes_argument)

    store = str(tmp_path / "store.sqlite")
    people = People(store, tmp_path / "data")
    key = people.save("rita", "risk_owner", tmp_path)
    runner = CliRunner()

    def docket(*args: str) -> Any:
        return runner.invoke(cli, ["--store", store, "--key", str(key), *args],
                             env={"DOCKET_DATA_DIR": str(tmp_path / "data"), "DOCKET_KEY": None})

    by_option, by_argument = docket("quality", "--domain", "credit"), docket("quality", "credit")
    assert by_option.exit_code == 0, by_option.output
    assert by_option.stdout == by_argument.stdout
    clash = docket("quality", "credit", "--domain", "demand")
    assert clash.exit_code == 2 and "name two domains" in clash.output
    missing = docket("train")
    assert missing.exit_code == 2 and "--domain NAME" in missing.output
