"""The data map: the demo map is accepted; unclear maps are refused with the file, line and field."""

from __future__ import annotations

import pytest

from bot.fulfilment import DataMapError, open_systems, parse_datamap
from bot.fulfilment.datamap import ConnectorKind, EraseMode, FieldAction
from tests.unit.fulfilment.support import DEMO_MAP


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``needle``."""
    hits = [number for number, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


def refused(text: str) -> DataMapError:
    with pytest.raises(DataMapError) as caught:
        parse_datamap(text, "map.yml")
    return caught.value


def test_the_demo_map_describes_every_system_and_rule() -> None:
    datamap = parse_datamap(DEMO_MAP)
    assert list(datamap.systems) == ["shop", "marketing", "support", "returns_binder"]
    orders = datamap.systems["shop"].table("orders")
    assert orders.erase is EraseMode.FIELDS
    assert {rule.column: rule.reason for rule in orders.kept()}["order_number"] == "tax-records"
    assert {rule.column: rule.action for rule in orders.fields}["payment_token"] is FieldAction.NULLIFY
    assert datamap.systems["returns_binder"].connector is ConnectorKind.MANUAL


def test_a_misspelt_key_is_refused_with_its_line() -> None:
    text = DEMO_MAP.replace(
        "        match: {account_id: account_id}\n        key: id\n        erase: delete_row",
        "        match: {account_id: account_id}\n        kee: id\n        erase: delete_row",
        1,
    )
    error = refused(text)
    assert error.line == line_of(text, "kee: id")
    assert "unknown key 'kee'" in str(error) and "systems.shop.tables.addresses.kee" in str(error)
    assert str(error).startswith(f"map.yml, line {error.line}:")


def test_keep_without_a_defined_legal_reason_is_refused() -> None:
    text = DEMO_MAP.replace("currency: {keep: tax-records}", "currency: {keep: tax-recrods}")
    error = refused(text)
    assert error.line == line_of(text, "currency: {keep")
    assert "unknown legal reason 'tax-recrods'" in error.message


def test_bare_keep_needs_a_reason() -> None:
    text = DEMO_MAP.replace("currency: {keep: tax-records}", "currency: keep")
    error = refused(text)
    assert error.line == line_of(text, "currency: keep") and "legal reason" in error.message


def test_a_field_named_twice_is_refused_not_silently_overwritten() -> None:
    text = DEMO_MAP.replace(
        "          card_last4: nullify\n", "          card_last4: nullify\n          shipping_name: mask\n"
    )
    error = refused(text)
    assert error.line == line_of(text, "shipping_name: mask")
    assert "given twice" in error.message and f"line {line_of(text, 'shipping_name: nullify')}" in error.message


def test_an_unknown_erase_action_lists_the_choices() -> None:
    text = DEMO_MAP.replace("payment_token: nullify", "payment_token: shred")
    error = refused(text)
    assert error.line == line_of(text, "payment_token: shred")
    assert "nullify" in error.message and "mask" in error.message


def test_a_table_matched_on_an_identity_nobody_finds_is_refused() -> None:
    # Without lookups, nothing yields account_id: the orders table could never be matched.
    text = DEMO_MAP.replace(
        "      - {by: email, table: accounts, field: email, yields: {account_id: id, phone: phone}}\n", ""
    )
    text = text.replace(
        "      - {by: phone, table: accounts, field: phone, yields: {account_id: id, email: email}}\n", ""
    )
    text = text.replace("    lookups:\n", "")
    error = refused(text)
    assert "identity 'account_id' is never known" in error.message
    assert error.line == line_of(text, "match: {account_id: account_id}")


def test_a_webhook_must_be_https_and_signed() -> None:
    base = (
        DEMO_MAP
        + "  crm:\n    connector: webhook\n    url: http://crm.example/privacy\n    secret_env: CRM_SECRET\n    send: [email]\n"
    )
    error = refused(base)
    assert error.line == line_of(base, "url: http://crm") and "https" in error.message
    unsigned = DEMO_MAP + "  crm:\n    connector: webhook\n    url: https://crm.example/privacy\n    send: [email]\n"
    assert "secret_env" in refused(unsigned).message


def test_broken_yaml_names_the_line() -> None:
    text = DEMO_MAP.replace("    title: Marketing (preferences, newsletter)", "    title: [Marketing")
    error = refused(text)
    assert error.line is not None and "not valid YAML" in error.message


# ------------------------------------------------------------------ against the live systems


def refused_at_startup(world, text: str) -> DataMapError:
    with pytest.raises(DataMapError) as caught:
        open_systems(parse_datamap(text, "map.yml"), world.settings())
    return caught.value


def test_the_demo_map_fits_the_seeded_shop(world) -> None:
    open_systems(parse_datamap(DEMO_MAP), world.settings()).close()


def test_a_missing_table_is_refused_at_startup_with_its_line(world) -> None:
    text = DEMO_MAP.replace("      support_calls:\n", "      support_call_log:\n")
    error = refused_at_startup(world, text)
    assert error.line == line_of(text, "support_call_log:")
    assert "table 'support_call_log' does not exist" in error.message


def test_a_missing_field_is_refused_at_startup_with_its_line(world) -> None:
    text = DEMO_MAP.replace("          shipping_address: nullify", "          shipping_adress: nullify")
    error = refused_at_startup(world, text)
    assert error.line == line_of(text, "shipping_adress")
    assert "field 'shipping_adress' does not exist in table 'orders'" in error.message


def test_nullifying_a_required_field_is_refused_at_startup(world) -> None:
    text = DEMO_MAP.replace(
        "          recording_ref: nullify\n", "          recording_ref: nullify\n          duration_s: nullify\n"
    )
    error = refused_at_startup(world, text)
    assert error.line == line_of(text, "duration_s: nullify") and "NOT NULL" in error.message


def test_masking_a_number_is_refused_at_startup(world) -> None:
    text = DEMO_MAP.replace(
        "          recording_ref: nullify\n", "          recording_ref: nullify\n          duration_s: mask\n"
    )
    error = refused_at_startup(world, text)
    assert error.line == line_of(text, "duration_s: mask") and "not text" in error.message


def test_the_check_command_refuses_a_broken_map_and_accepts_the_demo(world, tmp_path, monkeypatch, capsys) -> None:
    from bot import cli

    for key, value in world.environ.items():
        monkeypatch.setenv(key, value)
    broken = tmp_path / "broken.yml"
    broken.write_text(DEMO_MAP.replace("      support_calls:\n", "      support_call_log:\n"), encoding="utf-8")
    assert cli.main(["fulfilment", "check", "--map", str(broken)]) == 1
    assert f"line {line_of(broken.read_text(), 'support_call_log:')}" in capsys.readouterr().err
    assert cli.main(["fulfilment", "check"]) == 0
    assert "Data map OK: 4 system(s)" in capsys.readouterr().out


def test_masking_a_column_too_short_for_the_mask_is_refused_at_startup(world) -> None:
    text = DEMO_MAP.replace("          card_last4: nullify", "          card_last4: mask")
    error = refused_at_startup(world, text)
    assert error.line == line_of(text, "card_last4: mask") and "4 characters" in error.message


def test_the_startup_check_names_the_line_of_a_missing_table(world, tmp_path) -> None:
    from bot.fulfilment.service import startup_check

    assert startup_check(world.settings()) is None
    broken = tmp_path / "map.yml"
    broken.write_text(DEMO_MAP.replace("      support_calls:\n", "      support_call_log:\n"), encoding="utf-8")
    message = startup_check(world.settings(DATAMAP_FILE=str(broken)))
    assert message.startswith("Fulfilment is off until the data map is fixed:")
    assert f"line {line_of(broken.read_text(), 'support_call_log:')}" in message


def test_the_startup_check_reports_an_unusable_database_url_without_crashing(world) -> None:
    from bot.fulfilment.service import startup_check

    message = startup_check(world.settings(SHOP_DATABASE_URL="nosuchdb://somewhere/shop"))
    assert message.startswith("Fulfilment is off") and "somewhere" not in message
