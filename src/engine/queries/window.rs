//! The study window of each lockdown: the first and the last of its study dates
//! (`queries/study_dates.sql`), worked out once per opened data folder and bound into the
//! query text as the date literals `$study_first` and `$study_last`.
//!
//! A figure that reads every order (customer_change) joins its days to the study dates, and
//! that join keeps only ten weeks of a year; but no engine can skip a file's row groups on a
//! join. A comparison with two literal dates is a range on the order's instant
//! (`local_date`'s preimage, `engine::functions`), which Parquet's statistics prune, so the
//! other months' orders are never read. The window only ever repeats what the join already
//! says: a file that names it writes `$study_first IS NULL OR date >= $study_first`, and
//! where no window is known (a library not tied to a folder, a lockdown not found) both are
//! NULL and every date is read, with the same result.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use datafusion::prelude::SessionContext;

use super::{self as queries, Library};
use crate::engine::contract::parse_date;
use crate::engine::format::{text_column, text_rows};
use crate::error::Result;

/// The names a query file writes the window as.
pub const FIRST: &str = "study_first";
pub const LAST: &str = "study_last";

/// How many lockdowns' windows an opened folder works out (one small query each); a
/// lockdown past them reads every date.
const MOST_LOCKDOWNS: usize = 64;

/// The study window by lockdown: `None` is the default, the earliest lockdown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StudyWindows {
    by_lockdown: BTreeMap<Option<String>, (NaiveDate, NaiveDate)>,
}

impl FromIterator<(Option<String>, (NaiveDate, NaiveDate))> for StudyWindows {
    fn from_iter<I: IntoIterator<Item = (Option<String>, (NaiveDate, NaiveDate))>>(
        windows: I,
    ) -> Self {
        StudyWindows {
            by_lockdown: windows.into_iter().collect(),
        }
    }
}

impl StudyWindows {
    /// The window of the lockdown `lockdown_id` names (`None`: the earliest), if known.
    pub fn of(&self, lockdown_id: Option<&str>) -> Option<(NaiveDate, NaiveDate)> {
        self.by_lockdown
            .get(&lockdown_id.map(str::to_string))
            .copied()
    }
}

/// The windows of the lockdowns in `ctx`'s tables, from the library's own `study_dates`, so
/// the rule (35 dates before, 28 after) is written in one place. A folder where
/// `study_dates` does not run (a library of other files) has none.
pub async fn study_windows(ctx: &SessionContext, library: &Library) -> Result<StudyWindows> {
    let mut windows = StudyWindows::default();
    let Some(study_dates) = library.get("study_dates") else {
        return Ok(windows);
    };
    let sql = format!(
        "SELECT lockdown_id FROM lockdowns ORDER BY starts_at, lockdown_id LIMIT {MOST_LOCKDOWNS}"
    );
    let ids: Vec<String> = match queries::run_sql(ctx, &sql).await {
        Ok(result) => text_column(&result, 0),
        Err(e) => {
            tracing::debug!(error = %e, "no lockdowns, so no study window");
            return Ok(windows);
        }
    };
    // From the tables alone, whatever the context holds by name.
    let inlined = library.inlined();
    // The default first: its rows name the lockdown it is, so that one is not asked again.
    for lockdown in std::iter::once(None).chain(ids.into_iter().map(Some)) {
        if lockdown.is_some() && windows.by_lockdown.contains_key(&lockdown) {
            continue;
        }
        let values: BTreeMap<String, String> = lockdown
            .iter()
            .map(|id| ("lockdown_id".to_string(), id.clone()))
            .collect();
        let sql = inlined.expand(study_dates, &values)?;
        let sql = format!(
            "SELECT lockdown_id, MIN(date) AS first, MAX(date) AS last FROM ({sql}) d GROUP BY lockdown_id"
        );
        // Without a window the figures read every date, with the same result: a failure
        // here costs speed, never a number, so it does not stop the folder opening.
        let result = match queries::run_sql(ctx, &sql).await {
            Ok(result) => result,
            Err(e) => {
                tracing::warn!(?lockdown, error = %e, "no study window: every date is read");
                continue;
            }
        };
        for row in text_rows(&result) {
            if let [id, first, last] = row.as_slice()
                && let (Some(first), Some(last)) = (parse_date(first), parse_date(last))
            {
                windows.by_lockdown.insert(Some(id.clone()), (first, last));
                if lockdown.is_none() {
                    windows.by_lockdown.insert(None, (first, last));
                }
            }
        }
    }
    Ok(windows)
}
