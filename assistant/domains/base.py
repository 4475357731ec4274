"""What a domain pack declares, and the validation every pack shares.

A domain pack is data plus one small module: an input schema (pydantic, with descriptions,
units and allowed values), which fields are model features, which are protected, personal or
free text, the actions and outcomes, the default policy, the baseline rules an organisation
used before any model, and the historical data, with its decision, roles and words
(:mod:`assistant.domains.decision`). Adding a yes/no domain means writing a pack and
registering it (see :mod:`assistant.domains` and README's "Adding a domain").
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from assistant.domains.decision import ClassificationShape, DecisionShape, Roles, Words
from assistant.policies import BaselineDecision, PolicySpec
from events.errors import DocketError, FieldProblem
from guardrails.plain_text import plain_text_problem

Value = str | int | float
BaselineRules = Callable[[Mapping[str, Any]], tuple[str, str, tuple[str, ...]]]
"""Rules over a validated row: return (action, rule name, reasons)."""

CASE_REF = "case_ref"
MAX_PERSONAL_CHARS = 200
MAX_NOTE_CHARS = 5000


@dataclass(frozen=True)
class CaseInput:
    """A validated case: schema values, contact details and note kept apart.

    ``values`` holds every schema field (model features *and* protected attributes, which are
    recorded but not scored); ``personal`` and ``note`` are never model features.
    """

    domain: str
    values: dict[str, Value]
    personal: dict[str, str] = field(default_factory=dict)
    note: str | None = None
    case_ref: str | None = None
    outcome: str | None = None  # known outcome, for historical rows only


@dataclass(frozen=True)
class Dataset:
    """The pack's historical data: validated rows and their known outcomes."""

    rows: list[dict[str, Value]]
    outcomes: list[str]
    sha256: str
    # Training weight of each row (None: all 1). Retraining weights logged outcomes by
    # inverse propensity so they stand for every case decided, not only the approved ones.
    weights: list[float] | None = None


@dataclass(frozen=True)
class FairnessGroup:
    """A protected attribute whose groups the fairness checks compare.

    ``group_of`` reads a case's group from its recorded values (a protected field, or a band
    of one); ``order`` lists the groups in the order reports show them (others follow, sorted).
    "?" means the group could not be read and is left out of the comparison.
    """

    name: str
    group_of: Callable[[Mapping[str, Any]], str]
    order: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class DomainPack:
    """Everything Docket knows about one decision domain."""

    name: str
    description: str
    input_model: type[BaseModel]  # schema fields only (features + protected)
    categorical: tuple[str, ...]  # model features, categorical
    numeric: tuple[str, ...]  # model features, numeric
    protected: tuple[str, ...]  # in the input, recorded, never model features by default
    feature_rationale: str  # why these features (and not the protected ones)
    personal_fields: tuple[str, ...]  # optional contact details: never features
    note_field: str  # optional free text from the applicant: never a feature
    decision: DecisionShape  # what is decided: named actions and labels, or a quantity
    roles: Roles  # who owns the policy, decides, reviews, trains and audits
    label_field: str
    default_policy: PolicySpec
    baseline_rules: BaselineRules
    baseline_description: str
    data_path: Path
    data_sha256: str
    words: Words = field(default_factory=Words)
    # The protected groups fairness is checked across (none: the fairness checks skip).
    fairness_groups: tuple[FairnessGroup, ...] = ()

    def __post_init__(self) -> None:
        spec, shape = self.default_policy, self.decision
        if spec.domain != self.name:
            raise DocketError(f"pack {self.name!r}: its default policy is for {spec.domain!r}")
        if spec.owner_role != self.roles.owner:
            raise DocketError(f"pack {self.name!r}: the policy owner {spec.owner_role!r} is not "
                              f"the pack's owner role {self.roles.owner!r}")
        if spec.escalate_action != shape.escalate_action:
            raise DocketError(f"pack {self.name!r}: the policy escalates with "
                              f"{spec.escalate_action!r}, the pack with {shape.escalate_action!r}")
        if isinstance(shape, ClassificationShape) and (
            spec.actions != shape.actions or spec.outcomes != shape.outcomes
            or spec.risk_outcome != shape.risk_outcome
        ):
            raise DocketError(f"pack {self.name!r}: the default policy's actions and outcomes "
                              "differ from the pack's decision")
        schema, model = self.input_model.model_fields, self.input_model.__name__
        for kind in ("categorical", "numeric", "protected"):
            for name in getattr(self, kind):
                if name not in schema:
                    raise DocketError(f"pack {self.name!r}: {kind}: {name!r} is not a field of "
                                      f"its input_model {model}")
        declared = [("note_field", self.note_field), ("label_field", self.label_field),
                    *(("personal_fields", name) for name in self.personal_fields)]
        for kind, name in declared:
            if name and name in schema:
                raise DocketError(f"pack {self.name!r}: {kind} {name!r} is also a field of its "
                                  f"input_model {model}; declare it by name only and keep it "
                                  "out of the schema (every schema field is required in every "
                                  "row)")

    # --- declared shape ---------------------------------------------------------------------

    @property
    def actions(self) -> tuple[str, ...]:
        """The named actions (for a quantity decision: only the escalation action)."""
        if isinstance(self.decision, ClassificationShape):
            return self.decision.actions
        return (self.decision.escalate_action,)

    @property
    def outcomes(self) -> tuple[str, ...]:
        """The outcome labels (none for a quantity decision: its outcome is a number)."""
        if isinstance(self.decision, ClassificationShape):
            return self.decision.outcomes
        return ()

    def case_record(self) -> dict[str, Any]:
        """What a case of this pack records about its decision when it opens."""
        return self.decision.case_record(self.roles)

    @property
    def columns(self) -> frozenset[str]:
        """Every column a file of this pack's cases may have."""
        return frozenset(self.input_model.model_fields) | {
            *self.personal_fields, self.note_field, CASE_REF, self.label_field}

    @property
    def features(self) -> tuple[str, ...]:
        """Model features in the order specialists receive them: categorical, then numeric."""
        return self.categorical + self.numeric

    def describe(self, name: str) -> str:
        """The schema's description of a field (with units and allowed values)."""
        info = self.input_model.model_fields.get(name)
        return (info.description or name) if info is not None else name

    # --- validation ---------------------------------------------------------------------------

    @cached_property
    def _field_kinds(self) -> dict[str, str]:
        """What :meth:`validate` reads each non-schema column as (personal, note, case
        reference, label; the first of those a name is, as the checks ran in that order):
        one dict look-up a column instead of four comparisons."""
        kinds = {self.label_field: _LABEL, CASE_REF: _CASE_REF, self.note_field: _NOTE}
        kinds.update(dict.fromkeys(self.personal_fields, _PERSONAL))
        return kinds

    @cached_property
    def _schema_fields(self) -> tuple[str, ...]:
        return tuple(self.input_model.model_fields)

    def validate(self, raw: object) -> CaseInput | list[FieldProblem]:
        """Validate raw input (a JSON object or a CSV row): a CaseInput, or every problem.

        Never raises on bad input and never fills a default: missing, unknown, mistyped,
        out-of-range and non-finite values each give a :class:`FieldProblem`.
        """
        if not isinstance(raw, Mapping):
            return [FieldProblem("input", f"expected an object of fields, got {_kind(raw)}")]
        problems: list[FieldProblem] = []
        schema_raw: dict[str, object] = {}
        personal: dict[str, str] = {}
        note: str | None = None
        case_ref: str | None = None
        outcome: str | None = None
        kinds = self._field_kinds
        for key, value in raw.items():
            if not isinstance(key, str):
                problems.append(FieldProblem(_short(key), "field names must be text"))
                continue
            kind = kinds.get(key)
            if kind is None:  # a schema field (or an unknown one, which pydantic names)
                if value is None or (isinstance(value, str) and not value.strip()):
                    problems.append(FieldProblem(key, "missing: a value is required"))
                else:
                    schema_raw[key] = value
            elif kind is _PERSONAL:
                text = _optional_text(key, value, MAX_PERSONAL_CHARS, problems)
                if text is not None:
                    personal[key] = text
            elif kind is _NOTE:
                note = _optional_text(key, value, MAX_NOTE_CHARS, problems)
            elif kind is _CASE_REF:
                case_ref = _optional_text(key, value, MAX_PERSONAL_CHARS, problems)
                not_plain = plain_text_problem(case_ref) if case_ref is not None else None
                if not_plain:
                    problems.append(FieldProblem(key, not_plain))
            else:  # the label
                outcome = _optional_text(key, value, MAX_PERSONAL_CHARS, problems)
                if outcome is not None and outcome not in self.outcomes:
                    problems.append(FieldProblem(key, f"unknown outcome {_short(outcome)}; "
                                                      f"allowed: {', '.join(self.outcomes)}"))
        for name in self._schema_fields:
            if name not in raw:
                problems.append(FieldProblem(name, "missing: a value is required"))
        try:
            model = self.input_model.model_validate(schema_raw)
        except ValidationError as exc:
            problems.extend(_from_pydantic(exc, already=problems))
            model = None
        except (TypeError, ValueError, RecursionError) as exc:  # garbage pydantic cannot type
            problems.append(FieldProblem("input", f"cannot be read: {type(exc).__name__}"))
            model = None
        if problems or model is None:
            return sorted(set(problems), key=lambda p: (p.field, p.problem))
        return CaseInput(self.name, _dumped(model, self._dump_is_vars), personal, note,
                         case_ref, outcome)  # fmt: skip

    @cached_property
    def _dump_is_vars(self) -> bool:
        """Whether the input model's ``model_dump()`` of a row of plain values is its fields
        as they are: no serializer, computed field, excluded field or extra field anywhere
        in its schema (pydantic marks each with a ``serialization``/``computed_fields``
        key), so :func:`_dumped` may read them directly."""
        model = self.input_model
        return model.model_config.get("extra") != "allow" and not _customised(
            model.__pydantic_core_schema__
        )

    # --- data and baseline ---------------------------------------------------------------------

    def load_dataset(self) -> Dataset:
        """Read the shipped historical data, checking its sha256 against the provenance."""
        try:
            content = self.data_path.read_bytes()
        except OSError as exc:
            raise DocketError(
                f"pack {self.name!r}: its data_path {self.data_path} cannot be read "
                f"({exc.strerror or type(exc).__name__}); name it from the pack's module, e.g. "
                "Path(__file__).parent / \"data\" / FILE, not from the working directory"
            ) from exc
        digest = hashlib.sha256(content).hexdigest()
        if digest != self.data_sha256:
            raise DocketError(f"{self.data_path} has sha256 {digest}, expected {self.data_sha256}: "
                              "the shipped data was altered")
        rows: list[dict[str, Value]] = []
        outcomes: list[str] = []
        reader = csv.DictReader(content.decode("utf-8").splitlines())
        header = set(reader.fieldnames or ())
        lacking = [name for name in self._schema_fields if name not in header]
        if self.label_field not in header:
            raise DocketError(f"{self.data_path} has no column {self.label_field!r} (the pack's "
                              "label_field, holding each row's outcome)")
        if lacking:
            raise DocketError(f"{self.data_path} has no column for the schema field(s) "
                              f"{', '.join(lacking)}: its header needs every field of "
                              f"{self.input_model.__name__} and the label column")
        for number, raw in enumerate(reader, start=2):
            case = self.validate(raw)
            if not isinstance(case, CaseInput):
                raise DocketError(f"{self.data_path} line {number} is invalid: "
                                  f"{'; '.join(str(p) for p in case)}")
            if case.outcome is None:
                raise DocketError(f"{self.data_path} line {number} is invalid: "
                                  f"{self.label_field}: missing: a value is required")
            rows.append(case.values)
            outcomes.append(case.outcome)
        return Dataset(rows, outcomes, digest)

    def baseline(self, row: Mapping[str, Any]) -> BaselineDecision:
        """The pre-model rules' decision, with the historical bad rate of the rule's cases."""
        action, rule, reasons = self.baseline_rules(row)
        if action not in self.actions:  # else a case would recommend, and record, no action
            raise DocketError(f"pack {self.name!r}: baseline_rules returned action {action!r}, "
                              f"which is not one of its actions ({', '.join(self.actions)})")
        overall, by_rule = self.historical_rates
        return BaselineDecision(action, rule, reasons, by_rule.get(rule, overall))

    @cached_property
    def historical_rates(self) -> tuple[float, dict[str, float]]:
        """Share of the risk outcome in the data: overall, and among each rule's cases."""
        data = self.load_dataset()
        risk = self.default_policy.risk_outcome
        seen: dict[str, Counter[bool]] = defaultdict(Counter)
        for row, outcome in zip(data.rows, data.outcomes, strict=True):
            seen[self.baseline_rules(row)[1]][outcome == risk] += 1
        overall = sum(o == risk for o in data.outcomes) / len(data.outcomes)
        return overall, {rule: c[True] / (c[True] + c[False]) for rule, c in seen.items()}


def _from_pydantic(exc: ValidationError, already: list[FieldProblem]) -> list[FieldProblem]:
    reported = {p.field for p in already}
    problems = []
    for err in exc.errors(include_url=False):
        name = ".".join(str(p) for p in err["loc"]) or "input"
        if name in reported:
            continue
        kind, value = err["type"], err.get("input")
        if kind == "missing":
            text = "missing: a value is required"
        elif kind == "extra_forbidden":
            text = "unknown field"
        elif kind == "literal_error":
            expected = (err.get("ctx") or {}).get("expected", "")
            text = f"unknown category {_short(value)}; allowed: {expected}"
        elif kind == "finite_number":
            text = f"must be a finite number, got {_short(value)}"
        elif kind == "value_error":
            text = f"wrong type: {(err.get('ctx') or {}).get('error', err['msg'])}, got " \
                   f"{_short(value)} ({_kind(value)})"
        elif kind.startswith(("greater", "less")):
            text = f"out of range: {err['msg'].lower()}, got {_short(value)}"
        else:
            text = f"wrong type: {err['msg'].lower()}, got {_short(value)} ({_kind(value)})"
        problems.append(FieldProblem(name, text))
    return problems


#: The kinds of non-schema column :meth:`DomainPack.validate` reads (compared by identity).
_PERSONAL, _NOTE, _CASE_REF, _LABEL = "personal", "note", "case_ref", "label"


def _optional_text(
    name: str, value: object, limit: int, problems: list[FieldProblem]
) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(FieldProblem(name, f"must be text, got {_kind(value)}"))
        return None
    if len(value) > limit:
        problems.append(FieldProblem(name, f"too long: {len(value)} characters, at most {limit}"))
        return None
    return value if value.strip() else None


#: The values :func:`_dumped` takes as they are (``model_dump`` returns each one itself).
_PLAIN_VALUES = frozenset({str, int, float, bool, type(None)})


def _dumped(model: BaseModel, dump_is_vars: bool) -> dict[str, Any]:
    """``model.model_dump()``, read from the model's fields when ``dump_is_vars`` and every
    value is a plain scalar (a fifth of a row's validation on a bulk ingest otherwise);
    anything else (a list, a nested model, an enum) is dumped by pydantic."""
    if dump_is_vars:
        fields = dict(vars(model))
        if all(type(value) in _PLAIN_VALUES for value in fields.values()):
            return fields
    return model.model_dump()


def _customised(schema: Any) -> bool:
    """Whether a pydantic core schema changes what ``model_dump`` gives anywhere in it."""
    if isinstance(schema, dict):
        return any(
            ("serializ" in str(key) or (key == "computed_fields" and value))
            or _customised(value)
            for key, value in schema.items()
        )
    if isinstance(schema, (list, tuple)):
        return any(_customised(item) for item in schema)
    return False


def _kind(value: object) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return "a non-finite number"
    return type(value).__name__


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
