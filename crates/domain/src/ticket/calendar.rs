//! Working days in China Standard Time: weekends and public holidays are off, except the
//! weekend days declared make-up working days (调休上班).

use super::PolicyError;
use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::Offset;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// China Standard Time. Mainland China has had one fixed offset and no daylight saving
/// since 1991, so a constant is exact and needs no time zone database.
pub const CST: Offset = Offset::constant(8);

/// The wall-clock time in China for an instant.
pub fn china_datetime(ts: Timestamp) -> DateTime {
    CST.to_datetime(ts)
}

/// `2026-03-02 17:00`, China time, as shown in messages.
pub fn format_local(ts: Timestamp) -> String {
    china_datetime(ts).strftime("%Y-%m-%d %H:%M").to_string()
}

/// Which dates are not ordinary: holidays off, and weekend days worked instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    #[serde(default)]
    pub holidays: Vec<Date>,
    #[serde(default)]
    pub makeup_workdays: Vec<Date>,
}

impl Default for Calendar {
    fn default() -> Calendar {
        Calendar::china_2026()
    }
}

impl Calendar {
    /// A calendar of plain weeks: Monday to Friday.
    pub fn weekdays_only() -> Calendar {
        Calendar {
            holidays: Vec::new(),
            makeup_workdays: Vec::new(),
        }
    }

    /// Mainland China 2026, from the State Council General Office notice of 4 November 2025
    /// (国务院办公厅关于2026年部分节假日安排的通知). Holiday periods list every day off,
    /// weekends included, so the data reads like the notice. Cities may add local days
    /// through the policy file.
    pub fn china_2026() -> Calendar {
        let periods: [(i8, i8, i8, i8); 7] = [
            (1, 1, 1, 3),   // 元旦
            (2, 15, 2, 23), // 春节
            (4, 4, 4, 6),   // 清明节
            (5, 1, 5, 5),   // 劳动节
            (6, 19, 6, 21), // 端午节
            (9, 25, 9, 27), // 中秋节
            (10, 1, 10, 7), // 国庆节
        ];
        let holidays = periods
            .iter()
            .flat_map(|&(m1, d1, m2, d2)| {
                let end = jiff::civil::date(2026, m2, d2);
                jiff::civil::date(2026, m1, d1)
                    .series(jiff::Span::new().days(1))
                    .take_while(move |d| *d <= end)
            })
            .collect();
        let makeup_workdays = [(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)]
            .iter()
            .map(|&(m, d)| jiff::civil::date(2026, m, d))
            .collect();
        Calendar {
            holidays,
            makeup_workdays,
        }
    }

    /// Reads `holidays = ["2026-01-01", ...]` and `makeup_workdays = [...]`.
    pub fn from_toml(s: &str) -> Result<Calendar, PolicyError> {
        let cal: Calendar = toml::from_str(s).map_err(|e| PolicyError::Toml(e.to_string()))?;
        cal.check()?;
        Ok(cal)
    }

    /// A date cannot be both off and worked; the notice never says so, so it is a typo.
    pub(crate) fn check(&self) -> Result<(), PolicyError> {
        match self
            .holidays
            .iter()
            .find(|d| self.makeup_workdays.contains(d))
        {
            Some(d) => Err(PolicyError::HolidayAndWorkday(*d)),
            None => Ok(()),
        }
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        if self.makeup_workdays.contains(&d) {
            return true;
        }
        if self.holidays.contains(&d) {
            return false;
        }
        !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
    }

    /// The same China wall-clock time on the `n`th working day after `from`'s date. A
    /// dispatch made on a day off therefore counts the next working day as the first.
    /// Saturates at the end of representable time rather than failing: such a deadline
    /// is never reached anyway.
    pub fn add_working_days(&self, from: Timestamp, n: u32) -> Timestamp {
        let start = china_datetime(from);
        let mut day = start.date();
        let mut left = n;
        while left > 0 {
            day = match day.tomorrow() {
                Ok(d) => d,
                Err(_) => return Timestamp::MAX,
            };
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        CST.to_timestamp(day.to_datetime(start.time()))
            .unwrap_or(Timestamp::MAX)
    }
}
