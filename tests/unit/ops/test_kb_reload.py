"""``privacy-desk kb reload``: bad policies are refused with a clear reason and the serving KB stays;
a good one is installed in one step; turns running during the swap never fail or mix two policies."""

from __future__ import annotations

import asyncio
import json
import os
import random
from pathlib import Path
from typing import List, Tuple

import pytest

from actions import policy
from actions.kb_holder import KnowledgeBaseHolder
from bot.company import configure, current_profile
from bot.ops.kb_reload import check_policy, reload_kb
from bot.ops.policy_input import PolicyRejected
from policy_kb import KnowledgeBase
from tests.data.policies.make_policyqa_policy import policy_markdown

ROOT = Path(__file__).resolve().parents[3]
CARTIER_POLICY = ROOT / "policy_kb" / "source" / "cartier-us-privacy-policy-2010.md"
CARTIER_FILE = ROOT / "company.yml"
SECOND_POLICY = ROOT / "tests" / "data" / "policies" / "washingtonian-com-privacy-policy.md"
SECOND_FILE = ROOT / "tests" / "data" / "policies" / "washingtonian-com-company.yml"


@pytest.fixture
def serving(tmp_path: Path) -> Path:
    """A KB directory serving the repository policy, installed by a reload."""
    kb_dir = tmp_path / "kb"
    reload_kb(CARTIER_POLICY, kb_dir, CARTIER_FILE, embeddings=False)
    return kb_dir


def _served(kb_dir: Path) -> str:
    return json.loads((kb_dir / "manifest.json").read_text(encoding="utf-8"))["source_sha256"]


def _bad_policies(tmp: Path) -> List[Tuple[Path, str]]:
    english = SECOND_POLICY.read_text(encoding="utf-8")
    cases = {
        "empty.md": (b"", "empty"),
        "blank.md": (b"  \n\n# Privacy\n\n", "empty"),
        "policy.pdf": (b"%PDF-1.4\n\x00\x01\x02" + os.urandom(2048), "not a text file"),
        "huge.md": ((english + "\n").encode() * (2 * 1024 * 1024 // len(english) + 2), "larger than the 2 MB"),
        "french.md": (
            (
                "# Politique de confidentialité\n\n" + "Nous collectons vos données personnelles lorsque vous "
                "créez un compte. Vous pouvez demander leur suppression en écrivant à notre délégué. " * 20
            ).encode("utf-8"),
            "English",
        ),
        "no-contact.md": (policy_markdown("ted.com").encode("utf-8"), "no contact details"),
    }
    out = []
    for name, (data, reason) in cases.items():
        path = tmp / name
        path.write_bytes(data)
        out.append((path, reason))
    return out


def test_a_bad_policy_is_refused_with_its_reason_and_the_previous_kb_keeps_serving(
    serving: Path, tmp_path: Path
) -> None:
    before = _served(serving)
    for path, reason in _bad_policies(tmp_path):
        with pytest.raises(PolicyRejected, match=reason):
            reload_kb(path, serving, CARTIER_FILE, embeddings=False)
        assert _served(serving) == before, path.name
    assert not [p for p in (tmp_path / "kb-versions").iterdir() if p.name.startswith(".staging")]


def test_a_company_file_that_does_not_fit_the_new_policy_is_refused(serving: Path, tmp_path: Path) -> None:
    bad = tmp_path / "company.yml"
    bad.write_text("display_name: Example\nchildren_age: 99\n", encoding="utf-8")
    with pytest.raises(PolicyRejected, match="children_age"):
        reload_kb(SECOND_POLICY, serving, bad, embeddings=False)


def test_a_new_policy_is_installed_in_one_step_and_the_profile_follows(serving: Path) -> None:
    configure(serving, SECOND_FILE)
    try:
        done = reload_kb(SECOND_POLICY, serving, SECOND_FILE, embeddings=False)
        assert serving.is_symlink() and Path(os.path.realpath(serving)) == done.directory.resolve()
        assert current_profile().privacy_email == "privacy@washingtonian.com"
    finally:
        configure()


async def _turns(holder: KnowledgeBaseHolder, n: int, results: list) -> None:
    questions = ["how can I contact you?", "do you collect data from children?", "do you share my data?"]
    for _ in range(n):
        kb = holder.current or await asyncio.to_thread(holder.load_now)  # one KB for the whole turn
        if holder.due_for_check():
            asyncio.get_running_loop().run_in_executor(None, holder.reload_if_changed)
        answer = await asyncio.to_thread(kb.answer, random.choice(questions))
        # everything the turn says comes from the KB it took: its sections, its contact e-mail
        sections = {section["id"] for section in kb.sections}
        consistent = (not answer.covered or answer.section_id in sections) and answer.contact_email in (
            None,
            kb.policy_facts.contact_email,
        )
        results.append((kb.manifest["source_sha256"], consistent))
        await asyncio.sleep(0.005)


def test_turns_during_a_hot_swap_never_fail_or_mix_two_policies(serving: Path, tmp_path: Path) -> None:
    holder = KnowledgeBaseHolder(lambda: serving, lambda d: KnowledgeBase.load(d, embeddings=False), check_seconds=0.01)
    results: List[Tuple[str, bool]] = []

    async def run() -> None:
        load = asyncio.gather(*(_turns(holder, 40, results) for _ in range(4)))
        await asyncio.sleep(0.05)
        await asyncio.to_thread(reload_kb, SECOND_POLICY, serving, SECOND_FILE, False)
        await load
        await asyncio.to_thread(holder.reload_if_changed)

    asyncio.run(run())
    versions = {sha for sha, _ in results}
    assert len(results) == 160 and all(consistent for _, consistent in results)
    assert len(versions) == 2 and holder.current is not None
    assert holder.current.manifest["source_sha256"] == _served(serving)


def test_the_action_server_takes_a_reloaded_kb_without_a_restart(
    serving: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = KnowledgeBaseHolder(lambda: serving, lambda d: KnowledgeBase.load(d, embeddings=False), check_seconds=0.0)
    monkeypatch.setattr(policy, "_holder", holder)

    async def run() -> str:
        first = await policy.get_knowledge_base()
        assert first is not None
        await asyncio.to_thread(reload_kb, SECOND_POLICY, serving, SECOND_FILE, False)
        for _ in range(200):
            kb = await policy.get_knowledge_base()
            if kb is not None and kb is not first:
                return kb.manifest["source_sha256"]
            await asyncio.sleep(0.01)
        return first.manifest["source_sha256"]

    assert asyncio.run(run()) == _served(serving) != ""


def test_kb_check_refuses_what_reload_refuses_and_touches_nothing(tmp_path: Path) -> None:
    for path, reason in _bad_policies(tmp_path):
        with pytest.raises(PolicyRejected, match=reason):
            check_policy(path, CARTIER_FILE)
    assert check_policy(SECOND_POLICY, SECOND_FILE).profile.display_name == "Washingtonian"
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == []
