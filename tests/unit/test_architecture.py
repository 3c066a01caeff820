"""The layering of STYLE.md, checked on the import statements of every module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CHALICELIB = Path(__file__).resolve().parents[2] / "chalicelib"

# package -> module prefixes it must never import
FORBIDDEN = {
    "domain": (
        "boto3",
        "botocore",
        "pynamodb",
        "chalice",
        "chalicelib.models",
        "chalicelib.aws",
        "aws_lambda_powertools",
    ),
    "handlers": ("boto3", "botocore", "pynamodb", "chalicelib.models", "chalicelib.aws"),
    "services": ("boto3", "botocore", "pynamodb", "chalice"),
    "models": ("boto3", "chalice", "chalicelib.handlers", "chalicelib.services", "chalicelib.notify"),
    "storage": ("boto3", "pynamodb", "chalice", "chalicelib.handlers", "chalicelib.services", "chalicelib.models"),
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_import_only_what_they_may(package):
    files = sorted((CHALICELIB / package).rglob("*.py"))
    assert files, f"no modules in chalicelib/{package}"
    violations = [
        f"{path.relative_to(CHALICELIB)} imports {module}"
        for path in files
        for module in imported_modules(path)
        if any(module == banned or module.startswith(banned + ".") for banned in FORBIDDEN[package])
    ]

    assert violations == []


def test_a_cold_start_does_not_import_what_only_some_requests_need():
    """Every function imports app.py on a cold start: heavy libraries used by a few routes
    (the X-Ray SDK, jsonschema for forms, anyascii for search, ULIDs) are imported on use."""
    import subprocess
    import sys

    heavy = ("aws_xray_sdk", "jsonschema", "anyascii", "ulid")
    code = f"import sys, app; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=CHALICELIB.parent, capture_output=True, text=True, check=True
    ).stdout.strip()

    assert loaded == "[]"
