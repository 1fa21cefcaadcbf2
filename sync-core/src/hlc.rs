//! The hybrid logical clock.
//!
//! A stamp is (wall milliseconds, logical counter). A shop PC with a dead CMOS
//! battery can boot in 2001 or in 2035, so the clock never trusts the wall
//! clock alone:
//!
//! - it is monotonic: if the wall clock goes back (by seconds or by days) the
//!   stamp keeps the last wall value and counts up the logical part;
//! - it is bounded: a stamp received from elsewhere that is more than
//!   [`MAX_AHEAD_MS`] ahead of this replica's (corrected) time is refused, never
//!   adopted, so one bad clock cannot drag every replica into the future;
//! - it can be corrected: a device learns an offset from a trusted peer (the hub
//!   sends its time on every sync) and adds it to its own wall clock.
//!
//! The caller passes the wall time in: this module reads no clock itself.

use serde::{Deserialize, Serialize};

use crate::error::CoreError;

/// How far ahead of our own time a received stamp may be before it is refused.
/// Five minutes covers honest NTP-less drift without letting a wrong clock run
/// the business into next week.
pub const MAX_AHEAD_MS: u64 = 5 * 60 * 1000;

/// A point of the hybrid logical clock. Ordered by wall time, then logical.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Stamp {
    pub wall_ms: u64,
    pub logical: u32,
}

impl Stamp {
    pub const fn new(wall_ms: u64, logical: u32) -> Self {
        Stamp { wall_ms, logical }
    }
}

/// A device's clock state. Persist [`Clock::last`] and [`Clock::offset_ms`]
/// across restarts so a restart with a wrong wall clock stays monotonic.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    last: Stamp,
    offset_ms: i64,
}

impl Clock {
    pub fn new(last: Stamp, offset_ms: i64) -> Self {
        Clock { last, offset_ms }
    }

    pub fn last(&self) -> Stamp {
        self.last
    }

    pub fn offset_ms(&self) -> i64 {
        self.offset_ms
    }

    /// Record what a trusted peer (the hub) says the time is, as an offset to
    /// our wall clock. Never moves the clock backwards: monotonicity is kept
    /// by `last`.
    pub fn calibrate(&mut self, local_wall_ms: u64, trusted_wall_ms: u64) {
        self.offset_ms = trusted_wall_ms as i64 - local_wall_ms as i64;
    }

    /// Our best estimate of the true time.
    pub fn corrected(&self, local_wall_ms: u64) -> u64 {
        (local_wall_ms as i64).saturating_add(self.offset_ms).max(0) as u64
    }

    /// A stamp for a local event.
    pub fn tick(&mut self, local_wall_ms: u64) -> Stamp {
        let now = self.corrected(local_wall_ms);
        self.last = if now > self.last.wall_ms {
            Stamp::new(now, 0)
        } else {
            bump(self.last)
        };
        self.last
    }

    /// Merge a stamp received from another replica. Refuses stamps too far in
    /// the future rather than adopting them.
    pub fn observe(&mut self, remote: Stamp, local_wall_ms: u64) -> Result<Stamp, CoreError> {
        check_not_ahead(remote, self.corrected(local_wall_ms))?;
        let now = self.corrected(local_wall_ms);
        let wall = now.max(self.last.wall_ms).max(remote.wall_ms);
        self.last = if wall == self.last.wall_ms && wall == remote.wall_ms {
            bump(Stamp::new(wall, self.last.logical.max(remote.logical)))
        } else if wall == self.last.wall_ms {
            bump(self.last)
        } else if wall == remote.wall_ms {
            bump(remote)
        } else {
            Stamp::new(wall, 0)
        };
        Ok(self.last)
    }
}

/// Refuse a stamp more than [`MAX_AHEAD_MS`] ahead of `now_ms`.
pub fn check_not_ahead(stamp: Stamp, now_ms: u64) -> Result<(), CoreError> {
    if stamp.wall_ms > now_ms.saturating_add(MAX_AHEAD_MS) {
        return Err(CoreError::ClockTooFarAhead {
            stamp_ms: stamp.wall_ms,
            ahead_ms: stamp.wall_ms - now_ms,
            limit_ms: MAX_AHEAD_MS,
        });
    }
    Ok(())
}

fn bump(s: Stamp) -> Stamp {
    // The logical part overflows only after four billion events in one
    // millisecond of a stuck clock; borrow a millisecond rather than wrap.
    match s.logical.checked_add(1) {
        Some(l) => Stamp::new(s.wall_ms, l),
        None => Stamp::new(s.wall_ms + 1, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DAY: u64 = 86_400_000;
    const NOW: u64 = 1_790_000_000_000;

    #[test]
    fn wall_clock_days_behind_stays_monotonic() {
        let mut c = Clock::default();
        let a = c.tick(NOW);
        // CMOS battery dies: the PC boots three days in the past.
        let b = c.tick(NOW - 3 * DAY);
        let d = c.tick(NOW - 3 * DAY + 10);
        assert!(a < b && b < d);
        assert_eq!(d.wall_ms, NOW, "wall part held at the last good time");
    }

    #[test]
    fn stamp_days_in_future_is_refused_not_adopted() {
        let mut c = Clock::default();
        let before = c.tick(NOW);
        let err = c.observe(Stamp::new(NOW + 2 * DAY, 0), NOW).unwrap_err();
        assert!(matches!(err, CoreError::ClockTooFarAhead { .. }));
        assert_eq!(c.last(), before, "refused stamp must not move the clock");
    }

    #[test]
    fn small_skew_is_adopted() {
        let mut c = Clock::default();
        c.tick(NOW);
        let s = c.observe(Stamp::new(NOW + 1000, 7), NOW).unwrap();
        assert_eq!(s, Stamp::new(NOW + 1000, 8));
        assert!(c.tick(NOW) > s);
    }

    #[test]
    fn calibration_fixes_a_clock_days_ahead() {
        let mut c = Clock::default();
        // This PC thinks it is 10 days later than it is; the hub says otherwise.
        c.calibrate(NOW + 10 * DAY, NOW);
        let s = c.tick(NOW + 10 * DAY);
        assert_eq!(s.wall_ms, NOW);
    }

    proptest! {
        #[test]
        fn ticks_and_observes_are_strictly_increasing(
            events in proptest::collection::vec((any::<bool>(), 0u64..20 * DAY, 0u64..DAY, any::<u32>()), 1..200)
        ) {
            let mut c = Clock::default();
            let mut prev = Stamp::default();
            for (is_tick, wall_jitter, remote_off, logical) in events {
                let wall = NOW - 10 * DAY + wall_jitter;
                let next = if is_tick {
                    c.tick(wall)
                } else {
                    match c.observe(Stamp::new(wall.saturating_sub(remote_off), logical), wall) {
                        Ok(s) => s,
                        Err(_) => continue,
                    }
                };
                prop_assert!(next > prev);
                // bounded: never more than the limit ahead of the latest wall time seen
                prop_assert!(next.wall_ms <= NOW + 10 * DAY + 1);
                prev = next;
            }
        }
    }
}
