"""Where the lab finds the upstream CRDs, and the fail-closed check on them (standard library only).

The lab validates and prunes every object against the upstream CRDs of ``$LAB_CRDS_DIR`` or
``../shared/crds`` beside the checkout. Without them it refuses to start: the schema-less stand-ins
of ``crds_builtin`` are an explicit kindness (``LabOptions.builtin_crds``, ``--builtin-crds``) that
only ``make demo`` takes, saying so.

``python -m tests.lab.crds`` runs with any Python >= 3.9 and no packages, so ``make test`` can stop
in its first second, before it creates a venv: exit 1 and one line on stderr when a file is missing.
"""

from __future__ import annotations

import os
import pathlib
import sys

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
ENVIRONMENT = "LAB_CRDS_DIR"


class MissingCRDs(RuntimeError):
    """An upstream CRD file the lab needs is not there (the message is one line)."""


def default_dir() -> pathlib.Path:
    """``$LAB_CRDS_DIR``, else ``../shared/crds`` beside the checkout."""
    return pathlib.Path(os.environ.get(ENVIRONMENT) or REPO_ROOT.parent / "shared" / "crds")


def missing_message(path: pathlib.Path) -> str:
    return (f"upstream CRDs missing: {path} does not exist; lay shared/crds beside the checkout "
            f"({REPO_ROOT.parent / 'shared' / 'crds'}) or set {ENVIRONMENT}=/path/to/crds")


def require(directory: pathlib.Path, name: str) -> pathlib.Path:
    """The path of CRD file ``name`` in ``directory``; MissingCRDs naming it when absent."""
    path = pathlib.Path(directory) / name
    if not path.is_file():
        raise MissingCRDs(missing_message(path))
    return path


def first_missing(directory: pathlib.Path, names) -> pathlib.Path | None:
    """The directory when it is absent, else the first of ``names`` not in it, else None."""
    if not pathlib.Path(directory).is_dir():
        return pathlib.Path(directory)
    for name in sorted(set(names)):
        if not (pathlib.Path(directory) / name).is_file():
            return pathlib.Path(directory) / name
    return None


def every_profile_file() -> set[str]:
    from tests.lab import profiles  # pylint: disable=import-outside-toplevel  # stdlib-only, kept lazy for the CLI
    return {name for profile in profiles.PROFILES.values() for name in profile.hub_crds + profile.spoke_crds}


def main(argv=None) -> int:
    directory = pathlib.Path(argv[0]) if argv else default_dir()
    missing = first_missing(directory, every_profile_file())
    if missing is not None:
        sys.stderr.write(missing_message(missing) + "\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
