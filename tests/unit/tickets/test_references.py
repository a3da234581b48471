"""References: PD-XXXX-XXXX, Crockford alphabet, random, forgiving to read back."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.tickets.references import ALPHABET, is_reference, new_reference, normalise_reference


def test_new_references_have_the_public_format_and_no_confusable_letters():
    refs = {new_reference() for _ in range(2000)}
    assert len(refs) == 2000  # 40 random bits: no collisions at this scale
    for ref in refs:
        assert is_reference(ref) and len(ref) == 12 and ref.startswith("PD-")
        assert not set(ref[3:].replace("-", "")) & set("ILOU")


def test_references_use_the_whole_alphabet_roughly_evenly():
    symbols = "".join(new_reference()[3:].replace("-", "") for _ in range(4000))
    counts = [symbols.count(ch) for ch in ALPHABET]
    assert min(counts) > 0.7 * len(symbols) / 32 and max(counts) < 1.3 * len(symbols) / 32


def test_spoken_or_typed_variants_normalise_to_the_reference():
    assert normalise_reference("pd 7k3d 9qxm") == "PD-7K3D-9QXM"
    assert normalise_reference("7K3D9QXM") == "PD-7K3D-9QXM"
    assert normalise_reference(" PD-7K3D-9QXM ") == "PD-7K3D-9QXM"
    assert normalise_reference("PD-OIL0-0000") == "PD-0110-0000"


def test_malformed_references_are_rejected():
    for text in ["", "PD-", "PD-7K3D", "PD-7K3D-9QXMX", "PD-7K3D-9QXU", "hello world!", "PD-7K3D-9QX\udce9", "x" * 100]:
        assert normalise_reference(text) is None
    assert normalise_reference(None) is None  # type: ignore[arg-type]


@given(st.text(alphabet=ALPHABET, min_size=8, max_size=8), st.sampled_from(["", " ", "-", "  "]), st.booleans())
def test_any_reference_round_trips_through_separators_and_case(body, sep, lower):
    ref = f"PD-{body[:4]}-{body[4:]}"
    typed = f"PD{sep}{body[:4]}{sep}{body[4:]}"
    assert normalise_reference(typed.lower() if lower else typed) == ref


@given(st.text(max_size=30))
def test_normalise_never_raises_and_returns_canonical_or_none(text):
    result = normalise_reference(text)
    assert result is None or is_reference(result)
