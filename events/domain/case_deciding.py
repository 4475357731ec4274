"""Deciding a case: accept, override, escalate, and a senior's sign-off of an escalated case
(the decision rule is in :mod:`events.domain.case`'s docstring).
"""

from __future__ import annotations

from events.domain.case_reading import CaseReading
from events.domain.case_rules import OverrideArgs, check_quantity
from events.domain.common import check_identity, validate
from events.errors import AlreadyDecided, AwaitingSenior, FieldProblem, InputRejected, NotAuthorised


class CaseDeciding(CaseReading):
    """The decision commands of :class:`~events.domain.case.Case`."""

    def _check_may_decide(self, actor: str, role: str, *, final: bool) -> None:
        """Apply the decision rule (see :mod:`events.domain.case`)."""
        check_identity(actor, role)
        self._require_live()
        check_identity(actor, role, self.deciding_roles)
        if self.status == "open":
            return
        if self.status == "escalated" and role == self.senior_role and final:
            if actor == self.decided_by:
                # Four eyes: the escalation asked for a second person's judgement.
                raise NotAuthorised(
                    f"{actor} escalated this case, so another senior reviewer must close it"
                )
            return
        if self.status == "escalated":
            raise AwaitingSenior(
                self.case_ref or str(self.id), self.decided_by or "?", self.decided_at or "?",
                self.senior_role or "senior",
            )
        raise AlreadyDecided(str(self.id), self.decided_by or "?", self.decided_at or "?")

    def _sign_off(
        self,
        *,
        action: str,
        reason_code: str | None = None,
        reason_text: str = "",
        quantity: int | None,
        actor: str,
        role: str,
    ) -> None:
        """Close an escalated case (the caller has checked the senior may)."""
        self.trigger_event(
            self.SignedOff,
            action=action,
            recommended=self.recommendation,
            agreed=action == self.recommendation and quantity == self.quantity,
            reason_code=reason_code,
            reason_text=reason_text,
            quantity=quantity,
            actor=actor,
            role=role,
        )

    def accept(self, *, actor: str, role: str) -> None:
        """Take the recommended action."""
        if self.recommendation is not None and self.recommendation == self.escalate_action:
            # Following a recommendation to escalate is an escalation, not a final decision.
            if self.status == "escalated":
                self._check_may_decide(actor, role, final=True)  # only a senior gets further
                raise InputRejected(
                    [
                        FieldProblem(
                            "action",
                            "the policy recommends escalation; as the senior reviewer, "
                            "sign the case off with the action you decide (override ACTION)",
                        )
                    ]
                )
            self.escalate(reason_text="the policy recommended escalation", actor=actor, role=role)
            return
        self._check_may_decide(actor, role, final=True)
        if self.recommendation is None:
            raise InputRejected([FieldProblem("action", "there is no recommendation to accept")])
        if self.status == "escalated":  # the senior agrees with the recommendation
            self._sign_off(
                action=self.recommendation, quantity=self.quantity, actor=actor, role=role
            )
            return
        self.trigger_event(
            self.Accepted,
            action=self.recommendation,
            quantity=self.quantity,
            actor=actor,
            role=role,
        )

    def override(
        self,
        *,
        action: str,
        reason_code: str,
        reason_text: str,
        quantity: int | None = None,
        actor: str,
        role: str,
    ) -> None:
        """Take another action than recommended; reason code and text are mandatory.

        For a "how much" decision (the recommendation carries a quantity), the override is
        another ``quantity`` of the order action."""
        if action == self.escalate_action:
            raise InputRejected(
                [
                    FieldProblem(
                        "action",
                        "to send a case to a senior reviewer, escalate it (no override needed)",
                    )
                ]
            )
        self._check_may_decide(actor, role, final=True)
        a = validate(OverrideArgs, action=action, reason_code=reason_code, reason_text=reason_text)
        if self.expected_costs and a.action not in self.expected_costs:
            known = ", ".join(self.expected_costs)
            raise InputRejected([FieldProblem("action", f"must be one of {known}")])
        if self.quantity is not None:
            if quantity is None:
                raise InputRejected(
                    [
                        FieldProblem(
                            "quantity",
                            "an override of an order needs the quantity to order instead",
                        )
                    ]
                )
            check_quantity("quantity", quantity)
            if quantity == self.quantity and self.recommendation != self.escalate_action:
                raise InputRejected(
                    [
                        FieldProblem(
                            "quantity", f"{quantity} is the recommended order: accept it instead"
                        )
                    ]
                )
        elif quantity is not None:
            raise InputRejected([FieldProblem("quantity", "this decision is not a quantity")])
        elif a.action == self.recommendation:
            raise InputRejected(
                [FieldProblem("action", "is the recommended action: accept it instead")]
            )
        if self.status == "escalated":  # the senior decides: a sign-off, not an override
            self._sign_off(
                action=a.action,
                reason_code=a.reason_code,
                reason_text=a.reason_text,
                quantity=quantity,
                actor=actor,
                role=role,
            )
            return
        self.trigger_event(
            self.Overridden,
            action=a.action,
            recommended=self.recommendation,
            reason_code=a.reason_code,
            reason_text=a.reason_text,
            quantity=quantity,
            actor=actor,
            role=role,
        )

    def escalate(self, *, reason_text: str = "", actor: str, role: str) -> None:
        """Send the case to a senior reviewer (who decides it finally)."""
        self._check_may_decide(actor, role, final=False)
        self.trigger_event(self.Escalated, reason_text=reason_text.strip(), actor=actor, role=role)
