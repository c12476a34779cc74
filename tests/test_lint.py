"""Style never drifts: ruff (lint and format) over the whole tree, as `make lint` runs it."""

import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    ruff = [sys.executable, "-m", "ruff"]
    lint = subprocess.run([*ruff, "check", "."], cwd=BASE_DIR, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout
    form = subprocess.run(
        [*ruff, "format", "--check", "."], cwd=BASE_DIR, capture_output=True, text=True
    )
    assert form.returncode == 0, form.stdout
