"""Property-based run of the whole API from its own OpenAPI document: no input may
cause a server error, and every answer must match the schema of its status."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.settings import PROJECT_ROOT
from tests.support.backend import Backend

MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "30")


def run_schemathesis(backend: Backend, api_key: str, report_dir: Path, *selection: str) -> str:
    """One bounded run with `api_key` as the bearer; returns its output, asserts it passed."""
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "st"),
            "run",
            f"{backend.url}/api/v1/openapi.json",
            "--header", f"Authorization: Bearer {api_key}",
            "--checks", "not_a_server_error,response_schema_conformance",
            "--phases", "examples,coverage,fuzzing",
            "--max-examples", MAX_EXAMPLES,
            "--seed", "20261128",
            "--workers", "1",  # hypothesis + concurrent ast.parse trips a CPython 3.11 bug
            "--request-timeout", "30",
            "--suppress-health-check", "all",
            "--no-color",
            "--report", "junit",
            "--report-dir", str(report_dir),
            *selection,
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:]
    return output


def test_schemathesis_finds_no_server_error_and_no_schema_violation(backend: Backend, tmp_path: Path):
    fuzzed = backend.new_operator("Fuzzed Network")
    output = run_schemathesis(backend, fuzzed.api_key, tmp_path)
    print(output[-1200:])  # the run's summary, shown with `pytest -s` / `-rP`


def test_schemathesis_with_a_pos_key_finds_no_server_error(backend: Backend, tmp_path: Path):
    """The POS routes again, as a POS calls them: with its own key (the run above sends an operator key)."""
    fuzzed = backend.new_operator("Fuzzed POS Network")
    location = fuzzed.add_location("Fuzzed Till", mode="pos")
    pos_key = fuzzed.http.post(f"/locations/{location['id']}/pos-keys", json={"name": "Fuzzed POS"}).json()["key"]
    output = run_schemathesis(backend, pos_key, tmp_path, "--include-path-regex", "/pos/payments")
    print(output[-1200:])
