"""Signed checkpoints kept outside the store: they catch what the store alone cannot.

Someone who can write the store can cut its tail (events, links and signatures
together) or, holding a valid key, rewrite their own events and re-sign them; the log
still verifies. A checkpoint, exported while the log was known good and kept elsewhere
(a ticket, an email, a second machine, an object store with retention), records:

* ``position`` and ``head``: the last position and its chain link;
* ``landmarks``: the link at up to :data:`LANDMARKS` evenly spaced positions, so a
  rewrite is narrowed to one stretch of the log;
* ``at`` and ``signer`` (person, key id, public key), and an Ed25519 ``signature``
  over all of the above.

:func:`check` proves the current log still holds that prefix unchanged, or names
what was cut or which stretch was rewritten.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from events.chain import Signer, VerifyReport, verify, walk_end
from events.clock_rule import Vouched
from events.errors import FieldProblem, InputRejected, NotAuthorised
from events.keyring import KeyRing
from events.signing import key_id_of, signature_valid

if TYPE_CHECKING:
    from events.app import DecisionLog

FORMAT = "docket-checkpoint-v1"
#: At most this many landmark links per checkpoint (~17 KB of JSON at most).
LANDMARKS = 256


@dataclass(frozen=True)
class CheckpointReport:
    """What :func:`check` found.

    Attributes:
        ok: The log holds the checkpoint's prefix unchanged.
        position: The checkpoint's position.
        reason: One sentence naming what was cut or rewritten ("" when ok).
        appended: Events appended after the checkpoint (when ok).
        signer: Who signed the checkpoint, and when.
    """

    ok: bool
    position: int
    reason: str
    appended: int = 0
    signer: str = ""


def _body_digest(body: dict[str, Any]) -> bytes:
    """What the signature covers: every field but the signature, canonically encoded."""
    fields = {k: v for k, v in body.items() if k != "signature"}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return b"docket-checkpoint\x1f" + hashlib.sha256(text.encode()).digest()


def export(
    log: DecisionLog,
    signer: Signer,
    person: str,
    public_key: bytes,
    read_models: Callable[[int], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A signed checkpoint of the log as it is now. Refuses a log that does not verify.

    ``read_models(position)``: the seal of a replay up to the checkpoint's position
    (:mod:`events.readmodel_seal`), kept under ``read_models`` and covered by the signature.

    Raises:
        NotAuthorised: the log does not verify (a checkpoint would vouch for tampering).
    """
    # Only the landmarks are kept as the walk goes (every link of a million-case log held
    # 823 MB): every step-th link, the step chosen from where the walk will end.
    end = walk_end(log)
    step = max(1, -(-end // LANDMARKS))  # ceiling: at most LANDMARKS landmarks
    landmarks: dict[str, str] = {}
    seen = [0]
    last: list[tuple[int, bytes]] = []

    def keep(position: int, link: bytes) -> None:
        seen[0] += 1
        if seen[0] % step == 0:
            landmarks[str(position)] = link.hex()
        last[:] = [(position, link)]

    report = verify(log, end=end, on_link=keep)
    if not report.ok:
        raise NotAuthorised(
            f"the log does not verify (position {report.first_bad_position}: {report.reason}); "
            "no checkpoint was written"
        )
    if last:
        landmarks[str(last[0][0])] = last[0][1].hex()
    body: dict[str, Any] = {
        "format": FORMAT,
        "store": log.url,
        "position": report.end,
        "events": report.checked,
        "head": report.head,
        "landmarks": landmarks,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "signer": {"person": person, "key_id": signer.key_id, "public_key": public_key.hex()},
    }
    if read_models is not None:
        body["read_models"] = read_models(report.end)
    body["signature"] = signer.sign(_body_digest(body)).hex()
    return body


def _parse(data: Any) -> tuple[int, dict[int, bytes], dict[str, str], bytes]:
    """The checkpoint's position, landmarks, signer and signature; InputRejected otherwise."""
    try:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a Docket checkpoint")
        position = int(data["position"])
        landmarks = {int(p): bytes.fromhex(h) for p, h in dict(data["landmarks"]).items()}
        signer = {k: str(v) for k, v in dict(data["signer"]).items()}
        signature = bytes.fromhex(str(data["signature"]))
        signer["key_id"], signer["public_key"], signer["person"]  # noqa: B018 - all present
        str(data["head"]), str(data["at"])  # noqa: B018
    except (ValueError, KeyError, TypeError) as exc:
        raise InputRejected([FieldProblem("checkpoint", f"unreadable: {exc}")]) from exc
    return position, landmarks, signer, signature


@dataclass(frozen=True)
class Claim:
    """A checkpoint whose own signature holds, by a key enrolled in the log: what it claims
    the log's prefix is, still to be compared with a walk of the log (:func:`judge`)."""

    data: dict[str, Any]
    position: int
    landmarks: dict[int, bytes]
    signer: str  # who signed it, and when

    def failed(self, reason: str) -> CheckpointReport:
        return CheckpointReport(False, self.position, reason, signer=self.signer)

    def vouched(self) -> Vouched | None:
        """The checkpoint's signed time: every event up to its position was written by then
        (:mod:`events.clock_rule`). None for a time that is not ISO-8601 with an offset."""
        try:
            at = datetime.fromisoformat(str(self.data["at"]))
        except ValueError:
            return None
        if at.tzinfo is None:
            return None
        return Vouched(self.position, at, str(dict(self.data["signer"]).get("person", "")))


def claim(log: DecisionLog, data: Any) -> Claim | CheckpointReport:
    """The checkpoint's claim when its signature holds by a key enrolled in the log; the
    failed report otherwise.

    Raises:
        InputRejected: the file is not a readable checkpoint.
    """
    position, landmarks, signer, signature = _parse(data)
    public = bytes.fromhex(signer["public_key"])
    made = Claim(data, position, landmarks, f"{signer['person']} at {data['at']}")
    if key_id_of(public) != signer["key_id"] or not signature_valid(
        public, _body_digest(data), signature
    ):
        return made.failed("the checkpoint's own signature does not match: the file was altered")
    record = KeyRing().refresh(log).keys.get(signer["key_id"])
    if record is None:
        return made.failed(
            f"the checkpoint's signer key {signer['key_id']} is not enrolled in this log: the "
            "log was rewritten from its start, or the checkpoint is another store's"
        )
    # Who signed is the key's enrolment, never the file's word: anyone enrolled can sign a
    # checkpoint, so a file naming another person as its signer is a forgery.
    if record.public_key != public or record.person != signer["person"]:
        return made.failed(
            f"the checkpoint names {signer['person']} as its signer but was signed by key "
            f"{signer['key_id']}, enrolled for {record.person}: the file was forged"
        )
    # An export is signed by a key valid when the log ended at the checkpoint's position: a
    # key enrolled after it, or revoked by then, signed the file some other way.
    if not record.valid_at(position):
        return made.failed(
            f"the checkpoint's signer key {signer['key_id']} ({record.person}) was not valid "
            f"at its position {position} (enrolled at {record.enrolled_at}, revoked at "
            f"{record.revoked_at}): the file was forged"
        )
    return made


def check(log: DecisionLog, data: Any) -> CheckpointReport:
    """Prove the log still holds the checkpoint's prefix unchanged, or say what changed.

    Raises:
        InputRejected: the file is not a readable checkpoint.
    """
    made = claim(log, data)
    if isinstance(made, CheckpointReport):
        return made
    seen: dict[int, bytes] = {}
    last = walk_end(log)
    report = verify(log, end=min(made.position, last), on_link=landmark_keeper(made, seen),
                    vouched=made.vouched())
    return judge(made, report, seen, last)


def landmark_keeper(made: Claim, seen: dict[int, bytes]) -> Callable[[int, bytes], None]:
    """A walk's ``on_link`` that keeps, in ``seen``, the links at the claim's landmarks."""
    landmarks = made.landmarks

    def keep(pos: int, link: bytes) -> None:
        if pos in landmarks:
            seen[pos] = link

    return keep


def judge(made: Claim, report: VerifyReport, seen: dict[int, bytes], last: int) -> CheckpointReport:
    """The checkpoint's verdict from a walk of the log (to its end, or to the checkpoint's
    position) that kept the landmarks' links in ``seen``; ``last`` is the log's last
    position when the walk started."""
    end = min(made.position, last)
    landmarks = made.landmarks
    # A walk past the checkpoint's position may fail beyond it: the prefix still holds.
    prefix_ok = report.ok or (report.first_bad_position or 0) > end
    chain_says = f"rewritten: position {report.first_bad_position} ({report.reason})"
    # The first landmark that differs (or is gone) bounds the first rewritten stretch.
    before = 0
    for mark in sorted(p for p in landmarks if p <= end):
        if seen.get(mark) != landmarks[mark]:
            if not prefix_ok:
                return made.failed(chain_says)
            return made.failed(
                f"rewritten: events in positions {before + 1}-{mark} differ from the "
                "checkpoint (re-chained and re-signed)"
            )
        before = mark
    if end < made.position:
        return made.failed(
            f"cut: the log ends at position {end} but the checkpoint saw {made.position}: "
            f"the events after position {end} were removed"
        )
    if not prefix_ok:
        return made.failed(chain_says)
    return CheckpointReport(
        True, made.position, "", appended=max(0, last - made.position), signer=made.signer
    )
