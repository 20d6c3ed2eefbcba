//! Memory measurement: /proc/self/smaps_rollup of the host process, and the per-instance delta
//! method (keep N instances live after one request each; delta of Private_Dirty, USS, PSS / N).

use anyhow::{Context, Result};

/// The rollup figures we use, bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rollup {
    pub rss: u64,
    pub pss: u64,
    pub private_clean: u64,
    pub private_dirty: u64,
}

impl Rollup {
    /// Unique set size: Private_Clean + Private_Dirty.
    pub fn uss(&self) -> u64 {
        self.private_clean + self.private_dirty
    }
}

/// Parses smaps_rollup text (values in kB).
pub fn parse_rollup(text: &str) -> Rollup {
    let mut r = Rollup::default();
    for line in text.lines() {
        let mut it = line.split_whitespace();
        let (Some(key), Some(value)) = (it.next(), it.next()) else { continue };
        let Ok(kb) = value.parse::<u64>() else { continue };
        let bytes = kb * 1024;
        match key {
            "Rss:" => r.rss = bytes,
            "Pss:" => r.pss = bytes,
            "Private_Clean:" => r.private_clean = bytes,
            "Private_Dirty:" => r.private_dirty = bytes,
            _ => {}
        }
    }
    r
}

/// The host process's rollup now.
pub fn read_rollup() -> Result<Rollup> {
    let text = std::fs::read_to_string("/proc/self/smaps_rollup").context("reading /proc/self/smaps_rollup (Linux >= 4.14 needed for memory figures)")?;
    Ok(parse_rollup(&text))
}

/// Per-instance figures from a before/after pair around `n` live instances.
#[derive(Debug, Clone, Copy, Default)]
pub struct PerInstance {
    pub uss: u64,
    pub pss: u64,
    pub rss: u64,
    pub private_dirty: u64,
}

/// Delta per instance; negative deltas (the allocator returned memory meanwhile) count as 0.
pub fn per_instance(before: Rollup, after: Rollup, n: usize) -> PerInstance {
    let n = n.max(1) as u64;
    let d = |a: u64, b: u64| a.saturating_sub(b) / n;
    PerInstance { uss: d(after.uss(), before.uss()), pss: d(after.pss, before.pss), rss: d(after.rss, before.rss), private_dirty: d(after.private_dirty, before.private_dirty) }
}

/// Minor page faults of the calling thread so far (`/proc/thread-self/stat`, field 10); 0 if unreadable.
pub fn thread_minor_faults() -> u64 {
    let Ok(text) = std::fs::read_to_string("/proc/thread-self/stat") else { return 0 };
    // Fields after the parenthesised command name, which may itself hold spaces.
    let Some(rest) = text.rsplit_once(')').map(|(_, r)| r) else { return 0 };
    rest.split_whitespace().nth(7).and_then(|f| f.parse().ok()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rollup_and_divides_deltas() {
        let before = parse_rollup("00400000-7fff [rollup]\nRss:  1000 kB\nPss:  800 kB\nPrivate_Clean:  100 kB\nPrivate_Dirty:  200 kB\n");
        let after = parse_rollup("Rss:  1400 kB\nPss:  1200 kB\nPrivate_Clean:  100 kB\nPrivate_Dirty:  600 kB\n");
        assert_eq!(before.uss(), 300 * 1024);
        let p = per_instance(before, after, 4);
        assert_eq!(p.private_dirty, 100 * 1024);
        assert_eq!(p.uss, 100 * 1024);
        assert_eq!(p.pss, 100 * 1024);
        assert_eq!(per_instance(after, before, 4).uss, 0);
    }
}
