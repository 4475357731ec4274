"""Where things live by default, and who is acting.

Settings come from command-line options first, then the environment
(``DOCKET_STORE``, ``DOCKET_KEY``, ``DOCKET_ROLE``, ``DOCKET_DATA_DIR``),
then these defaults. Who acts is decided by the key held, never by a name or a role
given here: the role only chooses among the roles the key was enrolled with.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import platformdirs


def data_dir() -> Path:
    """The per-user folder holding the default store, read models and model artifacts."""
    configured = os.environ.get("DOCKET_DATA_DIR")
    return Path(configured) if configured else Path(platformdirs.user_data_dir("docket"))


def default_key_path() -> Path:
    """Where ``docket keys init`` and the demo keep the local user's key."""
    return data_dir() / "keys" / "default.key"


def component_key_dir(folder: Path | None = None) -> Path:
    """Where the keys of Docket's own components live under the data directory ``folder``
    (default: this user's); the service loads them on open."""
    return (folder or data_dir()) / "keys" / "components"


def default_store() -> str:
    return str(data_dir() / "docket.sqlite")


def default_operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in some containers
        return "operator"


def missing_store(url: str) -> Path | None:
    """The path of a SQLite store that does not exist yet (None: it exists, or the store is
    a server). Read-only commands refuse such a path rather than create an empty store."""
    from events.store import parse_store_url

    try:
        parsed = parse_store_url(url)
    except Exception:  # an unusable URL is reported, in one sentence, when it is opened
        return None
    if parsed.kind == "sqlite" and parsed.path is not None and not parsed.path.exists():
        return parsed.path
    return None

