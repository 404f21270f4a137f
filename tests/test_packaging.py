"""Packaging: the version is defined once, the package is typed, the licence ships."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

import pytest

import jisopt

ROOT = Path(__file__).resolve().parents[1]


def test_version_is_defined_once():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "jisopt.__version__"}
    try:
        installed = importlib.metadata.version("jisopt")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("jisopt is not installed (run from the source tree)")
    assert installed == jisopt.__version__


def test_typed_marker_and_licence():
    assert (ROOT / "jisopt" / "py.typed").is_file()
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
