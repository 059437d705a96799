//! Putting a freshly built data folder in place of the old one, for `import` and `generate`,
//! so that at every instant the folder's path holds the old folder or the new one, whole; and
//! cleaning up after a run that was killed half-way.
//!
//! A run builds its folder beside the destination, as `.DATA.importing-PID` (or
//! `.generating-PID`), with an [`UNFINISHED`] mark in it, then exchanges it with `DATA` in one
//! step (Linux `renameat2(RENAME_EXCHANGE)`): the old folder is then at the staging name, and
//! is removed. Where the file system cannot exchange (not Linux, some network file systems),
//! the old folder is renamed aside to `.DATA.replaced-PID` first; a kill between that rename
//! and the next leaves no `DATA`, and [`recover`] puts the old one back.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// In a staging folder from its creation until it has been swapped in. A leftover holding it
/// is a run that never finished; a leftover without it is the folder a finished run
/// replaced.
pub const UNFINISHED: &str = ".yanhuo-unfinished";

/// What a leftover's name says it was.
const KINDS: [&str; 3] = ["importing", "generating", "replaced"];

/// The test hook: `YANHUO_TEST_CRASH_AT=built` aborts a run after its folder is built and
/// before the swap, `=swapped` just after the swap, before anything is tidied. A test runs
/// `yanhuo import` as a child process with it set to check what the next run finds, as a kill
/// at that point would leave it.
fn crash_point(name: &str) {
    if std::env::var_os("YANHUO_TEST_CRASH_AT").is_some_and(|at| at == name) {
        eprintln!("yanhuo: YANHUO_TEST_CRASH_AT={name}: aborting");
        std::process::abort();
    }
}

/// The folder holding `into`, and `into`'s name.
fn parent_and_name(into: &Path) -> Result<(PathBuf, String)> {
    let name = into
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::DataFolder {
            path: into.to_path_buf(),
            message: "needs a folder name".into(),
        })?;
    let parent = match into.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name.to_string()))
}

fn sibling(into: &Path, kind: &str) -> Result<PathBuf> {
    let (parent, name) = parent_and_name(into)?;
    Ok(parent.join(format!(".{name}.{kind}-{}", std::process::id())))
}

/// A new, empty staging folder beside `into` for a run of `kind` (`importing`,
/// `generating`), marked [`UNFINISHED`].
pub fn staging(into: &Path, kind: &str) -> Result<PathBuf> {
    let staging = sibling(into, kind)?;
    if let Some(parent) = staging.parent() {
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    }
    fs::create_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    let mark = staging.join(UNFINISHED);
    fs::write(&mark, format!("process {}\n", std::process::id()))
        .map_err(|e| Error::io(&mark, e))?;
    Ok(staging)
}

/// Puts the built `staging` folder at `into` in one step and removes the folder it replaces.
pub fn swap_in(staging: &Path, into: &Path) -> Result<()> {
    // Flushed first, so that a power cut after the swap cannot leave names without contents.
    sync_tree(staging)?;
    crash_point("built");
    let old = if fs::symlink_metadata(into).is_err() {
        fs::rename(staging, into).map_err(|e| Error::io(into, e))?;
        None
    } else if exchange(staging, into)? {
        Some(staging.to_path_buf())
    } else {
        Some(swap_by_renames(staging, into)?)
    };
    sync_parent(into);
    crash_point("swapped");
    remove_mark(into)?;
    if let Some(old) = old {
        fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
    }
    Ok(())
}

/// The swap where the file system cannot exchange two names: two renames, with a moment
/// between them when `into` is missing, which [`recover`] repairs. Returns where the old
/// folder went.
fn swap_by_renames(staging: &Path, into: &Path) -> Result<PathBuf> {
    let aside = sibling(into, "replaced")?;
    fs::rename(into, &aside).map_err(|e| Error::io(into, e))?;
    if let Err(e) = fs::rename(staging, into) {
        // Put the old folder back rather than leave none.
        let _ = fs::rename(&aside, into);
        return Err(Error::io(into, e));
    }
    Ok(aside)
}

fn remove_mark(folder: &Path) -> Result<()> {
    let mark = folder.join(UNFINISHED);
    match fs::remove_file(&mark) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(&mark, e)),
        _ => Ok(()),
    }
}

/// Exchanges two existing paths atomically. `Ok(false)`: this system or file system cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> Result<bool> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes()).map_err(|_| Error::DataFolder {
            path: p.to_path_buf(),
            message: "a path with a NUL byte".into(),
        })
    };
    let (ca, cb) = (c(a)?, c(b)?);
    // The raw system call rather than glibc's wrapper, which older C libraries lack.
    // SAFETY: both are NUL-terminated paths that live across the call; AT_FDCWD makes
    // relative paths relative to the working directory, as std's rename does.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP) => Ok(false),
        _ => Err(Error::io(b, e)),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> Result<bool> {
    Ok(false)
}

/// Every file under `dir` flushed to disk.
fn sync_tree(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.is_dir() {
            sync_tree(&path)?;
        } else {
            fs::File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

/// The rename made durable. Best effort: not every system can sync a folder.
fn sync_parent(into: &Path) {
    if let Ok((parent, _)) = parent_and_name(into) {
        let _ = fs::File::open(parent).and_then(|f| f.sync_all());
    }
}

/// Whether process `pid` still runs (so its folders are in use, not leftovers).
#[cfg(unix)]
fn alive(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only asks whether the process exists; nothing is sent.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(not(unix))]
fn alive(_: u32) -> bool {
    // Without a way to ask, a leftover is never taken for dead.
    true
}

/// A folder left beside `into` by a run that is no longer running.
struct Leftover {
    path: PathBuf,
    kind: String,
    pid: u32,
}

fn leftovers(into: &Path) -> Result<Vec<Leftover>> {
    let (parent, name) = parent_and_name(into)?;
    let prefix = format!(".{name}.");
    let entries = match fs::read_dir(&parent) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(&parent, e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(&parent, e))?;
        let file_name = entry.file_name();
        let Some((kind, pid)) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|rest| rest.rsplit_once('-'))
        else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if !KINDS.contains(&kind) || pid == std::process::id() || alive(pid) {
            continue;
        }
        out.push(Leftover {
            path: entry.path(),
            kind: kind.to_string(),
            pid,
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Repairs what an interrupted `import` or `generate` left beside `into`: puts the old
/// folder back if the run stopped between the two renames of [`swap_by_renames`], and removes
/// its staging and replaced folders. Runs still going (their process is alive) are left
/// alone. Returns one sentence per repair, each also logged.
pub fn recover(into: &Path) -> Result<Vec<String>> {
    if into.file_name().is_none() {
        // `.` or `..`: nothing is ever staged beside such a path.
        return Ok(Vec::new());
    }
    let mut leftovers = leftovers(into)?;
    let mut said = Vec::new();
    if fs::symlink_metadata(into).is_err()
        && let Some(i) = leftovers.iter().position(|l| l.kind == "replaced")
    {
        let old = leftovers.remove(i);
        fs::rename(&old.path, into).map_err(|e| Error::io(into, e))?;
        said.push(format!(
            "{}: put back from {}: a run (process {}) was stopped while swapping in new data; \
             the data folder is as it was before that run",
            into.display(),
            old.path.display(),
            old.pid
        ));
    }
    if into.join(UNFINISHED).exists() {
        // The swap happened; only the tidying after it did not.
        remove_mark(into)?;
    }
    for leftover in leftovers {
        let unfinished = leftover.path.join(UNFINISHED).exists();
        fs::remove_dir_all(&leftover.path).map_err(|e| Error::io(&leftover.path, e))?;
        let verb = if leftover.kind == "generating" {
            "generate"
        } else {
            "import"
        };
        said.push(if unfinished {
            format!(
                "{}: removed an unfinished {verb} (process {}, stopped before it was swapped \
                 in); {} holds the data from before it",
                leftover.path.display(),
                leftover.pid,
                into.display()
            )
        } else {
            format!(
                "{}: removed the data folder an {verb} (process {}) replaced; it was stopped \
                 after swapping in, so {} holds that {verb}'s data",
                leftover.path.display(),
                leftover.pid,
                into.display()
            )
        });
    }
    for sentence in &said {
        tracing::warn!("{sentence}");
    }
    Ok(said)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A process id no process has: above Linux's largest (2^22).
    const GONE: u32 = 1 << 30;

    fn folder(path: &Path, file: &str, text: &str) {
        fs::create_dir_all(path).unwrap();
        fs::write(path.join(file), text).unwrap();
    }

    fn read(path: &Path) -> String {
        fs::read_to_string(path).unwrap()
    }

    #[test]
    fn a_swap_leaves_the_new_folder_and_nothing_beside_it() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        folder(&data, "shops.csv", "old");
        let staging = staging(&data, "importing").unwrap();
        fs::write(staging.join("shops.csv"), "new").unwrap();
        swap_in(&staging, &data).unwrap();
        assert_eq!(read(&data.join("shops.csv")), "new");
        let names: Vec<_> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["data"]);
        assert!(!data.join(UNFINISHED).exists());
    }

    #[test]
    fn the_two_renames_leave_the_new_folder_and_the_old_aside() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        folder(&data, "shops.csv", "old");
        let staging = staging(&data, "importing").unwrap();
        fs::write(staging.join("shops.csv"), "new").unwrap();
        let aside = swap_by_renames(&staging, &data).unwrap();
        assert_eq!(read(&data.join("shops.csv")), "new");
        assert_eq!(read(&aside.join("shops.csv")), "old");
        assert!(!staging.exists());
    }

    #[test]
    fn a_run_stopped_between_the_two_renames_gets_its_old_folder_back() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let aside = tmp.path().join(format!(".data.replaced-{GONE}"));
        let unfinished = tmp.path().join(format!(".data.importing-{GONE}"));
        folder(&aside, "shops.csv", "old");
        folder(&unfinished, UNFINISHED, "");
        let said = recover(&data).unwrap();
        assert_eq!(read(&data.join("shops.csv")), "old");
        assert!(!aside.exists() && !unfinished.exists());
        assert_eq!(
            said,
            [
                format!(
                    "{}: put back from {}: a run (process {GONE}) was stopped while swapping in \
                     new data; the data folder is as it was before that run",
                    data.display(),
                    aside.display()
                ),
                format!(
                    "{}: removed an unfinished import (process {GONE}, stopped before it was \
                     swapped in); {} holds the data from before it",
                    unfinished.display(),
                    data.display()
                ),
            ]
        );
        assert!(recover(&data).unwrap().is_empty(), "nothing left to do");
    }

    #[test]
    fn folders_of_a_run_still_going_are_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        folder(&data, "shops.csv", "old");
        // This test's own process is alive, and so is process 1.
        let mine = staging(&data, "importing").unwrap();
        let init = tmp.path().join(".data.generating-1");
        folder(&init, UNFINISHED, "");
        let unrelated = tmp.path().join(".other.importing-7");
        folder(&unrelated, UNFINISHED, "");
        assert!(recover(&data).unwrap().is_empty());
        assert!(mine.exists() && init.exists() && unrelated.exists());
    }
}
