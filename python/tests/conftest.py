"""Test setup: import the in-tree package (python/qnk) ahead of any installed
copy; the shared helpers live in qnk_testing.py."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@pytest.fixture(scope="session")
def rng():
    return np.random.default_rng(0)
