//! Calendar arithmetic of certificates: the issuing authority's local day, expiry dates and the
//! days left until expiry.

use chrono::{DateTime, Months, NaiveDate, Utc};
use chrono_tz::Tz;

/// The time zone in which certificates are dated (UAE: Asia/Dubai).
pub const AUTHORITY_TZ: Tz = chrono_tz::Asia::Dubai;

/// The authority's local time at the instant `now`.
pub fn local_time(now: DateTime<Utc>) -> DateTime<Tz> {
    now.with_timezone(&AUTHORITY_TZ)
}

/// The authority's calendar day at the instant `now`.
pub fn local_today(now: DateTime<Utc>) -> NaiveDate {
    local_time(now).date_naive()
}

/// The expiry date of a certificate issued on `issue_date` valid for `months`. A day that does
/// not exist in the target month is clamped to its last day (31 Jan + 1 month = 28/29 Feb).
pub fn expiry_date(issue_date: NaiveDate, months: u32) -> NaiveDate {
    issue_date
        .checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// Whole days from `today` until `expiry` (negative once expired).
pub fn days_until(expiry: NaiveDate, today: NaiveDate) -> i64 {
    (expiry - today).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn the_local_day_is_dubai_time() {
        // 21:30 UTC is already the next day in Dubai (UTC+4).
        let now = Utc
            .with_ymd_and_hms(2024, 1, 14, 21, 30, 0)
            .single()
            .expect("time");
        assert_eq!(local_today(now), d(2024, 1, 15));
        let now = Utc
            .with_ymd_and_hms(2024, 1, 14, 19, 59, 59)
            .single()
            .expect("time");
        assert_eq!(local_today(now), d(2024, 1, 14));
    }

    #[test]
    fn expiry_is_the_same_day_months_later() {
        assert_eq!(expiry_date(d(2024, 1, 15), 12), d(2025, 1, 15));
        assert_eq!(expiry_date(d(2024, 1, 15), 24), d(2026, 1, 15));
    }

    #[test]
    fn expiry_clamps_to_the_end_of_a_shorter_month() {
        assert_eq!(expiry_date(d(2024, 2, 29), 12), d(2025, 2, 28));
        assert_eq!(expiry_date(d(2025, 1, 31), 1), d(2025, 2, 28));
    }

    #[test]
    fn days_until_counts_calendar_days() {
        assert_eq!(days_until(d(2025, 1, 15), d(2024, 1, 15)), 366);
        assert_eq!(days_until(d(2024, 1, 15), d(2024, 1, 15)), 0);
        assert_eq!(days_until(d(2024, 1, 14), d(2024, 1, 15)), -1);
    }
}
