"""The package's layout: no import circle, and no library module imports a command."""

import ast
from pathlib import Path

import nnutils

PACKAGE = Path(nnutils.__file__).parent


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path, modules):
    """The nnutils modules that the module at ``path`` imports (explicitly, at any depth)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {m for m in found if m in modules and m != name}


def graph():
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: imports(path, modules) for name, path in modules.items()}


def test_no_import_circle():
    edges = graph()
    state = {}

    def visit(name, trail):
        state[name] = "open"
        for other in sorted(edges[name]):
            assert state.get(other) != "open", "import circle: " + " -> ".join([*trail, other])
            if other not in state:
                visit(other, [*trail, other])
        state[name] = "done"

    for name in sorted(edges):
        if name not in state:
            visit(name, [name])


def test_no_library_module_imports_a_command():
    for name, imported in graph().items():
        commands = [m for m in imported if m.endswith("__main__")]
        assert not commands, f"{name} imports {commands}"


def test_commands_have_their_own_entry_points():
    for package in ("authoring", "classroom", "progress"):
        assert (PACKAGE / package / "__main__.py").is_file()
