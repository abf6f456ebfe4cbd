"""Every test module's file name is unique across tests/: pytest imports them by basename
(rootdir-relative packages are not used), so two `test_x.py` in different folders stop the
whole run at collection. This catches it in the unit run, before the slow suites."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_no_two_test_modules_share_a_file_name():
    where = defaultdict(list)
    for path in TESTS.rglob("test_*.py"):
        where[path.name].append(str(path.relative_to(TESTS)))
    shared = {name: paths for name, paths in where.items() if len(paths) > 1}
    assert not shared, f"rename one of each (pytest cannot collect both): {shared}"
