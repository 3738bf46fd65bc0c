//! The one place that reads the time.
//!
//! Everything that needs "now" takes a [`Clock`]. The engine runs on the
//! [`SystemClock`]; the simulator and tests run on a [`VirtualClock`] that
//! moves only when told to, which is what makes a simulation predict
//! production exactly. Nothing else in the runtime reads the system clock
//! or the host's time zone (a test in `runtime/tests/tidy.rs` checks).

use std::cell::Cell;

/// Seconds since the Unix epoch, UTC.
pub trait Clock {
    fn now(&self) -> i64;
}

/// The machine's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        since_epoch.map_or(0, |d| d.as_secs() as i64)
    }
}

/// A clock that stands still until it is moved.
#[derive(Debug, Default)]
pub struct VirtualClock {
    now: Cell<i64>,
}

impl VirtualClock {
    pub fn starting_at(now: i64) -> VirtualClock {
        VirtualClock {
            now: Cell::new(now),
        }
    }

    /// Moves the clock to `at`; a virtual clock never runs backwards.
    pub fn advance_to(&self, at: i64) {
        self.now.set(self.now.get().max(at));
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> i64 {
        self.now.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_virtual_clock_moves_only_forwards_and_only_when_told() {
        let clock = VirtualClock::starting_at(100);
        assert_eq!(clock.now(), 100);
        clock.advance_to(250);
        clock.advance_to(200);
        assert_eq!(clock.now(), 250);
    }
}
