"""The import rule of docs/architecture.md: every module imports only from its own room or a
room below it (so the site-wide apps never import wiki or discussions), and no modules import
each other in a cycle, at module level or inside functions."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("nlmg", "wiki", "discussions")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue  # migrations run with historical models, outside the rule
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported(module: str, path: Path, known) -> set[str]:
    """The project modules ``module`` imports, wherever in it the import is."""
    is_package = path.name == "__init__.py"
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: None if is_package else -1]
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module
            names.add(target)
            names.update(f"{target}.{alias.name}" for alias in node.names)
    found = set()
    for name in names:
        parts = name.split(".")
        while parts and ".".join(parts) not in known:
            parts.pop()
        if parts and ".".join(parts) != module:
            found.add(".".join(parts))
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {module: imported(module, path, known) for module, path in known.items()}


def documented_rooms() -> list[tuple[str, list[str]]]:
    """The rooms of docs/architecture.md's "Import rule" table, lowest first."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    section = text.split("## Import rule", 1)[1].split("\n## ", 1)[0]
    rooms = []
    for line in section.splitlines():
        m = re.match(r"\|\s*\d+\s*\|\s*(\w[\w ]*?)\s*\|\s*(.+?)\s*\|", line)
        if m:
            rooms.append((m.group(1), re.findall(r"`([\w.]+)`", m.group(2))))
    return rooms


def room_of(module: str, rooms) -> int:
    """The index of the room holding ``module`` (the longest prefix that names it)."""
    best, length = None, -1
    for index, (_, prefixes) in enumerate(rooms):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > length:
                best, length = index, len(prefix)
    assert best is not None, f"{module} is in no room of docs/architecture.md's import rule"
    return best


def test_every_module_is_in_a_documented_room():
    rooms = documented_rooms()
    assert [name for name, _ in rooms][:3] == ["infrastructure", "spoilers", "moderation"]
    for module in modules():
        room_of(module, rooms)


def test_imports_only_go_down_the_rooms():
    rooms = documented_rooms()
    upward = [
        f"{module} ({rooms[room_of(module, rooms)][0]}) imports {target} "
        f"({rooms[room_of(target, rooms)][0]})"
        for module, targets in graph().items()
        for target in targets
        if room_of(target, rooms) > room_of(module, rooms)
    ]
    assert upward == []


def test_the_site_wide_apps_never_import_wiki_or_discussions():
    for module, targets in graph().items():
        if module.startswith(("nlmg.accounts", "nlmg.spoilers", "nlmg.moderation")):
            assert not {t for t in targets if t.startswith(("wiki", "discussions"))}, module


def test_no_modules_import_each_other_in_a_cycle():
    edges = graph()
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in edges:
        if node not in index:
            visit(node)
    assert cycles == []
