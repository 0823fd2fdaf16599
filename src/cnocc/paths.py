"""Where the project's own folders are (data/, ontology/, shapes/, queries/), so the CLI works from
any working directory and from any kind of install.

Looked up in this order: `CNOCC_HOME` (a folder holding them, e.g. a maintainer's working copy of
the data); the source checkout this package runs from (a clone, or an editable install); the copy
a regular install carries inside the package (`cnocc/_home`, put there by `setup.py` when the
wheel is built). `dist/` is the checkout's own, or `./dist` for an installed package.
"""

import os
from pathlib import Path

HOME_FOLDERS = ("data", "ontology", "shapes", "queries")
_HERE = Path(__file__).resolve().parent
_CHECKOUT = _HERE.parents[1]


def _is_home(folder: Path) -> bool:
    return all((folder / name).is_dir() for name in HOME_FOLDERS)


def _find() -> tuple[Path, bool]:
    """(the folder holding data/ … queries/, whether it is a source checkout)."""
    env = os.environ.get("CNOCC_HOME")
    if env:
        return Path(env).resolve(), _is_checkout(Path(env).resolve())
    if _is_checkout(_CHECKOUT):
        return _CHECKOUT, True
    return _HERE / "_home", False


def _is_checkout(folder: Path) -> bool:
    return (folder / "pyproject.toml").is_file() and _is_home(folder)


PROJECT_ROOT, IN_CHECKOUT = _find()
DATA_DIR = PROJECT_ROOT / "data"
ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
SHAPES_DIR = PROJECT_ROOT / "shapes"
QUERIES_DIR = PROJECT_ROOT / "queries"
DIST_DIR = PROJECT_ROOT / "dist" if IN_CHECKOUT else Path("dist")
