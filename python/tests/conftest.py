"""Test setup. The package's extension is built, not in python/: import qnk
from a build tree (PYTHONPATH=<build>/python_packages, as scripts/test.sh
sets it) or an installed copy, else from <repo>/build/python_packages. The
shared helpers live in qnk_testing.py."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

if importlib.util.find_spec("qnk") is None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "build"
                           / "python_packages"))


@pytest.fixture(scope="session")
def rng():
    return np.random.default_rng(0)
