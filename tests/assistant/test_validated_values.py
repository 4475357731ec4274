"""A validated row's values are its input model's ``model_dump()``, read from the model's
fields when that is the same thing, and dumped by pydantic whenever the model could make
them differ (a serializer, a computed or excluded field, extra fields, values that are not
plain scalars)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, computed_field, field_serializer

from assistant.domains import get_pack
from assistant.domains.base import CaseInput, DomainPack
from tests.assistant.decision_support import dataset


def rows(n: int = 60) -> list[dict[str, Any]]:
    return [dict(row) for row in dataset().rows[:n]]


def test_the_credit_rows_values_are_their_model_dump_key_for_key() -> None:
    pack = get_pack("credit")
    assert pack._dump_is_vars
    for row in rows():
        case = pack.validate(row)
        assert isinstance(case, CaseInput)
        dumped = pack.input_model.model_validate(row).model_dump()
        assert case.values == dumped and list(case.values) == list(dumped)
        assert all(type(case.values[k]) is type(dumped[k]) for k in dumped)


def test_plain_rows_are_not_dumped_by_pydantic(monkeypatch: pytest.MonkeyPatch) -> None:
    pack = get_pack("credit")

    def refuse(*_: Any, **__: Any) -> dict[str, Any]:
        raise AssertionError("model_dump was called for a row of plain values")

    monkeypatch.setattr(pack.input_model, "model_dump", refuse)
    assert isinstance(pack.validate(rows(1)[0]), CaseInput)


def with_model(model: type[BaseModel]) -> DomainPack:
    """The credit pack reading its rows through ``model`` (a subclass of its own)."""
    return dataclasses.replace(get_pack("credit"), input_model=model)


class Serialised(get_pack("credit").input_model):  # type: ignore[misc]
    @field_serializer("purpose")
    def _upper(self, value: str) -> str:
        return value.upper()


class Computed(get_pack("credit").input_model):  # type: ignore[misc]
    @computed_field  # type: ignore[prop-decorator]
    @property
    def months_per_year(self) -> float:
        return 12.0


class Excluded(get_pack("credit").input_model):  # type: ignore[misc]
    job: str = Field(exclude=True)


class Extra(get_pack("credit").input_model):  # type: ignore[misc]
    model_config = ConfigDict(extra="allow")


@pytest.mark.parametrize("model", [Serialised, Computed, Excluded, Extra])
def test_a_model_that_changes_its_dump_is_dumped_by_pydantic(model: type[BaseModel]) -> None:
    pack = with_model(model)
    assert not pack._dump_is_vars
    row = rows(1)[0]
    case = pack.validate(row)
    assert isinstance(case, CaseInput)
    assert case.values == model.model_validate(row).model_dump()


class Listed(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tags: list[str]


def test_values_that_are_not_plain_scalars_are_dumped_by_pydantic() -> None:
    from assistant.domains.base import _dumped

    made = Listed(tags=["a"])
    dumped = _dumped(made, dump_is_vars=True)
    assert dumped == {"tags": ["a"]} and dumped["tags"] is not made.tags
