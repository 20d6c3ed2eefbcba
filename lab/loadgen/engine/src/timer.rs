//! Sleeping until an exact instant inside the event loop. tokio's timer ticks in whole
//! milliseconds, which would make every send up to a millisecond late; a timerfd wakes the
//! loop's epoll at the deadline itself (microseconds), with no thread spinning. One timer
//! serves the whole run: the sends are paced one after another.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Instant;

use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// Waits shorter than this yield instead of arming the timer.
const SPIN: std::time::Duration = std::time::Duration::from_micros(50);

/// A monotonic one-shot timer on a timerfd.
pub struct PreciseTimer {
    fd: AsyncFd<OwnedFd>,
}

impl PreciseTimer {
    pub fn new() -> io::Result<PreciseTimer> {
        // SAFETY: plain syscall; the fd is owned below.
        let raw = unsafe { libc::timerfd_create(libc::CLOCK_MONOTONIC, libc::TFD_NONBLOCK | libc::TFD_CLOEXEC) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a fresh fd nobody else owns; the OwnedFd keeps it open, and the same
        // fd, for the AsyncFd's whole life (it owns the OwnedFd).
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }.map_err(|e| e.into_parts().1)?;
        Ok(PreciseTimer { fd })
    }

    /// Resolves at `deadline` (at once when it has passed). A deadline closer than
    /// `SPIN` is waited for by yielding to the loop's other tasks instead: at tens of thousands
    /// of sends a second, arming and reading the timer would be most of the engine's syscalls.
    pub async fn sleep_until(&self, deadline: Instant) -> io::Result<()> {
        let now = Instant::now();
        if deadline <= now {
            return Ok(());
        }
        if deadline - now < SPIN {
            while Instant::now() < deadline {
                tokio::task::yield_now().await;
            }
            return Ok(());
        }
        let d = deadline - now;
        let spec = libc::itimerspec {
            it_interval: libc::timespec { tv_sec: 0, tv_nsec: 0 },
            it_value: libc::timespec { tv_sec: d.as_secs() as libc::time_t, tv_nsec: d.subsec_nanos().max(1) as libc::c_long },
        };
        // SAFETY: valid fd and spec; relative one-shot timer.
        if unsafe { libc::timerfd_settime(self.fd.as_raw_fd(), 0, &spec, std::ptr::null_mut()) } < 0 {
            return Err(io::Error::last_os_error());
        }
        loop {
            let mut guard = self.fd.readable().await?;
            let mut expirations = [0u8; 8];
            // SAFETY: reading 8 bytes into a local buffer.
            let r = unsafe { libc::read(self.fd.as_raw_fd(), expirations.as_mut_ptr().cast(), 8) };
            if r == 8 {
                return Ok(());
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::WouldBlock {
                return Err(e);
            }
            guard.clear_ready();
        }
    }
}
