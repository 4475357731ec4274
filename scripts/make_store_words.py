"""Write a domain pack's store words: ``data/store_words.json`` beside the pack's module.

    python scripts/make_store_words.py credit      # assistant/domains/credit/data/...

A pack installed from elsewhere (``register_pack`` at start-up or a ``docket.domains`` entry
point) gets its file beside its own module, where Docket looks for it.

The words are the pack's field names and allowed values as they appear in its events'
JSON (the input of ``Case.Opened``, the attributions of ``Case.Scored``, the decision it
records), taken from the pack's schema and declaration, never from case data. They extend
the store's compression dictionary (:func:`events.compression.register_words`) for the
pack's events. A words file is frozen once stores use it: this script refuses to
overwrite one (after a schema change, put the new words in ``store_words_2.json`` beside it:
Docket loads both, and the newest compresses new events).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.domains import (  # noqa: E402
    get_pack,
    get_quantity_pack,
    is_quantity_pack,
    pack_store_words_path,
)


def _values(schema: dict[str, Any]) -> list[str]:
    """Every allowed string value the schema lists (enums and constants)."""
    found: list[str] = []
    for prop in schema.get("properties", {}).values():
        for option in [prop, *prop.get("anyOf", [])]:
            for value in option.get("enum", []) + ([option["const"]] if "const" in option else []):
                if isinstance(value, str) and value not in found:
                    found.append(value)
    return found


def words_for(name: str) -> dict[str, str]:
    pack: Any = get_quantity_pack(name) if is_quantity_pack(name) else get_pack(name)
    schema = pack.input_model.model_json_schema()
    fields = list(schema["properties"])
    features = list(pack.features)
    decision = (
        json.dumps(pack.case_record(), separators=(",", ":"))
        if hasattr(pack, "case_record")
        else ""
    )
    # Rarest first: zlib reaches the end of a dictionary most cheaply.
    parts = [
        "".join(json.dumps(v) for v in _values(schema)),
        f'"decision":{decision}' if decision else "",
        '"input":{' + ",".join(f'"{f}":' for f in fields),
        '"attributions":{' + ",".join(f'"{f}":0.0' for f in features) + "}",
    ]
    return {"pack": name, "marker": f'"{features[0]}"', "words": "".join(parts)}


def main() -> None:
    name = sys.argv[1]
    words_for(name)  # the pack exists (NotFound names the installed ones)
    target = pack_store_words_path(name)  # beside the pack's module, wherever it is
    assert target is not None, f"pack {name!r} is defined in no file"
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        sys.exit(f"{target} exists and is frozen: stores hold states compressed with it")
    target.write_text(json.dumps(words_for(name), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
