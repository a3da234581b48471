import os
import subprocess

from bot.settings import PROJECT_ROOT

SCRIPT = str(PROJECT_ROOT / "scripts" / "find-python.sh")


def test_finds_a_python_3_10_interpreter() -> None:
    found = subprocess.run([SCRIPT], capture_output=True, text=True, check=True).stdout.strip()
    version = subprocess.run([found, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True)
    assert version.stdout.strip() == "(3, 10)"


def test_a_wrong_python_override_is_refused_in_one_sentence() -> None:
    other = "/usr/bin/false"
    result = subprocess.run([SCRIPT], capture_output=True, text=True, env={**os.environ, "PYTHON": other})
    assert result.returncode == 1
    assert "not a Python 3.10 interpreter" in result.stderr


def test_no_python_3_10_anywhere_says_what_to_do(tmp_path) -> None:
    env = {"PATH": "/nonexistent", "HOME": str(tmp_path)}
    result = subprocess.run(["/bin/bash", SCRIPT], capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "No Python 3.10 found" in result.stderr
    assert "PYTHON=" in result.stderr
