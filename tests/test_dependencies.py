"""The lock files install exactly what pyproject.toml asks for, every package pinned and hashed."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LOCKED = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)", re.MULTILINE)


def locked_versions(lock_file: str) -> dict[str, str]:
    text = (ROOT / lock_file).read_text()
    return {canonicalize_name(name): version for name, version in LOCKED.findall(text)}


def direct_pins(*groups: str) -> dict[str, str]:
    requirements = list(PYPROJECT["project"]["dependencies"])
    for group in groups:
        requirements += PYPROJECT["project"]["optional-dependencies"][group]
    pins = {}
    for line in requirements:
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{line}: pin direct dependencies with =="
        pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


@pytest.mark.parametrize(
    ("lock_file", "groups"), [("requirements.txt", ()), ("requirements-dev.txt", ("dev",))]
)
def test_lock_file_holds_every_direct_dependency_at_its_pinned_version(lock_file, groups):
    locked = locked_versions(lock_file)
    stale = {
        name: (version, locked.get(name))
        for name, version in direct_pins(*groups).items()
        if locked.get(name) != version
    }
    assert not stale, f"run `make lock`: {lock_file} disagrees with pyproject.toml on {stale}"


@pytest.mark.parametrize("lock_file", ["requirements.txt", "requirements-dev.txt"])
def test_every_locked_package_is_pinned_with_a_hash(lock_file):
    entries = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / lock_file).read_text().split("\n", 2)[2])
    for entry in filter(str.strip, entries):
        assert LOCKED.match(entry), f"not pinned: {entry.splitlines()[0]}"
        assert "--hash=sha256:" in entry, f"no hash: {entry.splitlines()[0]}"


def test_production_lock_leaves_out_the_developer_tools():
    production = locked_versions("requirements.txt")
    for tool in direct_pins("dev").keys() - direct_pins().keys():
        assert tool not in production, f"{tool} is a developer tool"
