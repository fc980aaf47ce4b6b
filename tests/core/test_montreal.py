"""Times typed and read in Montreal, stored in UTC (ouvert.core.montreal)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from ouvert.core import montreal

UTC = datetime.UTC


def test_a_wall_time_is_read_in_montreal_and_an_offset_is_kept():
    assert montreal.parse("2026-07-01T09:30", "deadline") == datetime.datetime(2026, 7, 1, 13, 30, tzinfo=UTC)
    assert montreal.parse("2026-01-15 09:30", "deadline") == datetime.datetime(2026, 1, 15, 14, 30, tzinfo=UTC)
    assert montreal.parse("2026-07-01T09:30+00:00", "deadline") == datetime.datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
    aware = datetime.datetime(2026, 7, 1, 9, 30, tzinfo=montreal.MONTREAL)
    assert montreal.parse(aware, "deadline") == datetime.datetime(2026, 7, 1, 13, 30, tzinfo=UTC)
    assert montreal.parse("", "deadline") is None and montreal.parse(None, "deadline") is None


def test_the_hour_skipped_in_spring_is_refused_and_the_repeated_one_is_the_first():
    with pytest.raises(ValidationError) as error:
        montreal.parse("2026-03-08T02:30", "starts_at")
    assert "n'existe pas à Montréal" in error.value.message_dict["starts_at"][0]
    # 1 November 2026, 1:30 happens twice: the first (daylight time, UTC−4) is meant.
    assert montreal.parse("2026-11-01T01:30", "starts_at") == datetime.datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


@pytest.mark.parametrize("typed", ["demain", "2026-13-01T10:00", "2026-07-01T10:00\x00", "x" * 41,
                                   "2026-07-01T10:00\n+05:00"])
def test_malformed_times_are_refused_naming_the_field(typed):
    with pytest.raises(ValidationError) as error:
        montreal.parse(typed, "new_deadline")
    assert "AAAA-MM-JJTHH:MM" in error.value.message_dict["new_deadline"][0]


def test_a_time_past_the_calendar_is_refused():
    with pytest.raises(ValidationError) as error:
        montreal.parse("9999-12-31T23:59", "deadline")
    assert "hors des limites" in error.value.message_dict["deadline"][0]


def test_a_stored_time_is_shown_back_in_montreal():
    winter = datetime.datetime(2026, 1, 15, 22, 0, tzinfo=UTC)
    summer = datetime.datetime(2026, 7, 1, 13, 5, tzinfo=UTC)
    assert montreal.input_value(winter) == "2026-01-15T17:00" and montreal.input_value(None) == ""
    with translation.override("fr"):
        assert montreal.text(winter) == "15 janvier 2026 à 17 h 00 (heure de Montréal)"
        assert montreal.text(summer, offset=True) == "1 juillet 2026 à 9 h 05 (heure de Montréal, UTC−4)"
        assert montreal.text(None) == ""
    with translation.override("en"):
        assert "January" in montreal.text(winter, offset=True) and "UTC−5" in montreal.text(winter, offset=True)
    india = datetime.datetime(2026, 1, 1, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30)))
    assert montreal.utc_offset(india) == "UTC+5:30"


def test_today_is_the_date_in_montreal():
    assert montreal.today() == datetime.datetime.now(montreal.MONTREAL).date()
