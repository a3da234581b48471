"""The command line: build (skipped when the source is unchanged) and search, as subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.unit.policy_kb.conftest import ROOT, SECOND_SOURCE


def _run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "policy_kb", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=str(ROOT),
        env=env,
    )


def test_build_records_the_source_hash_and_skips_an_unchanged_source(tmp_path):
    source = tmp_path / "policy.md"
    source.write_text(SECOND_SOURCE.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "kb"
    first = _run("build", "--source", str(source), "--out", str(out), "--no-embeddings")
    assert first.returncode == 0 and "built" in first.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["source_sha256"]) == 64
    second = _run("build", "--source", str(source), "--out", str(out), "--no-embeddings")
    assert second.returncode == 0 and "up to date" in second.stdout
    source.write_text(source.read_text() + "\nWe may also use your data for surveys.\n", encoding="utf-8")
    third = _run("build", "--source", str(source), "--out", str(out), "--no-embeddings")
    assert "built" in third.stdout
    assert json.loads((out / "manifest.json").read_text())["source_sha256"] != manifest["source_sha256"]


def test_search_reads_questions_from_stdin_and_writes_one_json_object_a_line(cartier_kb_dir):
    result = _run(
        "search",
        "--kb",
        str(cartier_kb_dir),
        "--top",
        "2",
        "--json",
        stdin="do you record calls?\nwho does fraud checks\n\n",
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [entry["question"] for entry in lines] == ["do you record calls?", "who does fraud checks", ""]
    assert lines[0]["results"][0]["section"] == "telephone-calls"
    assert set(lines[0]["results"][0]) == {"section", "text", "score"} and len(lines[0]["results"]) == 2
    assert lines[2]["results"] == []


def test_build_of_a_missing_source_fails_with_a_clear_message(tmp_path):
    result = _run("build", "--source", str(tmp_path / "nope.md"), "--out", str(tmp_path / "kb"))
    assert result.returncode == 2 and "cannot read policy source" in result.stderr


def test_search_without_a_built_kb_says_how_to_build_it(tmp_path):
    result = _run("search", "--kb", str(tmp_path), "--json", stdin="hi\n")
    assert result.returncode == 2 and "python -m policy_kb build" in result.stderr
