"""Plain-payload events are encoded by orjson and read back exactly as the library's own
encoder would have them; anything else in such a state falls back to the library."""

from __future__ import annotations

import enum
import json
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import JSONTranscoder, Mapper

from events.chain import verify
from events.compression import decompress
from events.domain import Case
from events.encoding import DocketMapper, encode_plain
from tests.events.helpers import new_case, open_signed
from tests.events.test_contract import raw_sql


def _library() -> tuple[JSONTranscoder, Mapper[UUID]]:
    from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, UUIDAsHex

    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return transcoder, Mapper(transcoder=transcoder)


def _opened_case() -> Case:
    case = new_case(ref="enc-1")
    case.record_score(specialist="gbt", model_version="m-1", model_sha256="ab" * 32,
                      p_bad=1e-05, attributions={"age": -0.1, "amount": 2.5e16, "x": 0.0},
                      ood=False, ood_score=None, latency_ms=0.25, actor="docket/orchestrator",
                      role="system")  # fmt: skip
    return case


def test_plain_events_decode_to_what_the_library_encoder_wrote() -> None:
    transcoder, library = _library()
    ours = DocketMapper(transcoder=transcoder)
    for event in _opened_case().pending_events:
        assert getattr(type(event), "plain_payload", False)
        fast, slow = ours.to_stored_event(event), library.to_stored_event(event)
        assert (fast.originator_id, fast.originator_version, fast.topic) == (
            slow.originator_id, slow.originator_version, slow.topic)  # fmt: skip
        assert transcoder.decode(fast.state) == transcoder.decode(slow.state)
        assert vars(ours.to_domain_event(fast)) == vars(event)


class Colour(enum.Enum):
    RED = "red"


class Text(str):
    pass


@pytest.mark.parametrize(
    "odd",
    [
        UUID(int=7),
        Colour.RED,
        Text("a str subclass"),
        float("nan"),
        float("inf"),
        2**70,
        {"nested": 2**70},
        {3: "a number as key"},
    ],  # fmt: skip
)
def test_anything_but_plain_json_falls_back_to_the_library(odd: object) -> None:
    # orjson writes a UUID as a string, an Enum by value and NaN as null, silently: the
    # library wraps a UUID, refuses an Enum and writes NaN. Such states must not take the
    # fast path.
    state = {"timestamp": datetime(2026, 12, 3, tzinfo=UTC), "field": odd}
    assert encode_plain(state) is None


def test_a_fast_path_state_is_the_library_json(tmp_path: Path) -> None:
    url = str(tmp_path / "s.sqlite")
    log = open_signed(url)
    assert isinstance(log.mapper, DocketMapper)  # the store is opened with it
    case = _opened_case()
    log.save(case)
    states = [
        json.loads(decompress(bytes(r[0]))) for r in raw_sql(url, "SELECT state FROM {events}")
    ]
    scored = next(s for s in states if s.get("p_bad") == 1e-05)
    assert scored["timestamp"]["_type_"] == "datetime_iso"
    assert scored["attributions"] == {"age": -0.1, "amount": 2.5e16, "x": 0.0}
    again = log.case(case.id)
    assert again.p_bad == 1e-05
    assert verify(log).ok


def test_who_acted_is_split_off_before_encoding_into_the_same_stored_bytes() -> None:
    # The mapper takes actor and role out of an event's fields and encodes the rest once;
    # the stored bytes must be exactly what compressing the whole state's JSON gives
    # (pack_state decodes it again to split the head), so chains and stores are unchanged.
    from events.compression import DocketCompressor, head_of, pack_state

    transcoder, _ = _library()
    ours = DocketMapper(transcoder=transcoder, compressor=DocketCompressor())
    case = _opened_case()
    case.record_score(specialist="gbt", model_version="m-1", model_sha256="cd" * 32,
                      p_bad=0.5, attributions={"ä": 1.0}, ood=True, ood_score=3.5,
                      latency_ms=1.0, actor="Zoë Å", role="operator")  # fmt: skip
    events = list(case.pending_events)
    assert len(events) == 5  # the helper's three, two scores more
    for event in events:
        stored = ours.to_stored_event(event)
        state = dict(vars(event))
        del state["originator_id"], state["originator_version"]
        state["class_version"] = getattr(type(event), "class_version", 1)
        if state["class_version"] == 1:
            del state["class_version"]
        whole = encode_plain(state)
        assert whole is not None
        assert stored.state == pack_state(whole)
        assert head_of(stored.state) == {"actor": state["actor"], "role": state["role"]}
        assert vars(ours.to_domain_event(stored)) == vars(event)
