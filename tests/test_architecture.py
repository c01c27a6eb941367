"""The app layering of docs/architecture.md holds in the code, and its check really checks.

The contracts live in pyproject.toml (``[tool.importlinter]``) and are run here, so the test
suite fails when an import points the wrong way.
"""

import ast
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
APPS = CONFIG["root_packages"]


def test_apps_import_downwards_only():
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def toml_value(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return f'"{value}"'


def project_tree(root: Path, wrong_import: tuple[str, str] | None) -> None:
    """Our packages, empty but for one module per app, and the project's own contracts."""
    for app in APPS:
        (root / app).mkdir()
        (root / app / "__init__.py").write_text("")
        (root / app / "models.py").write_text("")
    if wrong_import:
        module, source = wrong_import
        (root / module.replace(".", "/")).with_suffix(".py").write_text(textwrap.dedent(source))
    lines = ["[tool.importlinter]", f"root_packages = {toml_value(APPS)}"]
    for contract in CONFIG["contracts"]:
        lines.append("[[tool.importlinter.contracts]]")
        lines += [f"{key} = {toml_value(value)}" for key, value in contract.items()]
    (root / "pyproject.toml").write_text("\n".join(lines) + "\n")


def run_contracts(root: Path) -> subprocess.CompletedProcess:
    # A fresh interpreter whose first path entry is the fixture tree, not the project.
    script = (
        "import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True))"
    )
    return subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120
    )


def test_the_contracts_pass_a_tree_that_keeps_the_layering(tmp_path):
    project_tree(tmp_path, ("booking.services", "import safety.models\nimport clinics.models\n"))
    result = run_contracts(tmp_path)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("wrong_import", "reported"),
    [
        (("clinics.forms", "import safety.models\n"), "clinics.forms -> safety.models"),
        (
            # Tucked inside a function to dodge a cycle: still an import that points up.
            (
                "safety.services",
                """
                def cancel_her_sessions():
                    from booking.models import Booking
                """,
            ),
            "safety.services -> booking.models",
        ),
        (("booking.views", "import backoffice.models\n"), "booking.views -> backoffice.models"),
        (("privacy.views", "import backoffice.models\n"), "privacy.views -> backoffice.models"),
    ],
)
def test_the_contracts_fail_on_an_import_that_points_up(tmp_path, wrong_import, reported):
    project_tree(tmp_path, wrong_import)
    result = run_contracts(tmp_path)
    assert result.returncode == 1, result.stdout
    assert "BROKEN" in result.stdout
    assert reported in result.stdout


def imports_inside_functions(path: Path) -> list[str]:
    """First-party imports below module level, other than an AppConfig's ``ready``."""
    found = []
    tree = ast.parse(path.read_text(), filename=str(path))
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if function.name == "ready" and path.name == "apps.py":
            continue  # Django's place to connect signal receivers.
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if any(name.split(".")[0] in APPS for name in names):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {', '.join(names)}")
    return found


def test_no_app_imports_another_module_inside_a_function():
    modules = [
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    ]
    assert modules
    assert [found for path in modules for found in imports_inside_functions(path)] == []
