//! The driver's clock: when each case's limit runs out, and what happens when one does (a
//! ping asks whether the adapter is alive before the overdue cases count as timeouts).

use tokio::time::Instant;

use super::{Driver, InFlight, PendingPing};
use crate::run::protocol::Request;
use crate::run::IncidentKind;

impl Driver {
    /// Takes case `id` out of flight, when it is there, and starts the clock of the case that
    /// now comes next: whatever answered it (a result or a reply that breaks the protocol),
    /// the adapter has moved on.
    pub(super) fn take_in_flight(&mut self, id: u64) -> Option<InFlight> {
        let flight = self.in_flight.remove(&id)?;
        self.start_clock_of_next(id);
        Some(flight)
    }

    pub(super) fn next_wake(&self) -> Option<Instant> {
        // Only the oldest case can expire first (see `handle_clock`).
        let case = self.in_flight.values().next().map(|f| f.deadline);
        let ping = self.ping.as_ref().map(|p| p.deadline);
        case.into_iter().chain(ping).min()
    }

    /// Case `answered` got its answer. When it was the oldest waiting, the adapter takes the
    /// next one now, so that one's limit runs from now at the earliest: a batch's cases all
    /// leave at once, and timing each from then would charge the last for every case before
    /// it (a false timeout on a slow or loaded machine).
    fn start_clock_of_next(&mut self, answered: u64) {
        // An answer out of order (an adapter running cases concurrently) starts nothing.
        if self.in_flight.range(..answered).next().is_some() {
            return;
        }
        if let Some(next) = self.in_flight.values_mut().next() {
            next.deadline = next.deadline.max(Instant::now() + next.job.time_limit);
        }
    }

    /// Handles expired case limits and pings; false when the run must stop.
    pub(super) async fn handle_clock(&mut self) -> bool {
        let now = Instant::now();
        if let Some(ping) = &self.ping {
            if ping.deadline <= now {
                let detail = format!(
                    "the adapter stopped answering (no pong within {} ms)",
                    self.settings.ping_grace.as_millis()
                );
                return self
                    .fail_session(IncidentKind::Unresponsive, detail, None)
                    .await;
            }
        }
        // Oldest first, stopping at the first case still within its limit: a later case may
        // still be waiting its turn behind it, so its own limit has not started to run.
        let expired: Vec<u64> = self
            .in_flight
            .iter()
            .take_while(|(_, f)| f.deadline <= now)
            .map(|(id, _)| *id)
            .collect();
        if expired.is_empty() {
            return true;
        }
        let mut overdue = Vec::new();
        for id in expired {
            if let Some(flight) = self.in_flight.remove(&id) {
                self.abandoned.insert(id);
                overdue.push(flight.job);
            }
        }
        match &mut self.ping {
            Some(ping) => ping.overdue.extend(overdue),
            None => {
                let token = self.next_token;
                self.next_token += 1;
                self.session.send(&Request::Ping { token });
                self.ping = Some(PendingPing {
                    token,
                    deadline: now + self.settings.ping_grace,
                    overdue,
                });
            }
        }
        true
    }
}
