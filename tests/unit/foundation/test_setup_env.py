from pathlib import Path

from bot.ops.setup_env import ensure_env
from bot.privacy.crypto import DataCipher
from bot.settings import PROJECT_ROOT, settings_from_environ


def _read(path: Path) -> dict:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))


def test_first_run_creates_env_with_fresh_valid_secrets(tmp_path: Path) -> None:
    target = tmp_path / ".env"
    ensure_env(PROJECT_ROOT / ".env.example", target)
    values = _read(target)
    assert "generate" not in values.values()
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    DataCipher([values["DATA_KEYS"]])  # a real Fernet key
    settings_from_environ({**values, "VAR_DIR": str(tmp_path)})  # and the whole file validates

    second = tmp_path / ".env2"
    ensure_env(PROJECT_ROOT / ".env.example", second)
    assert _read(second)["RASA_API_TOKEN"] != values["RASA_API_TOKEN"]


def test_existing_env_is_completed_never_overwritten(tmp_path: Path) -> None:
    example = tmp_path / ".env.example"
    example.write_text("A=1\nSECRET=generate\nNEW=x\n")
    target = tmp_path / ".env"
    target.write_text("A=operator-choice\n")
    added = ensure_env(example, target)
    values = _read(target)
    assert added == ["SECRET", "NEW"]
    assert values["A"] == "operator-choice"
    assert values["NEW"] == "x" and len(values["SECRET"]) >= 32
    assert ensure_env(example, target) == []
