"""The canary search is not vacuous: every transform it claims to catch is caught."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from tests.integration.privacy.canaries import Canary, files_under, scan_files


@pytest.fixture(scope="module")
def canary() -> Canary:
    return Canary.make("scan")


@pytest.mark.parametrize(
    "write, label",
    [
        (lambda c: c.email.encode(), "email"),
        (lambda c: c.email.upper().encode(), "email"),
        (lambda c: quote_plus(f"Body=my mail {c.email}").encode(), "email"),
        (lambda c: json.dumps({"text": f"I am {c.name}"}).encode(), "full-name"),
        (lambda c: c.last_name.lower().encode("utf-16-le"), "last-name"),
        (lambda c: b"\x00\x01" + c.phone[1:].encode() + b"\xff", "phone-digits"),
        (lambda c: c.phone_national.encode(), "phone-national"),
        (lambda c: c.dob_words.encode(), "dob-words"),
        (lambda c: f"code={c.code}".encode(), "code"),
    ],
)
def test_scan_finds_each_planted_transform(tmp_path: Path, canary: Canary, write, label: str) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "file.bin").write_bytes(write(canary))
    hits = scan_files(files_under([tmp_path]), [canary])
    assert f"scan:{label}" in hits[str(tmp_path / "sub" / "file.bin")]


def test_scan_reports_nothing_for_masked_or_encrypted_text(tmp_path: Path, canary: Canary) -> None:
    from bot.privacy.crypto import DataCipher, generate_key
    from bot.privacy.masking import mask_text

    cipher = DataCipher([generate_key()])
    (tmp_path / "log.txt").write_text(mask_text(f"mail {canary.email} phone {canary.phone} born {canary.dob_iso}"))
    (tmp_path / "db.bin").write_bytes(cipher.encrypt_json({"text": canary.name, "email": canary.email}))
    assert scan_files(files_under([tmp_path]), [canary], include_names=False) == {}
    assert scan_files([tmp_path / "db.bin"], [canary]) == {}
