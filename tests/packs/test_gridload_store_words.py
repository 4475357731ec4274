"""A pack registered from outside ``assistant/domains`` that ships ``data/store_words.json``
beside its module has its events compressed with those words, and a store written with them
stays readable in a later process that builds the pack only when first used; with the words
gone, reading such an event is refused in one sentence saying what to install."""

from __future__ import annotations

import importlib
import importlib.util
import json
import sqlite3
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import assistant.domains as domains
import events.compression as compression
from tests.cli.test_cli import Docket, assert_clear_error, docket  # noqa: F401 - fixture
from tests.packs.conftest import gridload_rows, register_gridload_model
from tests.packs.gridload import make_pack as plain_gridload

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_store_words.py"


@pytest.fixture
def worded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """gridload as a separate distribution that ships its store words beside its module."""
    package = tmp_path / "site" / "worded_gridload"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text(
        "from tests.packs.gridload import make_pack as _gridload\n\n\n"
        "def make_pack():\n    return _gridload()\n", encoding="utf-8")
    spec = importlib.util.spec_from_file_location("make_store_words", SCRIPT)
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    (package / "data" / "store_words.json").write_text(
        json.dumps(script.words_for("gridload")), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    module = importlib.import_module("worded_gridload")
    yield module
    sys.modules.pop("worded_gridload", None)


def forget(words_id: int) -> None:
    """As a later process without the pack's words registered yet."""
    compression.DICTIONARIES.pop(words_id, None)
    compression._CHOSEN[:] = [c for c in compression._CHOSEN
                              if zlib.adler32(c[1]) != words_id]
    compression._zstd.readers.pop(words_id, None)
    domains._words_read.clear()
    domains._quantity_cache.pop("gridload", None)


@pytest.mark.timeout(600)
def test_a_registered_packs_store_words_compress_its_events_and_stay_readable(
    docket: Docket, worded: ModuleType, tmp_path: Path,  # noqa: F811
) -> None:
    words = json.loads((Path(str(worded.__file__)).parent / "data" / "store_words.json")
                       .read_text(encoding="utf-8"))["words"].encode()
    words_id = zlib.adler32(compression.DICTIONARY + words)
    try:
        domains.register_pack("gridload", worded.make_pack)
        assert words_id in compression.DICTIONARIES  # registered with the pack
        with docket.service() as service:
            register_gridload_model(service)
            opened = service.ingest("gridload", [row for row, _ in gridload_rows(4)]).opened
        con = sqlite3.connect(docket.store)
        try:
            stored = [bytes(s) for (s,) in con.execute(
                "SELECT state FROM stored_events WHERE topic LIKE '%:Case.Assessed'")]
        finally:
            con.close()
        assert len(stored) == 4
        assert {compression.dictionary_of(s) for s in stored} == {words_id}
        audit = ["audit", opened[0], "--json"]

        # Later, the pack is installed but not built yet (an entry point is built only when
        # first used): reading its events finds its words beside its module all the same.
        forget(words_id)
        domains._registered["gridload"] = worded.make_pack
        read = docket(*audit, role="auditor", operator="ava")
        assert read.exit_code == 0, read.output

        # The words are gone (the pack uninstalled): one sentence, and nothing changes.
        forget(words_id)
        domains._registered["gridload"] = plain_gridload
        assert_clear_error(docket(*audit, role="auditor", operator="ava"),
                           f"dictionary {words_id:08x}", "install (or register) the domain pack")
        assert_clear_error(docket("verify", role="auditor", operator="ava"), "cannot be read",
                           f"dictionary {words_id:08x}")
        domains.register_pack("gridload", worded.make_pack)
        assert docket(*audit, role="auditor", operator="ava").exit_code == 0
    finally:
        domains._registered["gridload"] = plain_gridload


def test_a_malformed_store_words_file_is_refused_naming_it(worded: ModuleType) -> None:
    path = Path(str(worded.__file__)).parent / "data" / "store_words.json"
    path.write_text('{"marker": "\\"day_of_week\\""}', encoding="utf-8")
    with pytest.raises(domains.StoreWordsError, match="store_words.json is not a store words "
                                                      "file \\(no 'words' field\\)"):
        domains.register_pack("gridload-malformed", worded.make_pack)
    assert "gridload-malformed" not in domains.available_packs()
