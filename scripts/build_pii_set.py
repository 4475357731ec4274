"""Build the personal-data sets in ``evals/datasets/pii/`` with Faker (run once; committed).

    python scripts/build_pii_set.py

Each line is a note carrying one personal value of one kind, with the value recorded so a
scorer can check that none of it survives redaction. ``tuning.jsonl`` uses the locales the
shipped name list was built from (scripts/build_name_list.py SHIPPED_LOCALES) and one set
of sentence templates; ``heldout.jsonl`` uses locales the list never saw
(HELDOUT_LOCALES) and other templates, written separately. Figures are quoted on the
held-out file only. Faker is MIT-licensed; the values are synthetic (no real person).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from faker import Faker

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_name_list import HELDOUT_LOCALES, SHIPPED_LOCALES  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "evals" / "datasets" / "pii"
# Faker falls back to English addresses for some locales: only these have their own.
ADDRESS_LOCALES = {"da_DK", "cs_CZ", "fi_FI", "hu_HU", "ro_RO", "hr_HR", "no_NO", "sk_SK",
                   "sl_SI", "de_DE", "de_AT", "de_CH", "fr_FR", "es_ES", "it_IT", "nl_NL",
                   "nl_BE", "pt_PT", "pl_PL", "sv_SE", "en_GB", "en_US", "en_IE"}
DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

TEMPLATES = {
    "tuning": {
        "PERSON": ["My sister {name} will co-sign the loan.", "{name} is my guarantor.",
                   "I share the flat with {name}.", "Frau {last} from HR can confirm it.",
                   "My landlord {name} has my rental history."],
        "ADDRESS": ["I live at {street}, {postcode} {city}.", "New address: {street}.",
                    "We moved to {street} in spring."],
        "BIRTH_DATE": ["I was born on {dob_text}.", "Date of birth: {dob}."],
        "NATIONAL_ID": ["My passport number is {passport}.", "ID card no. {passport}"],
        "EMAIL": ["Write to {user} [at] {domain} [dot] {tld} please.",
                  "Mail: {user} at {domain} dot {tld}"],
        "PHONE": ["Call me on {spelled}.", "My number: {spelled}"],
    },
    "heldout": {
        "PERSON": ["The car will be shared with my partner {name}.",
                   "Please contact {name} at my employer if anything is unclear.",
                   "{name} has agreed to act as a second guarantor.",
                   "I send money to my mother, {name}, every month.",
                   "Reference: {name}, my former team lead."],
        "ADDRESS": ["Since May my address is {street}, {postcode} {city}.",
                    "Post can be sent to {street}.", "The flat at {street} is rented."],
        "BIRTH_DATE": ["born {dob_text}, married, two children", "DOB {dob}"],
        "NATIONAL_ID": ["Passport: {passport}", "For identification, passport no {passport}."],
        "EMAIL": ["Contact: {user}(at){domain}.{tld}", "{user} [at] {domain} [dot] {tld}"],
        "PHONE": ["Mobile {spelled}, evenings only.", "You can phone {spelled}."],
    },
}


def rows(role: str, locales: tuple[str, ...], per_template: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for kind, templates in TEMPLATES[role].items():
        for template in templates:
            for n in range(per_template):
                pool = [loc for loc in locales if kind != "ADDRESS" or loc in ADDRESS_LOCALES]
                locale = pool[n % len(pool)]
                fake = Faker(locale)
                fake.seed_instance(rng.randrange(1 << 30))
                dob = fake.date_of_birth(minimum_age=19, maximum_age=75)
                phone = "0" + "".join(str(rng.randrange(10)) for _ in range(9))
                user = fake.user_name()
                values = {
                    "name": fake.name(), "last": fake.last_name(),
                    "street": fake.street_address(), "postcode": fake.postcode(),
                    "city": fake.city(), "dob": dob.strftime("%d.%m.%Y"),
                    "dob_text": dob.strftime("%d %B %Y"), "passport": _passport(fake, rng),
                    "user": user, "domain": fake.domain_word(), "tld": fake.tld(),
                    "spelled": " ".join(DIGITS[int(d)] for d in phone),
                }
                text = template.format(**values)
                value = {"PERSON": values["last"] if "{last}" in template else values["name"],
                         "ADDRESS": values["street"], "BIRTH_DATE": values["dob"],
                         "NATIONAL_ID": values["passport"], "EMAIL": f"{user} {values['domain']}",
                         "PHONE": values["spelled"]}[kind]
                if kind == "BIRTH_DATE" and "dob_text" in template:
                    value = values["dob_text"]
                out.append({"id": f"{role}-{len(out) + 1:04d}", "kind": kind, "locale": locale,
                            "text": text, "value": value, "role": role})
    return out


def _passport(fake: Faker, rng: random.Random) -> str:
    try:
        return str(fake.passport_number())
    except AttributeError:
        return "".join(rng.choice("CFGHJKLMNPRTVWXYZ0123456789") for _ in range(9))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for role, locales, per, seed in (("tuning", SHIPPED_LOCALES, 8, 1),
                                     ("heldout", HELDOUT_LOCALES, 12, 2)):
        with (OUT / f"{role}.jsonl").open("w", encoding="utf-8") as handle:
            for row in rows(role, locales, per, seed):
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
