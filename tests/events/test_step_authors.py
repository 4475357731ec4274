"""An ``Assessed`` event keeps its steps' authors in its head (issue 17): verify reads them
there without inflating anything, every reader puts them back into the steps (the same
logical state as before), and a row whose body disagrees with its head is refused, never
reconciled. Events written before (steps' authors in the body) read and verify as they did.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events import compression
from events.chain import verify
from events.compression import (
    HEADED_ZSTD,
    KNOWN_AUTHORS,
    STEP_AUTHORS,
    DocketCompressor,
    UnreadableState,
    _split,
    decompress,
    head_of,
    read_state,
    split_head,
    squeeze,
)
from events.domain import Case
from events.domain.case_steps import ASSESSED_TOPIC, authors, recommendation_step, score_step
from events.errors import DocketError
from events.readmodels import rebuild
from events.store import open_log
from tests.events.helpers import DECISION, SYSTEM, key_of, open_signed
from tests.events.test_contract import drop_triggers, raw_sql, rechain
from tests.stored import forge, plain


def steps(who: dict[str, str] = SYSTEM) -> list[dict[str, Any]]:
    """A champion's and a shadow's score and a recommendation, by ``who`` (the orchestrator)."""
    score = {"specialist": "logreg", "model_version": "m1", "model_sha256": "ab" * 32,
             "p_bad": 0.3, "attributions": {"age": -0.1}, "ood": False, "ood_score": 0.2,
             "latency_ms": 0.1}  # fmt: skip
    return [
        score_step(**score, **who),
        score_step(**{**score, "specialist": "gbt"}, shadow=True, **who),
        recommendation_step(action="decline", source="model", policy_id="credit",
                            policy_version=1, expected_costs={"approve": 1.5, "decline": 0.7},
                            reasons=["expected cost"], **who),  # fmt: skip
    ]


def assessed(ref: str, opener: tuple[str, str] = ("ana", "operator"),
             who: dict[str, str] = SYSTEM) -> Case:  # fmt: skip
    """A case opened by ``opener`` with its assessment by ``who``: one ``Assessed`` event."""
    return Case.open(domain="credit", case_ref=ref, input={"age": 40, "amount": 1200.5},
                     decision=dict(DECISION), actor=opener[0], role=opener[1],
                     steps=steps(who))  # fmt: skip


def stored_assessed(url: str) -> list[tuple[int, bytes]]:
    """The stored ``Assessed`` events ``(position, state)``, in log order."""
    rows = raw_sql(url, f"SELECT {{id}}, state FROM {{events}} WHERE topic = '{ASSESSED_TOPIC}' "
                        "ORDER BY {id}")  # fmt: skip
    return [(int(i), bytes(s)) for i, s in rows]


@pytest.fixture
def written_before(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], None]]:
    """``written_before()``: from then on states are written as Docket wrote them before
    heads named the steps' authors (those authors in the body's steps); undone after."""

    def before() -> None:
        monkeypatch.setattr(compression, "_step_table", lambda state, found: None)

    yield before


# --- the layout ------------------------------------------------------------------------------


def test_an_assessed_event_keeps_its_steps_authors_in_the_head(tmp_path: Path) -> None:
    url = str(tmp_path / "s.sqlite")
    log = open_signed(url)
    case = assessed("A-1")
    [event] = case.pending_events
    logical = {**json.loads(json.dumps(vars(event), default=str))}
    log.save(case)
    [(_, raw)] = stored_assessed(url)
    assert raw[:2] == bytes([HEADED_ZSTD, 0b11 | STEP_AUTHORS])
    head, body = _split(raw)
    assert head == {"actor": "ana", "role": "operator", "steps": [SYSTEM] * 3}
    # The orchestrator is one byte a step (a known author); the body's steps name no one.
    assert raw[: len(raw) - len(body)].endswith(bytes([0, 3, 0x80, 0x80, 0x80]))
    assert b'"actor"' not in compression.unsqueeze(body)
    # The event object was not changed by writing it (its steps still name their author).
    assert [s["actor"] for s in event.steps] == ["docket/orchestrator"] * 3
    # Every reader sees the same logical state: steps with their authors, where the step
    # builders put them (last).
    state = read_state(raw)
    assert state["steps"] == steps()
    assert list(state["steps"][0])[-2:] == ["actor", "role"]
    assert json.loads(decompress(raw)) == state
    assert {k: v for k, v in state.items() if k not in ("timestamp", "class_version")} == {
        k: v for k, v in logical.items()
        if k not in ("timestamp", "originator_id", "originator_version")
    }  # fmt: skip
    again = log.case(case.id)
    assert again.p_bad == 0.3 and again.recommendation == "decline"
    names = [(type(e).__name__, e.actor) for e in log.events_of(case.id)]
    assert names == [("Opened", "ana"), ("Scored", "docket/orchestrator"),
                     ("Scored", "docket/orchestrator"), ("Recommended", "docket/orchestrator")]
    assert verify(log).ok


def test_the_mapper_stores_the_bytes_pack_state_gives_and_reads_the_event_back() -> None:
    # The mapper splits the head off the event's fields (steps included) before encoding
    # them once; the stored bytes must be what compressing the whole state's JSON gives.
    from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, UUIDAsHex

    from events.encoding import DocketMapper, encode_plain

    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    mapper = DocketMapper(transcoder=transcoder, compressor=DocketCompressor())
    mixed = [*steps(), *steps({"actor": "Zoë Å", "role": "operator"})[:1]]
    case = Case.open(domain="credit", case_ref="M-1", input={"ä": 1.5e-05},
                     decision=dict(DECISION), actor="ana", role="operator",
                     steps=mixed)  # fmt: skip
    [event] = case.pending_events
    stored = mapper.to_stored_event(event)
    state = dict(vars(event))
    del state["originator_id"], state["originator_version"]
    if type(event).class_version > 1:  # as the library writes it
        state["class_version"] = type(event).class_version
    whole = encode_plain(state)
    assert whole is not None
    assert stored.state == compression.pack_state(whole)
    assert stored.state[1] & STEP_AUTHORS
    assert vars(mapper.to_domain_event(stored)) == vars(event)
    assert event.steps == mixed  # writing did not change the event


def test_authors_the_head_spells_out_and_their_indices() -> None:
    state: dict[str, Any] = {"actor": "ana", "role": "operator", "steps": [
        {"event": "Scored", "actor": "bob", "role": "senior"},
        {"event": "Scored", "actor": "ana", "role": "operator"},
        {"event": "Scored", "actor": "docket/explainer", "role": "system"},
        {"event": "Scored", "actor": "bob", "role": "senior"},
    ]}  # fmt: skip
    head = split_head(dict(state))
    assert head is not None
    # own (index 0), then one author of its own (1: bob), then the known explainer (0x81)
    assert head.endswith(bytes([1, 3]) + b"bob" + bytes([6]) + b"senior"
                         + bytes([4, 1, 0, 0x81, 1]))  # fmt: skip
    assert KNOWN_AUTHORS[1] == ("docket/explainer", "system")
    packed = DocketCompressor().compress(json.dumps(state).encode())
    assert read_state(packed) == state
    assert authors(head_of(packed) or {}) == [
        ("ana", "operator"), ("bob", "senior"), ("docket/explainer", "system")
    ]


def test_the_known_authors_never_change() -> None:
    # Stored heads name them by position: a new component is appended, nothing else.
    assert KNOWN_AUTHORS[:4] == (
        ("docket/orchestrator", "system"), ("docket/explainer", "system"),
        ("docket/monitor", "system"), ("docket/readmodels", "system"),
    )  # fmt: skip


def test_steps_that_do_not_all_name_their_author_stay_in_the_body() -> None:
    for odd in (
        [{"event": "Scored", "actor": "ana"}],  # no role
        [{"event": "Scored", "actor": 7, "role": "x"}],  # not a string
        [{"event": "Scored", "actor": "x" * 256, "role": "x"}],  # too long for a head
        ["Scored"],  # not an object
        [],
    ):
        state = {"actor": "ana", "role": "operator", "steps": odd}
        packed = DocketCompressor().compress(json.dumps(state).encode())
        assert packed[:2] == bytes([HEADED_ZSTD, 0b11])  # the head of before
        assert read_state(packed) == state
        assert head_of(packed) == {"actor": "ana", "role": "operator"}


_TEXT = st.text(max_size=12)
_AUTHOR = st.one_of(st.sampled_from(KNOWN_AUTHORS), st.tuples(_TEXT, _TEXT),
                    st.just(("ana", "operator")))  # fmt: skip
_STEP = st.builds(
    lambda name, fields, who: {"event": name, **fields, "actor": who[0], "role": who[1]},
    st.sampled_from(["Scored", "Forecast", "Recommended", "InputFlagged"]),
    st.dictionaries(st.sampled_from(["p_bad", "reason", "actor_note", "roles", "flags"]),
                    st.one_of(st.integers(-5, 5), _TEXT, st.lists(_TEXT, max_size=2))),
    _AUTHOR,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    own=st.one_of(st.just({"actor": "ana", "role": "operator"}), st.just({"actor": "ana"}),
                  st.fixed_dictionaries({"actor": _TEXT, "role": _TEXT})),
    found=st.lists(_STEP, max_size=6),
    rest=st.dictionaries(st.sampled_from(["case_ref", "note", "input"]), _TEXT),
)  # fmt: skip
def test_any_state_with_steps_round_trips(
    own: dict[str, str], found: list[dict[str, Any]], rest: dict[str, str]
) -> None:
    state = {**rest, "steps": found, **own}
    text = json.dumps(state).encode()
    packed = DocketCompressor().compress(text)
    assert read_state(packed) == state
    assert json.loads(decompress(packed)) == state
    head = head_of(packed)
    assert head is not None and authors(head) == authors(state)
    assert ("steps" in head) == bool(found)  # every step named its author: in the head


# --- hostile rows: the head and the body never disagree quietly ------------------------------


def _row(state: dict[str, Any], body: dict[str, Any]) -> bytes:
    """The head Docket writes for ``state``, beside ``body`` (a forger's)."""
    head = split_head(dict(state))
    assert head is not None and head[1] & STEP_AUTHORS
    return head + squeeze(orjson.dumps(body))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda b: b["steps"].append({"event": "Scored"}),
         "authors of 3 steps but its body holds 4 steps"),
        (lambda b: b["steps"].pop(), "authors of 3 steps but its body holds 2 steps"),
        (lambda b: b.pop("steps"), "authors of 3 steps but its body holds no steps"),
        (lambda b: b["steps"][1].update(actor="bob"), "names its own author beside the head"),
        (lambda b: b["steps"][2].update(role="senior"), "names its own author beside the head"),
        (lambda b: b["steps"].__setitem__(0, "Scored"), "is not a JSON object"),
    ],
)  # fmt: skip
def test_a_body_disagreeing_with_its_head_is_unreadable(
    edit: Callable[[dict[str, Any]], None], message: str
) -> None:
    state = {"case_ref": "A-1", "actor": "ana", "role": "operator", "steps": steps()}
    body = {"case_ref": "A-1", "steps": [{k: v for k, v in s.items() if k not in ("actor", "role")}
                                         for s in steps()]}  # fmt: skip
    assert read_state(_row(state, body)) == state  # as Docket writes it
    edit(body)
    forged = _row(state, body)
    with pytest.raises(UnreadableState, match=message):
        read_state(forged)
    with pytest.raises(UnreadableState, match=message):
        read_state(forged, step_authors=False)  # the fold's reading checks them all the same
    with pytest.raises(UnreadableState, match=message):
        decompress(forged)  # the mapper's reading (log.case, events_of, the audit)


def test_a_damaged_step_author_table_is_one_sentence() -> None:
    state = {"actor": "ana", "role": "operator", "steps": steps({"actor": "bob", "role": "senior"})}
    packed = DocketCompressor().compress(json.dumps(state).encode())
    head, body = _split(packed)
    at = len(packed) - len(body)
    assert packed[at - 3 : at] == bytes([1, 1, 1])  # bob, his own table entry
    for index in (2, 0x7F, 0x80 + len(KNOWN_AUTHORS), 0xFF):
        wrong = packed[: at - 1] + bytes([index]) + packed[at:]
        with pytest.raises(UnreadableState, match="a step author it does not hold"):
            head_of(wrong)
        with pytest.raises(UnreadableState, match="a step author it does not hold"):
            read_state(wrong)
    start = packed.index(b"bob")
    for cut in range(start - 1, at):
        with pytest.raises(UnreadableState, match="cut short"):
            head_of(packed[:cut])
    with pytest.raises(UnreadableState, match="not UTF-8"):
        head_of(packed[:start] + b"\xff" + packed[start + 1 :])


def test_a_damaged_head_of_components_steps_is_one_sentence_for_every_reader() -> None:
    """The heads Docket writes for nearly every case (the steps all the orchestrator's, read by
    a path of their own): any index naming no author, a head cut anywhere, a name that is
    not UTF-8 are refused as by the general path, by the fold's reading too."""
    state = {"actor": "ana", "role": "operator", "steps": steps()}
    packed = DocketCompressor().compress(json.dumps(state).encode())
    head, body = _split(packed)
    at = len(packed) - len(body)
    assert packed[at - 5 : at] == bytes([0, 3, 0x80, 0x80, 0x80])  # no table of its own
    for lean in (True, False):
        assert read_state(packed, step_authors=lean)["actor"] == "ana"
        for index in (1, 2, 0x7F, 0x80 + len(KNOWN_AUTHORS), 0xFF):
            wrong = packed[: at - 2] + bytes([index]) + packed[at - 1 :]
            with pytest.raises(UnreadableState, match="a step author it does not hold"):
                read_state(wrong, step_authors=lean)
        for cut in range(3, at):
            with pytest.raises(UnreadableState, match="cut short"):
                read_state(packed[:cut], step_authors=lean)
        with pytest.raises(UnreadableState, match="not UTF-8"):
            read_state(packed[:3] + b"\xff" + packed[4:], step_authors=lean)
        own = packed[: at - 3] + bytes([0, 0, 0]) + packed[at:]  # index 0: the event's author
        assert {(s["actor"], s["role"]) for s in read_state(own)["steps"]} == {("ana", "operator")}
        assert "actor" not in read_state(own, step_authors=False)["steps"][0]


def test_a_store_row_whose_body_disagrees_is_named_by_replay(tmp_path: Path) -> None:
    url = str(tmp_path / "s.sqlite")
    log = open_signed(url)
    log.save(assessed("A-1"), assessed("A-2"))
    [(first, raw), _] = stored_assessed(url)
    head, body = _split(raw)
    text = json.loads(compression.unsqueeze(body))
    text["steps"][0].update(actor="bob", role="senior")  # a second author, in the body
    forged = raw[: len(raw) - len(body)] + squeeze(orjson.dumps(text))
    drop_triggers(url)
    raw_sql(url, f"UPDATE {{events}} SET state = ? WHERE {{id}} = {first}", (forged,))
    report = verify(log)
    assert (report.ok, report.first_bad_position) == (False, first)
    with pytest.raises(DocketError, match="names its own author beside the head"):
        rebuild(log, tmp_path / "views.sqlite")


# --- verify ----------------------------------------------------------------------------------


def test_verify_reads_no_assessed_event_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = open_signed(str(tmp_path / "s.sqlite"))
    log.save(*(assessed(f"A-{i}") for i in range(5)))
    open_signed(str(tmp_path / "s.sqlite"), "bob").save(assessed("B-1", ("bob", "senior")))
    inflated: list[bytes] = []

    def refuse(inflater: Callable[[bytes], bytes]) -> Callable[[bytes], bytes]:
        def inflate(data: bytes) -> bytes:
            text = inflater(data)
            inflated.append(text)
            if b'"steps"' in text:
                raise AssertionError("verify inflated an Assessed event")
            return text

        return inflate

    monkeypatch.setattr(compression, "unsqueeze", refuse(compression.unsqueeze))
    monkeypatch.setattr(compression, "inflate", refuse(compression.inflate))
    report = verify(log)
    assert report.ok and report.checked == log.event_count()
    assert len(inflated) == 4  # the key ring's enrolments alone (ana, bob, sam, eve)


def test_assessed_events_written_before_still_verify(
    tmp_path: Path, written_before: Callable[[], None]
) -> None:
    url = str(tmp_path / "s.sqlite")
    log = open_signed(url)
    log.save(assessed("N-1"))
    written_before()
    log.save(assessed("O-1"), assessed("O-2", ("ana", "senior")))
    [new, *old] = stored_assessed(url)
    assert new[1][:2] == bytes([HEADED_ZSTD, 0b111])
    assert [raw[:2] for _, raw in old] == [bytes([HEADED_ZSTD, 0b11])] * 2  # as before
    assert b'"actor":"docket/orchestrator"' in plain(old[0][1])
    for _, raw in (new, *old):
        assert read_state(raw)["steps"] == steps()
    assert verify(log).ok
    views = rebuild(log, tmp_path / "views.sqlite")
    try:
        assert views.rows("SELECT count(*) AS n FROM cases")[0]["n"] == 3
    finally:
        views.close()


@pytest.mark.parametrize("layout", ["head", "body (before)"])
def test_an_insider_naming_another_step_author_is_caught_in_either_layout(
    store_url: str, layout: str, written_before: Callable[[], None]
) -> None:
    log = open_signed(store_url)
    log.save(assessed("A-1"))
    if layout != "head":
        written_before()
    bob = open_log(store_url)
    bob.signer = key_of("bob")  # bob's own, valid key: his case, scored "by ana"
    bob.save(assessed("B-1", ("bob", "senior"), {"actor": "ana", "role": "senior"}))
    [_, (position, raw)] = stored_assessed(store_url)
    head, body = _split(raw)
    if layout == "head":
        assert b"ana" in raw[: len(raw) - len(body)]  # the step's author is in the head
    else:
        assert "steps" not in head and b'"actor":"ana"' in plain(raw)
    report = verify(log)
    assert (report.ok, report.first_bad_position) == (False, position)
    assert "recorded as done by ana but signed by bob's key" in report.reason


@pytest.mark.parametrize("layout", ["head", "body (before)"])
def test_a_step_author_edited_in_the_store_fails_the_signature_in_either_layout(
    store_url: str, layout: str, written_before: Callable[[], None]
) -> None:
    if layout != "head":
        written_before()
    log = open_signed(store_url)
    log.save(assessed("A-1"))
    log.save(assessed("A-2"))
    [(position, raw), _] = stored_assessed(store_url)
    # The orchestrator's first score becomes bob's (a role he holds), with Docket's own code.
    forged = forge(raw, (b'"actor":"docket/orchestrator","role":"system"}',
                         b'"actor":"bob","role":"senior"}'))  # fmt: skip
    assert authors(read_state(forged))[1] == ("bob", "senior")
    assert (head_of(forged) or {}).get("steps", [None])[0] == (
        {"actor": "bob", "role": "senior"} if layout == "head" else None
    )
    drop_triggers(store_url)
    raw_sql(store_url, f"UPDATE {{events}} SET state = ? WHERE {{id}} = {position}", (forged,))
    rechain(log, store_url)  # the chain recomputed from there on, as the code does
    report = verify(log)
    assert (report.ok, report.first_bad_position) == (False, position)
    assert "does not match ana's key: the events were forged or altered" in report.reason
