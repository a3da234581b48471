"""One-time codes: format, hashing at rest, expiry, attempts, resend limit, single use, concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.verification import codes as codes_module
from bot.verification.codes import (
    ChallengeState,
    CheckResult,
    CodeStore,
    IssuedCode,
    SendLimitReached,
    generate_code,
    normalise_code,
)
from bot.verification.errors import VerificationStoreNotReady
from tests.fakes.databases import open_db


@pytest.fixture
def store(database, indexer, cipher, clock) -> CodeStore:
    return CodeStore(database, indexer, cipher, clock=clock)


def issue(store: CodeStore, contact: str = "ada.demo@example.com", channel: str = "email") -> IssuedCode:
    issued = store.issue(channel, contact)
    assert isinstance(issued, IssuedCode)
    return issued


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# --------------------------------------------------------------------------- format


def test_code_is_six_digits_drawn_from_secrets_with_leading_zeros(monkeypatch):
    monkeypatch.setattr(codes_module.secrets, "randbelow", lambda bound: 42 if bound == 10**6 else 0)
    assert generate_code() == "000042"


def test_codes_vary():
    assert len({generate_code() for _ in range(200)}) > 190


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("123456", "123456"),
        ("123 456", "123456"),
        ("123-456", "123456"),
        ("  12 34 56 ", "123456"),
        ("123.456", "123456"),
        ("１２３４５６", "123456"),
        ("١٢٣٤٥٦", "123456"),
    ],
)
def test_codes_typed_with_separators_or_other_digit_scripts_are_understood(typed, expected):
    assert normalise_code(typed) == expected


@pytest.mark.parametrize(
    "typed", ["12345", "1234567", "12345a", "abcdef", "😀😀😀", "", None, 123456, "1" * 100, "123 456 7"]
)
def test_anything_but_six_digits_is_not_a_code(typed):
    assert normalise_code(typed) is None


# --------------------------------------------------------------------------- happy path and single use


def test_right_code_passes_once_then_the_challenge_is_used_up(store):
    issued = issue(store)
    assert store.check(issued.challenge_id, issued.code) is CheckResult.OK
    assert store.check(issued.challenge_id, issued.code) is CheckResult.NO_CHALLENGE
    info = store.get(issued.challenge_id)
    assert info is not None and info.state is ChallengeState.CONFIRMED


@pytest.mark.parametrize("fmt", ["{a} {b}", "{a}-{b}", " {a}{b} "])
def test_code_with_spaces_or_hyphen_passes(store, fmt):
    issued = issue(store)
    typed = fmt.format(a=issued.code[:3], b=issued.code[3:])
    assert store.check(issued.challenge_id, typed) is CheckResult.OK


def test_code_checked_before_any_was_requested_is_no_challenge(store):
    for challenge_id in (None, "", "nope", "x" * 500, "ünïcode", 12):
        assert store.check(challenge_id, "123456") is CheckResult.NO_CHALLENGE


def test_code_of_one_challenge_does_not_pass_another(store):
    first = issue(store, "a@example.com")
    second = issue(store, "b@example.com")
    if first.code != second.code:
        assert store.check(second.challenge_id, first.code) is CheckResult.WRONG
    assert store.check(second.challenge_id, second.code) is CheckResult.OK


# --------------------------------------------------------------------------- expiry


def test_code_expires_after_ten_minutes(store, clock):
    early = issue(store, "early@example.com")
    late = issue(store, "late@example.com")
    clock.advance(minutes=9, seconds=59)
    assert store.check(early.challenge_id, early.code) is CheckResult.OK
    clock.advance(seconds=1)
    assert store.check(late.challenge_id, late.code) is CheckResult.EXPIRED
    assert store.get(late.challenge_id).state is ChallengeState.EXPIRED


# --------------------------------------------------------------------------- attempts


def test_five_wrong_attempts_lock_the_challenge_even_for_the_right_code(store):
    issued = issue(store)
    results = [store.check(issued.challenge_id, wrong(issued.code)) for _ in range(5)]
    assert results == [CheckResult.WRONG] * 4 + [CheckResult.LOCKED]
    assert store.check(issued.challenge_id, issued.code) is CheckResult.LOCKED
    info = store.get(issued.challenge_id)
    assert info.state is ChallengeState.LOCKED and info.attempts_left == 0


def test_malformed_input_counts_as_a_wrong_attempt(store):
    issued = issue(store)
    assert store.check(issued.challenge_id, "hello") is CheckResult.WRONG
    assert store.get(issued.challenge_id).attempts_left == 4
    assert store.check(issued.challenge_id, issued.code) is CheckResult.OK


# --------------------------------------------------------------------------- resend limit


def test_fourth_code_to_one_contact_within_an_hour_is_refused(store, clock):
    for _ in range(3):
        issue(store, "+12025550100", "sms")
        clock.advance(minutes=10)
    refused = store.issue("sms", "+1 202 555 0100")  # the same number, written differently
    assert isinstance(refused, SendLimitReached)
    assert refused.retry_after == timedelta(minutes=30)
    # Another contact is not affected.
    issue(store, "+12025550101", "sms")
    clock.advance(minutes=30, seconds=1)
    issue(store, "+12025550100", "sms")


def test_email_resend_limit_ignores_case(store):
    for _ in range(3):
        issue(store, "Ada.Demo@Example.com")
    assert isinstance(store.issue("email", "ada.demo@example.com"), SendLimitReached)


# --------------------------------------------------------------------------- storage


def test_database_holds_only_a_keyed_hash_of_the_code_and_no_plaintext_contact(store, database, indexer):
    contact = "ada.demo@example.com"
    issued = issue(store, contact)
    with database.engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM verification_challenges")).mappings().one()
    values = " ".join(
        (bytes(value).decode("latin-1") if isinstance(value, (bytes, memoryview)) else str(value))
        for value in row.values()
    )
    assert issued.code not in values
    assert contact not in values and "ada.demo" not in values
    assert row["code_digest"] == indexer.digest("otp:" + issued.challenge_id, issued.code)
    assert row["contact_index"] == indexer.email_index(contact)
    assert "******" in repr(issued) and issued.code not in repr(issued)


def test_challenges_survive_another_process_instance(database, indexer, cipher, clock, migrated_db_url):
    issued = issue(CodeStore(database, indexer, cipher, clock=clock))
    other = open_db(migrated_db_url)
    try:
        assert CodeStore(other, indexer, cipher, clock=clock).check(issued.challenge_id, issued.code) is CheckResult.OK
    finally:
        other.dispose()


def test_missing_tables_raise_store_not_ready(tmp_path, indexer, cipher):
    empty = open_db(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with pytest.raises(VerificationStoreNotReady):
            CodeStore(empty, indexer, cipher).issue("email", "a@example.com")
    finally:
        empty.dispose()


def test_purge_deletes_old_challenges_only(store, clock):
    old = issue(store, "old@example.com")
    clock.advance(days=2)
    new = issue(store, "new@example.com")
    assert store.purge(clock() - timedelta(days=1)) == 1
    assert store.get(old.challenge_id) is None and store.get(new.challenge_id) is not None


# --------------------------------------------------------------------------- decoys and binding


def test_decoy_challenge_answers_like_a_real_one_with_wrong_codes(store):
    real = issue(store)
    decoy = store.issue_decoy()
    guesses = ["000000", "123456", "999999", "111111", "222222"]
    real_results = [store.check(real.challenge_id, g if g != real.code else wrong(g)) for g in guesses]
    decoy_results = [store.check(decoy, g) for g in guesses]
    assert decoy_results == real_results == [CheckResult.WRONG] * 4 + [CheckResult.LOCKED]


def test_confirmation_is_bound_to_the_contact_the_code_went_to(store):
    issued = issue(store, "ada.demo@example.com")
    assert not store.is_confirmed(issued.challenge_id, "email", "ada.demo@example.com")
    assert store.check(issued.challenge_id, issued.code) is CheckResult.OK
    assert store.is_confirmed(issued.challenge_id, "email", "ADA.demo@example.com")
    assert not store.is_confirmed(issued.challenge_id, "email", "mallory@example.com")
    assert not store.is_confirmed(issued.challenge_id, "sms", "+12025550100")
    assert not store.is_confirmed("unknown", "email", "ada.demo@example.com")


# --------------------------------------------------------------------------- concurrency (two replicas)


def _race(count, target):
    barrier = threading.Barrier(count)
    results = []
    lock = threading.Lock()

    def run():
        barrier.wait()
        value = target()
        with lock:
            results.append(value)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_checks_accept_the_right_code_exactly_once(database, indexer, cipher, clock):
    store = CodeStore(database, indexer, cipher, clock=clock)
    issued = issue(store)
    results = _race(6, lambda: store.check(issued.challenge_id, issued.code))
    assert sorted(r.value for r in results) == ["no_challenge"] * 5 + ["ok"]


def test_concurrent_sends_never_exceed_the_limit(database, indexer, cipher, clock):
    store = CodeStore(database, indexer, cipher, clock=clock)
    results = _race(6, lambda: store.issue("email", "race@example.com"))
    assert sum(isinstance(r, IssuedCode) for r in results) == 3
    assert sum(isinstance(r, SendLimitReached) for r in results) == 3


def test_concurrent_wrong_guesses_never_exceed_five_attempts(database, indexer, cipher, clock):
    store = CodeStore(database, indexer, cipher, clock=clock)
    issued = issue(store)
    results = _race(8, lambda: store.check(issued.challenge_id, wrong(issued.code)))
    assert results.count(CheckResult.WRONG) == 4
    assert results.count(CheckResult.LOCKED) == 4
    assert store.get(issued.challenge_id).attempts == 5
