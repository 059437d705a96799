//! The console's recent results by SQL, so paging and charting a result runs it once;
//! bounded by count and by the bytes their rows hold.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use crate::serve::sandbox::Answer;

/// Console results kept at most, whatever their size.
const ANSWERS: usize = 16;

/// Recent console results by SQL, so paging and charting a result runs it once; bounded by
/// the bytes their rows hold (16 entries kept 1.7 GB of two wide results), oldest out first.
pub struct Answers {
    budget: usize,
    entries: Mutex<VecDeque<(String, Arc<Answer>, usize)>>,
}

impl Answers {
    /// At most `budget` bytes of rows; a result larger than that is not kept.
    pub fn new(budget: usize) -> Answers {
        Answers {
            budget,
            entries: Mutex::new(VecDeque::new()),
        }
    }

    pub(super) fn get(&self, sql: &str) -> Option<Arc<Answer>> {
        let entries = self.entries.lock().ok()?;
        entries
            .iter()
            .find(|(key, _, _)| key == sql)
            .map(|(_, answer, _)| answer.clone())
    }

    pub(super) fn put(&self, sql: String, answer: Arc<Answer>) {
        let bytes = answer.memory_size();
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        entries.retain(|(key, _, _)| *key != sql);
        if bytes > self.budget {
            return;
        }
        entries.push_back((sql, answer, bytes));
        while entries.len() > ANSWERS
            || entries.iter().map(|(_, _, b)| b).sum::<usize>() > self.budget
        {
            entries.pop_front();
        }
    }

    /// Results held now.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of rows held now.
    pub fn bytes(&self) -> usize {
        self.entries
            .lock()
            .map(|e| e.iter().map(|(_, _, b)| b).sum())
            .unwrap_or(0)
    }
}
