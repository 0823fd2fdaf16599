"""Packaging hook (the metadata is in pyproject.toml): a regular install carries the project's data/,
ontology/, shapes/ and queries/ inside the package, as `cnocc/_home`, so that `pip install .`
(not only `pip install -e .`) can `cnocc build` and `cnocc serve` away from a checkout.
An editable install reads them from the checkout instead (see `cnocc.paths`)."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HOME_FOLDERS = ("data", "ontology", "shapes", "queries")
SKIP = shutil.ignore_patterns("drafts", "__pycache__", "*.pyc")


class BuildWithHome(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        home = Path(self.build_lib) / "cnocc" / "_home"
        for name in HOME_FOLDERS:
            shutil.copytree(Path(__file__).parent / name, home / name, dirs_exist_ok=True, ignore=SKIP)


setup(cmdclass={"build_py": BuildWithHome})
