"""Cellar (tests/fixtures/cellar/): a third yes/no pack written from README's "Adding a
domain" alone, on the Wine recognition data scikit-learn ships (178 lots, sorted by class).
What a new team trips over when its pack differs from the shipped ones: its own override
reason codes, a small data set, a note field without contact fields."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

import assistant.domains as domains
from assistant.service import DocketService
from evals.runner import run
from events.errors import DocketError
from tests.cli.test_cli import Docket, assert_clear_error, docket  # noqa: F401 - fixture
from tests.fixtures.cellar import WineLot
from tests.fixtures.cellar import make_pack as make_cellar
from tests.packs.conftest import deploy_models, trained_artifacts
from tests.people import People


@pytest.fixture(autouse=True)
def cellar_pack(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Installed as a separate distribution would be; gone again after the test."""
    monkeypatch.setitem(domains._registered, "cellar", make_cellar)
    yield
    domains._cache.pop("cellar", None)


@pytest.fixture
def evals_service(tmp_path: Path) -> Iterator[DocketService]:
    """A store with the cellar models deployed, opened as the eval runner's component."""
    people = People(str(tmp_path / "store.sqlite"), tmp_path / "data")
    service = DocketService.open(str(tmp_path / "store.sqlite"),
                                 keys=[people.key("docket/evals", "system")], role="system",
                                 data_dir=tmp_path / "data")
    deploy_models(service, "cellar", list(trained_artifacts("cellar")))
    yield service
    service.close()
    people.close()


def test_the_replay_suite_overrides_with_a_code_the_pack_declares(
    evals_service: DocketService, tmp_path: Path,
) -> None:
    """Cellar declares its own reason codes (no `missing_information`): the replay suite
    used to override with credit's code and end in ERROR."""
    result = run(["replay"], service=evals_service, domain="cellar",
                 baseline_path=tmp_path / "cellar.json", record=False)
    replay = {r.suite: r for r in result.results}["replay"]
    assert replay.status == "ok", replay.error
    assert replay.metric("read_model_differences").value == 0.0  # type: ignore[union-attr]

    # No baseline yet: the report says "not judged" where the terminal does, never "failed".
    from evals.report import markdown, summary_lines

    assert "replay (" in "\n".join(summary_lines(result))
    report = markdown(result)
    assert "| replay | not judged |" in report, report
    assert "## replay: not judged" in report
    assert "| replay | failed |" not in report and "## replay: failed" not in report


def test_the_selective_labels_simulator_runs_on_a_data_set_smaller_than_its_first_year(
    evals_service: DocketService,
) -> None:
    """178 lots: the simulator used to train on the first 300 rows whatever the data set's
    size, leaving no case to decide (ValueError: Found array with 0 sample(s))."""
    view = evals_service.simulate_selective_labels("cellar", [0], None)
    assert view.repeats == 1
    decided = view.rows[0][-1]  # the cases the loop decided, after the first year's rows
    assert 0 < decided < 178
    # Cellar declares no reveals: every lot's outcome shows, whatever the action, so IPS is
    # there and covers the truth (it was 'not supported', coverage 0.0: the loop took
    # 'blend' alone to reveal).
    assert view.revealing == ("blend", "set_aside")
    assert view.rows[0][-2] == decided and view.ips_coverage == 1.0


def test_the_redteam_suite_runs_on_a_pack_with_a_note_and_no_contact_fields(
    evals_service: DocketService, tmp_path: Path,
) -> None:
    """Cellar takes a clerk note (ingest flags an injection in it) but no contact fields:
    the suite used to be skipped saying the pack 'takes no free-text note'."""
    result = run(["redteam"], service=evals_service, domain="cellar",
                 baseline_path=tmp_path / "cellar.json", record=False)
    redteam = {r.suite: r for r in result.results}["redteam"]
    assert redteam.status != "skipped", redteam.error
    assert redteam.status != "error", redteam.error
    assert redteam.metric("injection_recall.tuning").value >= 0.97  # type: ignore[union-attr]
    assert redteam.metric("personal_data_leak_rate").value == 0.0  # type: ignore[union-attr]


# --- mistakes a new team makes in its declaration: one sentence naming the field -----------


def broken_factory() -> object:
    raise ValueError("the cellar master's spreadsheet is missing")


def test_a_pack_whose_factory_fails_is_named_in_one_sentence(
    docket: Docket, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    """`docket domains` used to end in the factory's traceback, hiding every other pack."""
    docket.key_file()  # enrolled while the pack still builds
    monkeypatch.setitem(domains._registered, "cellar", broken_factory)
    domains._cache.pop("cellar", None)
    with pytest.raises(DocketError, match=r"pack 'cellar' could not be built: ValueError: "
                                          r"the cellar master's spreadsheet is missing"):
        domains.get_pack("cellar")
    listed = docket("domains")
    assert_clear_error(listed, "pack 'cellar' could not be built", "spreadsheet is missing")


def test_features_and_protected_fields_must_be_fields_of_the_schema() -> None:
    pack = make_cellar()
    with pytest.raises(DocketError, match=r"pack 'cellar': numeric: 'acidity' is not a field "
                                          r"of its input_model WineLot"):
        dataclasses.replace(pack, numeric=(*pack.numeric, "acidity"))
    with pytest.raises(DocketError, match=r"protected: 'grower' is not a field"):
        dataclasses.replace(pack, protected=("grower",))


class NotedLot(WineLot):
    clerk_note: str | None = None


def test_the_note_field_is_declared_by_name_and_kept_out_of_the_schema() -> None:
    """A note in the schema was required in every row of the data file: training said
    `[FieldProblem(field='clerk_note', problem='missing: a value is required')]`."""
    with pytest.raises(DocketError, match=r"pack 'cellar': note_field 'clerk_note' is also a "
                                          r"field of its input_model NotedLot"):
        dataclasses.replace(make_cellar(), input_model=NotedLot)


def test_a_data_file_without_the_label_column_is_refused_naming_it(tmp_path: Path) -> None:
    pack = make_cellar()
    moved = dataclasses.replace(pack, label_field="cultivar")
    with pytest.raises(DocketError) as refused:
        moved.load_dataset()
    message = str(refused.value)
    assert "has no column 'cultivar' (the pack's label_field" in message
    assert "FieldProblem" not in message


def test_a_bad_row_of_the_data_file_names_its_line_and_field_in_words(tmp_path: Path) -> None:
    text = make_cellar().data_path.read_text().replace("14.23,1.71", "99,1.71", 1)
    data = tmp_path / "wine_lots.csv"
    data.write_text(text)
    import hashlib
    pack = dataclasses.replace(make_cellar(), data_path=data,
                               data_sha256=hashlib.sha256(data.read_bytes()).hexdigest())
    with pytest.raises(DocketError) as refused:
        pack.load_dataset()
    message = str(refused.value)
    assert "line 2 is invalid: alcohol: " in message, message
    assert "FieldProblem" not in message


def test_the_docket_command_finds_a_pack_through_a_dist_info_folder_on_pythonpath(
    tmp_path: Path,
) -> None:
    """README's way to try a pack with the `docket` command without installing anything."""
    import os
    import subprocess
    import sys

    info = tmp_path / "site" / "my_packs-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: my-packs\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[docket.domains]\ncellar = tests.fixtures.cellar:make_pack\n")
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": f"{repo}{os.pathsep}{tmp_path / 'site'}",
           "DOCKET_DATA_DIR": str(tmp_path / "data")}
    env.pop("DOCKET_STORE", None)
    listed = subprocess.run(
        [sys.executable, "-m", "cli.main", "--store", str(tmp_path / "s.sqlite"), "domains"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert "cellar" in listed.stdout
    assert "roles: owner cellar_master, operator intake_clerk" in listed.stdout


def test_docket_domains_on_a_path_with_no_store_lists_the_packs_and_creates_nothing(
    docket: Docket,  # noqa: F811
) -> None:
    """A new team checks its pack is installed before any store exists: `docket domains`
    used to create an empty store (and its read-model file) where none was."""
    from cli.main import cli

    store = docket.data.parent / "nowhere" / "team.sqlite"
    listed = docket.runner.invoke(cli, ["--store", str(store), "domains"])
    assert listed.exit_code == 0, listed.output
    assert f"cellar  (no store at {store} yet)" in listed.stdout
    assert "roles: owner cellar_master" in listed.stdout
    assert not store.exists() and not store.parent.exists()


def test_retrain_judges_a_new_packs_versions_against_its_own_baseline_file(
    evals_service: DocketService,
) -> None:
    """`docket retrain cellar` printed 'judged against evals/baselines/cellar.json', then
    'evals/baseline.json holds the credit baseline, not cellar's: judge cellar against its
    own' (no command to run), and called a suite that cannot apply 'not judged'."""
    from evals.models import evaluate_versions, verdict_line

    champion = next(m.version for m in evals_service.models("cellar")
                    if m.status == "champion")
    result = evaluate_versions(evals_service, "cellar", [champion], suites=("fairness",))[champion]
    problem = result.baseline_problem or ""
    assert "credit" not in problem, problem
    assert "cellar has no eval baseline yet" in problem
    assert "--update-baseline" in problem
    assert verdict_line(champion, result) == f"{champion}: fairness skipped"


def test_docket_models_with_none_registered_names_the_packs_train_command(
    docket: Docket,  # noqa: F811
) -> None:
    """It said `run docket train credit` on a store of another pack."""
    listed = docket("models", "--domain", "cellar")
    assert listed.exit_code == 0, listed.output
    assert "no models registered: run `docket train cellar`" in listed.stdout


def test_a_drift_alert_over_every_case_reads_as_english() -> None:
    """`docket monitor` on 40 lots said 'Feature color_intensity drifted over the all 40
    cases'."""
    from assistant.monitoring.health import over

    assert over("all 40 cases") == "over all 40 cases"
    assert over("last 100 cases") == "over the last 100 cases"


def test_reading_a_store_the_default_key_is_not_enrolled_in_needs_no_key(
    docket: Docket,  # noqa: F811
) -> None:
    """README: reading needs no key. A team member whose data directory's default key was
    made for another store (`docket keys init` there) was refused `docket cases` and
    `docket status` on the team's store: 'key ... is not enrolled in this store'."""
    from cli.main import cli

    assert docket("status").exit_code == 0  # the team's store, with ana's key
    other = docket.data.parent / "mine.sqlite"
    made = docket.runner.invoke(cli, ["--store", str(other), "keys", "init", "--person", "zoe"])
    assert made.exit_code == 0, made.output
    for command in (["cases"], ["status"], ["domains"], ["policy", "--domain", "cellar"]):
        read = docket.runner.invoke(cli, ["--store", str(docket.store), *command])
        assert read.exit_code == 0, (command, read.output)
        assert "not enrolled in this store (or was revoked); reading without a key" in read.stderr
    # Recording still needs an enrolled key, and an explicit --key is never set aside.
    decided = docket.runner.invoke(cli, ["--store", str(docket.store), "decide", "x",
                                         "--accept"])
    assert_clear_error(decided, "not enrolled in this store")
    explicit = docket.runner.invoke(cli, ["--store", str(docket.store), "--key",
                                          str(docket.data / "keys" / "default.key"), "cases"])
    assert_clear_error(explicit, "not enrolled in this store")


def test_enrolling_a_key_in_a_role_no_pack_declares_is_refused_naming_the_roles(
    docket: Docket,  # noqa: F811
) -> None:
    """A typo ('oenologst') enrolled a key that could do nothing, silently."""
    refused = docket("keys", "enrol", "vera", "--role", "oenologst", "--public-key", "ab" * 32,
                     role="admin", operator="root")
    message = assert_clear_error(refused, "role", "'oenologst'", "oenologist", "cellar_master")
    assert "credit" not in message.split("roles:")[0]
    listed = docket("keys", "list", role="admin", operator="root")
    assert "vera" not in listed.stdout
    enrolled = docket("keys", "enrol", "vera", "--role", "oenologist", "--public-key", "ab" * 32,
                      role="admin", operator="root")
    assert enrolled.exit_code == 0, enrolled.output


def discard_everything(row: object) -> tuple[str, str, tuple[str, ...]]:
    return "discard", "typo", ("an action the pack never declared",)


def test_baseline_rules_returning_an_undeclared_action_are_refused_naming_it(
    docket: Docket, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,  # noqa: F811
) -> None:
    """With no model yet the baseline rules decide: a rule returning 'discard' (no such
    action) opened every lot recommending it, and `decide --accept` recorded 'discard'."""
    pack = dataclasses.replace(make_cellar(), baseline_rules=discard_everything)
    with pytest.raises(DocketError, match=r"pack 'cellar': baseline_rules returned action "
                                          r"'discard', which is not one of its actions"):
        pack.baseline(pack.load_dataset().rows[0])
    monkeypatch.setitem(domains._registered, "cellar", lambda: pack)
    domains._cache.pop("cellar", None)
    rows = make_cellar().load_dataset().rows[:3]
    lots = tmp_path / "lots.csv"
    lots.write_text("case_ref," + ",".join(rows[0]) + "\n" + "".join(
        f"lot-{i}," + ",".join(str(v) for v in row.values()) + "\n" for i, row in enumerate(rows)))
    ingested = docket("ingest", str(lots), role="intake_clerk")
    assert_clear_error(ingested, "baseline_rules returned action 'discard'")
    listed = docket("cases", role="intake_clerk")
    assert "discard" not in listed.stdout


def test_a_data_path_that_does_not_exist_is_refused_naming_it(
    docket: Docket, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    """A path written relative to the working directory: `docket train` ended in a
    FileNotFoundError traceback."""
    pack = dataclasses.replace(make_cellar(), data_path=Path("data") / "wine_lots.csv")
    monkeypatch.setitem(domains._registered, "cellar", lambda: pack)
    domains._cache.pop("cellar", None)
    trained = docket("train", "cellar", role="lab_analyst")
    assert_clear_error(trained, "pack 'cellar'", "data_path", "data/wine_lots.csv",
                       "Path(__file__).parent")


def test_a_lexicon_entry_that_is_not_a_regular_expression_is_refused_naming_it() -> None:
    from assistant.domains import Words
    from guardrails.facts import Lexicon

    with pytest.raises(ValueError, match=r"words\.lexicon\.subjects: 'lots\?\(' is not a "
                                         r"regular expression"):
        Words(lexicon=Lexicon(subjects=("lots?(",)))
    with pytest.raises(ValueError, match=r"words\.lexicon\.action_forms: 'blend\[' is not"):
        Words(lexicon=Lexicon(action_forms=(("blend", "blend["),)))
