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


def default_store() -> str:
    return str(data_dir() / "docket.sqlite")


def default_operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in some containers
        return "operator"
