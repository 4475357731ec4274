"""The installed domain packs and the decision each declares (``docket domains``), and
which domain a command means when it is not told."""

from __future__ import annotations

from assistant.domains import (
    ClassificationShape,
    DecisionShape,
    Words,
    available_packs,
    get_pack,
    get_quantity_pack,
    is_quantity_pack,
    pack_roles,
)
from assistant.usecases.context import Context
from assistant.views import DomainView, WordsView, senior_reviewer
from events import queries


def domains(ctx: Context) -> list[DomainView]:
    """Every installed pack, with its decision shape, roles, words and cases in this store."""
    ctx.sync()
    counts = queries.cases_by_domain(ctx.views)
    return [domain_view(name, counts.get(name, 0)) for name in available_packs()]


def installed() -> list[DomainView]:
    """Every installed pack's declaration, read without a store."""
    return [domain_view(name) for name in available_packs()]


def domain_view(name: str, cases: int = 0) -> DomainView:
    """What the pack called ``name`` declares (``cases``: how many this store holds)."""
    shape: DecisionShape
    outcomes: list[str]
    risk: str | None
    if is_quantity_pack(name):
        quantity = get_quantity_pack(name)
        description, shape = quantity.description, quantity.shape
        roles, words = quantity.roles, quantity.words
        actions: list[str] = [shape.order_action, shape.escalate_action]
    else:
        pack = get_pack(name)
        description, shape, roles, words = pack.description, pack.decision, pack.roles, pack.words
        actions = list(pack.actions)
    if isinstance(shape, ClassificationShape):
        kind_line = (f"yes/no: {' / '.join(shape.decisive_actions)}, escalate with "
                     f"{shape.escalate_action}; outcomes {' / '.join(shape.outcomes)} "
                     f"(scored: {words.probability()})")
        outcomes, risk = list(shape.outcomes), shape.risk_outcome
    else:
        kind_line = (f"quantity: {shape.order_action} {shape.minimum_order}-{shape.capacity} "
                     f"{shape.unit} per {shape.period} in steps of {shape.step}, escalate with "
                     f"{shape.escalate_action}; outcome: realised {shape.target}")
        outcomes, risk = [], None
    return DomainView(
        name=name,
        description=description,
        kind=shape.kind,
        shape=kind_line,
        actions=actions,
        escalate_action=shape.escalate_action,
        outcomes=outcomes,
        risk_outcome=risk,
        roles={"owner": roles.owner, "operator": roles.operator, "senior": roles.senior,
               "engineer": roles.engineer, "auditor": roles.auditor},
        words={"case": words.case, "cases": words.cases, "subject": words.subject,
               "risk": words.risk, "probability": words.probability(),
               "per_case": words.per_case},
        cases=cases,
        reason_codes=dict(words.reason_codes),
    )


def words_of(name: str) -> Words:
    """The words the pack called ``name`` declares."""
    return get_quantity_pack(name).words if is_quantity_pack(name) else get_pack(name).words


def words_view(name: str) -> WordsView:
    """The pack's words as screens and messages use them."""
    words = words_of(name)
    return WordsView(case=words.case, cases=words.cases, subject=words.subject,
                     risk=words.risk, probability=words.probability(),
                     per_case=words.per_case, note=words.note,
                     senior=senior_reviewer(pack_roles(name).senior))
