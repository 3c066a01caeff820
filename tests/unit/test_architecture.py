"""The layering of STYLE.md, checked on the import statements of every module."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHALICELIB = ROOT / "chalicelib"

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
    "services": ("boto3", "botocore", "pynamodb", "chalice", "chalicelib.aws"),
    "models": ("boto3", "chalice", "chalicelib.handlers", "chalicelib.services", "chalicelib.notify"),
    "storage": ("boto3", "pynamodb", "chalice", "chalicelib.handlers", "chalicelib.services", "chalicelib.models"),
    # The edge to SQS, SNS and Step Functions: it carries messages, it decides nothing.
    "adapters": ("chalicelib.services", "chalicelib.handlers", "chalicelib.models"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_statements(path: Path, *, type_checking: bool = True) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement of the file, in functions too; without `type_checking`, not
    those under `if TYPE_CHECKING:` (never run, so they make no circle)."""
    pending: list[ast.AST] = [ast.parse(path.read_text("utf-8"))]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and not type_checking and _is_type_checking(node.test):
            pending.extend(node.orelse)
        else:
            pending.extend(ast.iter_child_nodes(node))


def imported_names(path: Path, node: ast.Import | ast.ImportFrom) -> set[str]:
    """What one statement imports, absolute: `from a import b` gives `a` and `a.b` (b may
    be a module)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    base = node.module or ""
    if node.level:
        package = module_name(path).split(".")
        if path.name != "__init__.py":
            package = package[:-1]
        base = ".".join([*package[: len(package) - node.level + 1], *([base] if base else [])])
    return {base} | {f"{base}.{alias.name}" for alias in node.names if alias.name != "*"}


def imported_modules(path: Path) -> set[str]:
    return {name for node in import_statements(path) for name in imported_names(path, node)}


def app_modules() -> dict[str, Path]:
    paths = [ROOT / "app.py", *sorted(CHALICELIB.rglob("*.py"))]
    return {module_name(path): path for path in paths}


def import_graph() -> dict[str, dict[str, int]]:
    """module -> {module of the app it imports: the line of the first such import}, at run
    time: function-level imports count, `if TYPE_CHECKING:` ones do not. `from a import b`
    is an edge to the module `a.b` when there is one, else to `a`; importing `a.b` runs the
    package `a` first, so that is an edge too (but not to a package the importer is in:
    Python has begun it already)."""
    modules = app_modules()
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        edges: dict[str, int] = {}
        for node in import_statements(path, type_checking=False):
            names = imported_names(path, node)
            if isinstance(node, ast.ImportFrom):
                base = min(names, key=len)
                submodules = names & modules.keys() - {base}
                names = submodules if len(submodules) == len(names) - 1 else submodules | {base}
            for target in names & modules.keys():
                parts = target.split(".")
                for depth in range(1, len(parts) + 1):
                    ran = ".".join(parts[:depth])
                    if ran in modules and not (name == ran or name.startswith(ran + ".")):
                        edges.setdefault(ran, node.lineno)
        graph[name] = edges
    return graph


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's strongly connected components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in graph[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            components.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return components


def test_the_import_graph_has_no_circle():
    graph = import_graph()
    assert len(graph) > 50 and "chalicelib.config" in graph["chalicelib.aws"], "the graph misses imports"

    circles = [component for component in strongly_connected(graph) if len(component) > 1]

    described = [
        "\n".join(
            f"  {module} -> {target} (line {line})"
            for module in component
            for target, line in sorted(graph[module].items())
            if target in component
        )
        for component in circles
    ]
    assert circles == [], "modules that import each other, directly or round a circle:\n" + "\n\n".join(described)


def test_a_circle_round_several_modules_is_one_component():
    graph = {"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1, "d": 1}, "d": {}}

    assert sorted(strongly_connected(graph)) == [["a", "b", "c"], ["d"]]


def test_the_graph_follows_function_level_imports_and_skips_type_checking_ones(tmp_path):
    source = (
        "from typing import TYPE_CHECKING\n"
        "from chalicelib import aws\n"
        "if TYPE_CHECKING:\n"
        "    from chalicelib.models import grievances\n"
        "def later():\n"
        "    from chalicelib.config import get_settings\n"
    )
    path = tmp_path / "example.py"
    path.write_text(source)

    run_time = {name for node in import_statements(path, type_checking=False) for name in imported_names(path, node)}

    assert {"chalicelib.aws", "chalicelib.config"} <= run_time
    assert "chalicelib.models.grievances" not in run_time
    assert "chalicelib.models.grievances" in imported_modules(path)


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_import_only_what_they_may(package):
    files = sorted((CHALICELIB / package).rglob("*.py"))
    assert files, f"no modules in chalicelib/{package}"
    violations = sorted(
        {
            f"{path.relative_to(CHALICELIB)} imports {banned}"
            for path in files
            for module in imported_modules(path)
            for banned in FORBIDDEN[package]
            if module == banned or module.startswith(banned + ".")
        }
    )

    assert violations == []


# The domain is pure: the standard library, its own modules and these libraries of pure
# rules (schemas, phone numbers, addresses, transliteration) — nothing that reaches out.
DOMAIN_MAY_IMPORT = ("chalicelib.domain", "jsonschema", "phonenumbers", "email_validator", "anyascii")


def test_the_domain_imports_only_itself_the_standard_library_and_pure_libraries():
    outside = [
        f"{path.relative_to(CHALICELIB)} imports {module}"
        for path in sorted((CHALICELIB / "domain").rglob("*.py"))
        for module in imported_modules(path)
        if module.split(".")[0] not in sys.stdlib_module_names
        and not any(module == allowed or module.startswith(allowed + ".") for allowed in DOMAIN_MAY_IMPORT)
    ]

    assert outside == []


def test_the_settings_import_nothing_of_the_app():
    """Every module reads the settings: if they imported a module back, a circle would close.
    `config` loads its model, `settings`, on first use; both may name resources (a module of
    the standard library only, tested below)."""
    may_import = {
        "config.py": ("chalicelib.settings", "chalicelib.resource_names"),
        "settings.py": ("chalicelib.resource_names",),
    }
    imported = {
        name: sorted(
            module
            for module in imported_modules(CHALICELIB / name)
            if module.split(".")[0] == "chalicelib"
            and not any(module == allowed or module.startswith(allowed + ".") for allowed in allowed_modules)
        )
        for name, allowed_modules in may_import.items()
    }

    assert imported == {"config.py": [], "settings.py": []}


def test_resource_names_import_only_the_standard_library():
    """Every layer, the domain included, may name a resource."""
    imported = {module.split(".")[0] for module in imported_modules(CHALICELIB / "resource_names.py")}

    assert imported <= set(sys.stdlib_module_names) | {"__future__"}
