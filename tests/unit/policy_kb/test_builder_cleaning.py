"""The builder repairs extraction damage generically (each known defect, on synthetic text)."""

from __future__ import annotations

from policy_kb.builder import build, sections_from_text
from policy_kb.clean import CleanReport, clean_inline, parse_blocks, split_sentences


def _all_text(doc) -> str:
    return " ".join(p for s in doc["sections"] for p in s["passages"])


def test_sentence_holding_a_broken_html_fragment_is_dropped_and_its_neighbours_kept():
    text = (
        '**NOTE**\n\nWe never sell data. To regist/terms-of-use" title="Terms" target="_self"> **Terms**  '
        "before you register. We delete records of minors.\n"
    )
    report = CleanReport()
    doc = sections_from_text(text, report)
    body = _all_text(doc)
    assert "title=" not in body and "target=" not in body and '">' not in body and "regist/" not in body
    assert "We never sell data." in body and "We delete records of minors." in body
    assert report.dropped_sentences == 1


def test_lead_in_before_an_empty_widget_block_is_joined_to_the_text_after_it():
    text = "**RIGHTS**\n\nFor any request about your data:\n\n  \n\n\n**Or write to:** Acme, 1 Main Street, Springfield, IL 62701.\n"
    doc = sections_from_text(text)
    assert doc["sections"][0]["passages"] == [
        "For any request about your data, write to: Acme, 1 Main Street, Springfield, IL 62701."
    ]


def test_escaped_markdown_characters_are_unescaped():
    assert clean_inline(r"1\. Your name\_and \*address\*") == "1. Your name_and *address*"


def test_stray_bold_markers_and_a_bold_full_stop_are_removed():
    assert clean_inline("write to [x@example.com](mailto:x@example.com)\u00a0 **.**") == "write to x@example.com."
    assert clean_inline("**Or write to:** Acme") == "Or write to: Acme"
    assert clean_inline("a stray ** marker") == "a stray marker"


def test_a_bold_line_paragraph_becomes_a_section_heading_in_sentence_case():
    doc = sections_from_text("**TELEPHONE CALLS**\n\nCalls may be recorded.\n")
    assert [(s["id"], s["title"]) for s in doc["sections"]] == [("telephone-calls", "Telephone calls")]


def test_plain_text_title_case_lines_are_headings():
    doc = sections_from_text(
        "How We Use Your Data\n\nWe use it to ship orders.\n\nCookies\n\nWe use essential cookies.\n"
    )
    assert [s["title"] for s in doc["sections"]] == ["How We Use Your Data", "Cookies"]


def test_common_misspellings_are_corrected():
    assert clean_inline("personally indentifiable information") == "personally identifiable information"


def test_front_matter_blockquote_before_the_first_heading_is_not_policy_text():
    doc = sections_from_text("> *Extracted from an archived page.*\n\n# Policy\n\nWe keep data safe.\n")
    assert "Extracted" not in _all_text(doc)


def test_numbered_list_items_are_joined_to_their_lead_in():
    doc = sections_from_text("**SHARING**\n\nWe share:\n\n1\\. Your name;\n\n2\\. Your address.\n")
    assert doc["sections"][0]["passages"] == ["We share: 1. Your name; 2. Your address."]


def test_a_numbered_list_stays_one_sentence_up_to_its_last_item_after_and():
    text = (
        "We share the following: 1. Your name; 2. Your card number; and 3. The price paid. "
        "Nothing else is shared; or b. Otherwise stated."
    )
    assert split_sentences(text) == [
        "We share the following: 1. Your name; 2. Your card number; and 3. The price paid.",
        "Nothing else is shared; or b. Otherwise stated.",
    ]


def test_a_number_ending_a_plain_sentence_still_ends_it():
    assert split_sentences("Our office is at number 4. It opens at nine.") == [
        "Our office is at number 4.",
        "It opens at nine.",
    ]


def test_empty_and_whitespace_only_blocks_produce_no_passages():
    blocks = parse_blocks("**A**\n\n \u00a0 \n\nText.\n\n\n\n")
    assert [b.kind for b in blocks] == ["heading", "paragraph"]


def test_section_ids_are_stable_slugs_and_duplicates_are_numbered():
    text = "**Contact**\n\nOne.\n\n**Contact**\n\nTwo.\n"
    first = [s["id"] for s in sections_from_text(text)["sections"]]
    assert first == ["contact", "contact-2"] == [s["id"] for s in sections_from_text(text)["sections"]]


def test_the_real_policy_builds_into_its_nine_sections(cartier_kb):
    assert [s["id"] for s in cartier_kb.sections] == [
        "privacy-policy",
        "note-to-minors-and-children",
        "note-to-parents",
        "telephone-calls",
        "personal-information-collection-and-use",
        "joint-use-of-personal-data",
        "security",
        "your-rights",
        "changes-to-this-privacy-policy",
    ]
    body = " ".join(p["text"] for p in cartier_kb.passages)
    for damage in ("**", "\\.", "title=", "\u00a0", "indentifiable", " ."):
        assert damage not in body


def test_a_document_without_headings_still_builds(tmp_path):
    source = tmp_path / "plain.txt"
    source.write_text("We collect your e-mail address to send receipts.\n\nWe keep receipts for two years.\n")
    result = build(source, tmp_path / "kb")
    assert result.sections == 2 and result.passages == 2
