"""Synthetic contact details: TEST FIXTURES, not real people.

Names say "Fixture", e-mails use the reserved ``example.test`` domain, phone numbers the
fictional 555 exchange, and IBANs are built for an invented bank code (with valid check
digits, so the guardrails recognise them as IBANs). They let the red-team suite check that
no personal value ever reaches a prompt or the log.
"""

from __future__ import annotations

from dataclasses import dataclass

FIRST = ("Alma", "Bruno", "Chiara", "Dmitri", "Elif", "Farid", "Greta", "Hiroshi", "Ines",
         "Jonas", "Kamala", "Luis")
LAST = ("Fixturova", "Testmann", "Sampleton", "Probst-Fixture", "Dummett", "Mockridge")


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    phone: str
    iban: str

    def as_fields(self) -> dict[str, str]:
        return {"name": self.name, "email": self.email, "phone": self.phone, "iban": self.iban}


def iban(country: str, bban: str) -> str:
    """An IBAN with correct ISO 13616 mod-97 check digits, printed in groups of four."""
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(digits) % 97
    compact = f"{country}{check:02d}{bban}"
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))


def contact(number: int) -> Contact:
    first = FIRST[number % len(FIRST)]
    last = LAST[(number // len(FIRST)) % len(LAST)]
    return Contact(
        name=f"{first} {last}",
        email=f"{first.lower()}.{last.lower()}{number}@example.test",
        phone=f"+1 202 555 {number % 10000:04d}",
        iban=iban("DE", f"99999999{number:010d}"),
    )


def contacts(count: int) -> list[Contact]:
    return [contact(i) for i in range(count)]


__all__ = ["Contact", "contact", "contacts", "iban"]
