//! Times for people: Unix seconds as a UTC date, and as "in 54 min" or "3 h ago".

/// The last second of the year 9999; later values are not shown as dates.
const LAST_SHOWN: u64 = 253_402_300_799;

/// `2023-11-14 22:13:20 UTC` for Unix seconds, or a note for values past the year 9999 (such as
/// milliseconds mistaken for seconds).
pub(crate) fn utc_date(seconds: u64) -> String {
    if seconds > LAST_SHOWN {
        return "after the year 9999".to_owned();
    }
    let (days, second_of_day) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_date(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01, counting in 400-year eras of 146,097
/// days that start on 1 March, so that the leap day falls at the end of each counted year.
fn civil_date(days: u64) -> (u64, u64, u64) {
    let shifted = days + 719_468;
    let era = shifted / 146_097;
    let day_of_era = shifted % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// How far `seconds` lies from `now`: `in 54 min`, `3 h ago`, `now`. Rounded down to the unit
/// shown: seconds under a minute, minutes under an hour, hours under two days, days beyond.
pub(crate) fn relative(seconds: u64, now: u64) -> String {
    let distance = seconds.abs_diff(now);
    if distance == 0 {
        return "now".to_owned();
    }
    let amount = match distance {
        0..60 => format!("{distance} s"),
        60..3600 => format!("{} min", distance / 60),
        3600..172_800 => format!("{} h", distance / 3600),
        _ => format!("{} d", distance / 86_400),
    };
    if seconds > now {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_across_eras_months_and_leap_days() {
        let cases = [
            (0, "1970-01-01 00:00:00 UTC"),
            (951_782_400, "2000-02-29 00:00:00 UTC"),
            (951_868_799, "2000-02-29 23:59:59 UTC"),
            (1_700_000_000, "2023-11-14 22:13:20 UTC"),
            (4_107_542_400, "2100-03-01 00:00:00 UTC"),
            (LAST_SHOWN, "9999-12-31 23:59:59 UTC"),
        ];
        for (seconds, text) in cases {
            assert_eq!(utc_date(seconds), text, "{seconds}");
        }
        assert_eq!(utc_date(1_700_000_000_000), "after the year 9999");
    }

    /// Every day from 1970 to 2400 follows the day before it.
    #[test]
    fn consecutive_days_have_consecutive_dates() {
        let days_in = |year: u64, month: u64| match month {
            2 if year.is_multiple_of(4)
                && (!year.is_multiple_of(100) || year.is_multiple_of(400)) =>
            {
                29
            }
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        let mut expected = (1970, 1, 1);
        for days in 0..157_000 {
            assert_eq!(civil_date(days), expected, "day {days}");
            let (year, month, day) = expected;
            expected = if day < days_in(year, month) {
                (year, month, day + 1)
            } else if month < 12 {
                (year, month + 1, 1)
            } else {
                (year + 1, 1, 1)
            };
        }
    }

    #[test]
    fn distances_in_the_unit_that_fits() {
        let now = 1_700_000_000;
        let cases = [
            (now, "now"),
            (now + 5, "in 5 s"),
            (now + 54 * 60 + 59, "in 54 min"),
            (now - 3 * 3600 - 59, "3 h ago"),
            (now - 47 * 3600, "47 h ago"),
            (now + 3 * 86_400, "in 3 d"),
            (now - 59, "59 s ago"),
        ];
        for (seconds, text) in cases {
            assert_eq!(relative(seconds, now), text);
        }
    }
}
