"""Due dates: CCPA and GDPR rules, weekends, holidays, leap years, extensions, time zones."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.settings import JURISDICTIONS, SettingsError, settings_from_environ
from bot.tickets.deadlines import (
    CCPA,
    GDPR_EU,
    DeadlineRules,
    JurisdictionRule,
    Period,
    Unit,
    add_business_days,
    add_months,
    compute_deadlines,
    extended_due,
    is_business_day,
    received_date,
    us_federal_holidays,
)
from bot.tickets.errors import ExtensionNotAllowed, InvalidField
from tests.conftest import make_environ

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2044, 6, 30))
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2044, 6, 30), timezones=st.just(timezone.utc))
holiday_sets = st.frozensets(st.dates(min_value=date(2000, 1, 1), max_value=date(2045, 12, 31)), max_size=40)


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 20, 0, tzinfo=timezone.utc)  # noon in California


# ------------------------------------------------------------------ examples


def test_ccpa_example_with_thanksgiving():
    d = compute_deadlines(noon(date(2026, 11, 24)), CCPA)
    assert d.received_on == date(2026, 11, 24)
    assert d.acknowledge_by == date(2026, 12, 9)  # 10 business days, Thanksgiving (26 Nov) skipped
    assert d.due == date(2027, 1, 8)  # 45 calendar days
    assert d.latest_due == date(2027, 2, 22)  # + one 45-day extension


def test_gdpr_example_month_end_and_leap_year():
    received = datetime(2024, 1, 31, 10, tzinfo=timezone.utc)
    d = compute_deadlines(received, GDPR_EU)
    assert d.due == date(2024, 2, 29)  # one month, clamped to the leap day (a Thursday)
    assert d.acknowledge_by is None
    assert extended_due(received, GDPR_EU, 0) == date(2024, 4, 30)  # three months from receipt, not 29 Apr


def test_gdpr_deadline_on_a_weekend_rolls_to_monday():
    d = compute_deadlines(datetime(2026, 4, 4, 9, tzinfo=timezone.utc), GDPR_EU)  # +1 month = Mon 4 May
    assert d.due == date(2026, 5, 4)
    d = compute_deadlines(datetime(2026, 5, 2, 9, tzinfo=timezone.utc), GDPR_EU)  # +1 month = Tue 2 Jun
    assert d.due == date(2026, 6, 2)
    d = compute_deadlines(datetime(2026, 2, 28, 9, tzinfo=timezone.utc), GDPR_EU)  # 28 Mar 2026 is a Saturday
    assert d.due == date(2026, 3, 30)


def test_receipt_date_is_taken_in_the_jurisdictions_time_zone():
    late_evening_la = datetime(2026, 3, 1, 7, 30, tzinfo=timezone.utc)  # 23:30 on 28 Feb in Los Angeles
    assert received_date(late_evening_la, CCPA) == date(2026, 2, 28)
    assert received_date(late_evening_la, GDPR_EU) == date(2026, 3, 1)
    assert received_date(datetime(2026, 3, 1, 7, 30), GDPR_EU) == date(2026, 3, 1)  # naive = UTC


def test_only_one_ccpa_extension():
    received = noon(date(2026, 1, 5))
    assert extended_due(received, CCPA, 0) == date(2026, 4, 5)
    with pytest.raises(ExtensionNotAllowed):
        extended_due(received, CCPA, 1)
    no_extension = JurisdictionRule(code="X", regime="X", respond=Period(30, Unit.CALENDAR_DAYS))
    with pytest.raises(ExtensionNotAllowed):
        extended_due(received, no_extension, 0)


def test_us_federal_holidays_are_observed_on_weekdays():
    h2026 = us_federal_holidays(2026)
    assert date(2026, 7, 3) in h2026  # 4 July 2026 is a Saturday
    assert date(2026, 11, 26) in h2026 and date(2026, 1, 19) in h2026 and date(2026, 5, 25) in h2026
    assert all(day.weekday() < 5 for day in h2026) and len(h2026) == 11


def test_rules_from_settings_add_holidays_and_set_the_default(tmp_path):
    settings = settings_from_environ(
        make_environ(tmp_path, TICKET_DEFAULT_JURISDICTION="eu", TICKET_HOLIDAYS_US_CA="2026-12-24, 2026-12-31")
    )
    rules = DeadlineRules.from_settings(settings)
    assert rules.default == "EU" and rules.rule_for(None).regime == "GDPR"
    assert date(2026, 12, 24) in rules.rule_for("us-ca").holidays
    assert date(2026, 12, 24) not in rules.rule_for("UK").holidays
    with pytest.raises(InvalidField):
        rules.rule_for("MARS")
    with pytest.raises(SettingsError, match="TICKET_HOLIDAYS_US_CA"):
        settings_from_environ(make_environ(tmp_path, TICKET_HOLIDAYS_US_CA="24/12/2026"))
    with pytest.raises(SettingsError, match="TICKET_DEFAULT_JURISDICTION"):
        settings_from_environ(make_environ(tmp_path, TICKET_DEFAULT_JURISDICTION="MARS"))


def test_the_company_default_applies_only_when_no_jurisdiction_is_set(tmp_path):
    unset = settings_from_environ(make_environ(tmp_path))
    assert DeadlineRules.from_settings(unset, company_default="uk").default == "UK"
    assert DeadlineRules.from_settings(unset).default == "US-CA"
    chosen = settings_from_environ(make_environ(tmp_path, TICKET_DEFAULT_JURISDICTION="EU"))
    assert DeadlineRules.from_settings(chosen, company_default="UK").default == "EU"


def test_the_settings_know_every_jurisdiction_with_a_built_in_rule():
    assert set(JURISDICTIONS) == DeadlineRules().codes


# ------------------------------------------------------------------ properties


@given(days, st.integers(min_value=0, max_value=40), holiday_sets)
def test_business_days_skip_weekends_and_holidays(start, n, holidays):
    end = add_business_days(start, n, holidays)
    counted = sum(1 for i in range(1, (end - start).days + 1) if is_business_day(start + timedelta(days=i), holidays))
    assert counted == n
    assert n == 0 and end == start or is_business_day(end, holidays)


@given(days, st.integers(min_value=0, max_value=36))
def test_add_months_keeps_the_day_or_clamps_to_month_end(start, months):
    end = add_months(start, months)
    assert (end.year - start.year) * 12 + end.month - start.month == months
    assert end.day == start.day or (end.day < start.day and (end + timedelta(days=1)).day == 1)


@given(moments)
def test_ccpa_due_is_45_calendar_days_and_acknowledgement_10_business_days(received):
    d = compute_deadlines(received, CCPA)
    assert d.due == d.received_on + timedelta(days=45)
    assert d.latest_due == d.received_on + timedelta(days=90)
    assert d.acknowledge_by is not None and is_business_day(d.acknowledge_by, CCPA.holidays)
    assert 12 <= (d.acknowledge_by - d.received_on).days <= 20  # two weekends plus at most a few holidays


@given(moments, holiday_sets)
def test_gdpr_due_is_one_month_rolled_to_the_next_business_day(received, holidays):
    rule = GDPR_EU.with_holidays(holidays)
    d = compute_deadlines(received, rule)
    month_later = add_months(d.received_on, 1)
    assert d.due >= month_later and is_business_day(d.due, holidays)
    assert all(
        not is_business_day(month_later + timedelta(days=i), holidays) for i in range((d.due - month_later).days)
    )
    extended = extended_due(received, rule, 0)
    assert extended >= add_months(d.received_on, 3) and extended > d.due and is_business_day(extended, holidays)


@given(moments, st.sampled_from([CCPA, GDPR_EU]))
def test_deadlines_never_precede_receipt_and_extension_only_moves_later(received, rule):
    d = compute_deadlines(received, rule)
    assert d.due > d.received_on
    assert d.latest_due is not None and d.latest_due > d.due
    assert extended_due(received, rule, 0) == d.latest_due


@given(st.integers(min_value=2000, max_value=2044))
def test_leap_day_requests(year):
    if year % 4 or (year % 100 == 0 and year % 400):
        return
    d = compute_deadlines(datetime(year, 2, 29, 12, tzinfo=timezone.utc), GDPR_EU)
    assert d.due >= date(year, 3, 29)
    assert compute_deadlines(noon(date(year, 2, 29)), CCPA).due == date(year, 4, 14)
