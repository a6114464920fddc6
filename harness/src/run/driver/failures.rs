//! What the driver does when an adapter fails: every misbehaviour becomes an incident or is
//! pinned on a case; a dead or babbling adapter is stopped with its whole process group and
//! its cases in flight re-run in halves, within the implementation's restart budget; and a
//! finished adapter is read to its end, so a stray line after the last case counts too.

use std::time::Duration;

use tokio::time::Instant;

use super::super::protocol::{
    excerpt, excerpt_of, parse_reply, result_id_in_head, size, Reply, Request,
};
use super::super::session::{start, Event};
use super::super::{FailureKind, Incident, IncidentKind, Job, Outcome, Restart};
use super::{Driver, MAX_INCIDENTS};

/// How long an adapter that measures coverage has to send it after the last case.
const COVERAGE_WAIT: Duration = Duration::from_secs(60);

impl Driver {
    pub(super) fn broken_reason(&self) -> String {
        format!(
            "not run: the implementation's adapters needed more than {} restarts (--max-restarts), so it is marked broken",
            self.budget.limit()
        )
    }

    /// An incident of the current process, with its stderr tail and the cases given.
    pub(super) fn incident(
        &self,
        kind: IncidentKind,
        detail: String,
        line: Option<String>,
        in_flight: Vec<u64>,
    ) -> Incident {
        Incident {
            kind,
            detail,
            line,
            stderr_tail: self.session.stderr_tail(),
            after_cases: self.reported,
            in_flight,
            repeats: 0,
        }
    }

    /// Records an incident, folding it into the first of its kind once there are many.
    pub(super) fn note(&mut self, incident: Incident) {
        let incidents = &mut self.summary.incidents;
        if incidents.len() >= MAX_INCIDENTS {
            if let Some(first) = incidents.iter_mut().find(|i| i.kind == incident.kind) {
                first.repeats += 1;
                return;
            }
        }
        incidents.push(incident);
    }

    /// Records the failures whose cases all re-ran without one of them failing alone.
    pub(super) fn settle(&mut self) {
        for incident in std::mem::take(&mut self.unexplained) {
            self.note(incident);
        }
    }

    /// How the adapter exited, when it has: a clean exit before answering a single case is
    /// an adapter that leaves right after its hello; any other exit is a crash.
    pub(super) async fn exited(&mut self) -> Option<(IncidentKind, String)> {
        let (clean, status) = self.session.exit_status().await?;
        Some(if clean && self.session_answered == 0 {
            (
                IncidentKind::ExitAfterHello,
                format!(
                    "the adapter exited ({status}) right after its hello, without answering any of the {} case(s) sent to it",
                    self.session_sent
                ),
            )
        } else {
            (
                IncidentKind::Crash,
                format!(
                    "the adapter exited ({status}) after answering {} of the {} case(s) sent to it",
                    self.session_answered, self.session_sent
                ),
            )
        })
    }

    /// What a result for `id`, which is not in flight, is: a second answer to a case this
    /// process was sent, or an answer to something it was never asked.
    pub(super) fn stray_result(&self, id: u64) -> (IncidentKind, String) {
        if (self.session_first_id..self.next_id).contains(&id) {
            (
                IncidentKind::DuplicateReply,
                format!(
                    "answered id {id} again: it is not in flight, its case was answered already"
                ),
            )
        } else {
            (
                IncidentKind::UnknownId,
                format!("answered id {id}, which is not in flight: the harness never sent it"),
            )
        }
    }

    /// Says bye and reads what the adapter still writes until it exits: a stray line at
    /// the very end is as much an incident as one in the middle. Then stops its group.
    pub(super) async fn finish(&mut self) {
        // Coverage is asked for before the bye, which the adapter handles after answering it;
        // measuring a large package takes longer than a plain exit.
        let wait = if self.session.coverage {
            self.session.send(&Request::Coverage {
                contract: self.contract,
            });
            COVERAGE_WAIT
        } else {
            Duration::from_secs(2)
        };
        self.session.send(&Request::Bye);
        let deadline = Instant::now() + wait;
        while let Ok(Some(event)) =
            tokio::time::timeout_at(deadline, self.session.events.recv()).await
        {
            let (kind, detail, line) = match event {
                Event::Closed => break,
                Event::WriteFailed(_) => continue, // it stopped reading after its bye
                Event::Line(line) => match parse_reply(&line) {
                    Ok(Reply::Pong { .. }) => continue,
                    Ok(Reply::Coverage(reply))
                        if self.session.coverage
                            && reply.contract == self.contract
                            && self.summary.coverage.is_none() =>
                    {
                        self.summary.coverage = Some(reply);
                        continue;
                    }
                    Ok(Reply::Result(reply)) if self.abandoned.remove(&reply.id) => continue,
                    Ok(Reply::Result(reply)) => {
                        let (kind, detail) = self.stray_result(reply.id);
                        (kind, detail, excerpt(&line))
                    }
                    Ok(Reply::Results(replies)) => {
                        // Late answers to abandoned cases are fine; the first other is not.
                        let stray = replies.into_iter().find_map(|reply| match reply {
                            Ok(reply) if self.abandoned.remove(&reply.id) => None,
                            Ok(reply) => Some(self.stray_result(reply.id)),
                            Err(violation) => Some((
                                violation.kind,
                                format!(
                                    "the adapter wrote a result that is not valid: {}",
                                    violation.problem
                                ),
                            )),
                        });
                        let Some((kind, detail)) = stray else {
                            continue;
                        };
                        (kind, detail, excerpt(&line))
                    }
                    Ok(Reply::Hello(_) | Reply::Snippet(_) | Reply::Coverage(_)) => (
                        IncidentKind::InvalidMessage,
                        "the adapter wrote a message it was not asked for after its bye".into(),
                        excerpt(&line),
                    ),
                    Err(violation) => (
                        violation.kind,
                        format!(
                            "the adapter wrote a line that is not a valid message: {}",
                            violation.problem
                        ),
                        excerpt(&line),
                    ),
                },
                Event::Garbage(line) => (
                    IncidentKind::NotJson,
                    "the adapter wrote a line that is not UTF-8".into(),
                    excerpt(&line),
                ),
                Event::TooLong { head, bytes } => (
                    IncidentKind::ReplyTooLarge,
                    format!("a line of {} after its bye", size(bytes)),
                    excerpt_of(&head, bytes),
                ),
            };
            let incident = self.incident(kind, detail, Some(line), Vec::new());
            self.note(incident);
        }
        self.session.kill().await;
    }

    /// A line over the reply limit, already read and dropped but for its head: the case it
    /// answers fails (the adapter carries on); one that names no case in flight costs the
    /// adapter like any other stray line.
    pub(super) async fn on_too_long(&mut self, head: &str, bytes: u64) -> bool {
        let detail = format!(
            "a reply line of {} is over the limit of {} (--max-reply-bytes); it was read and discarded",
            size(bytes),
            size(self.settings.max_reply_bytes as u64)
        );
        let line = Some(excerpt_of(head, bytes));
        let answered =
            result_id_in_head(head).and_then(|id| self.in_flight.remove(&id).map(|f| (id, f)));
        let Some((id, flight)) = answered else {
            return self
                .fail_session(IncidentKind::ReplyTooLarge, detail, line)
                .await;
        };
        self.fail_case(
            id,
            flight.job.index,
            IncidentKind::ReplyTooLarge,
            detail.clone(),
            line,
            detail,
        )
        .await
    }

    /// Fails the one case whose reply (id `id`) broke the protocol: an incident of `kind`
    /// naming it, and the case failed as `protocol` with `case_detail`. Its id is set aside,
    /// so a later reply to it is no second answer. True: the adapter carries on.
    pub(super) async fn fail_case(
        &mut self,
        id: u64,
        index: u64,
        kind: IncidentKind,
        detail: String,
        line: Option<String>,
        case_detail: String,
    ) -> bool {
        self.abandoned.insert(id);
        let incident = self.incident(kind, detail, line, vec![index]);
        let stderr_tail = incident.stderr_tail.clone();
        self.note(incident);
        self.report(
            index,
            Outcome::Failed {
                kind: FailureKind::Protocol,
                detail: case_detail,
                stderr_tail,
            },
        )
        .await;
        true
    }

    /// Kills the adapter (its whole process group) after a failure no single case can be
    /// blamed for yet, sets the cases in flight aside to be re-run in halves, and starts a
    /// new adapter if the budget allows. A broken protocol is an incident at once; an exit
    /// or a hang only if re-running its cases does not pin it on one. False when the run
    /// must stop.
    pub(super) async fn fail_session(
        &mut self,
        kind: IncidentKind,
        detail: String,
        line: Option<String>,
    ) -> bool {
        let mut suspects: Vec<Job> = std::mem::take(&mut self.in_flight)
            .into_values()
            .map(|f| f.job)
            .chain(self.ping.take().into_iter().flat_map(|p| p.overdue))
            .collect();
        suspects.sort_by_key(|j| j.index);
        self.session.kill().await;
        // The adapter is gone: give the stderr reader a moment to catch its last words.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let incident = self.incident(
            kind,
            detail.clone(),
            line,
            suspects.iter().map(|j| j.index).collect(),
        );
        self.abandoned.clear();
        self.running_suspects = false;
        self.last_failure = detail.clone();
        let stderr_tail = incident.stderr_tail.clone();
        if kind.breaks_protocol() {
            self.note(incident);
        } else if suspects.is_empty() {
            self.note(incident); // nothing in flight: no case can explain it
        } else if suspects.len() > 1 {
            self.unexplained.push(incident);
        }
        match suspects.len() {
            0 => {}
            1 => {
                let job = suspects.remove(0);
                // It failed alone: that explains the failures its group was suspected of.
                self.unexplained
                    .retain(|i| !i.in_flight.contains(&job.index));
                self.report(
                    job.index,
                    Outcome::Failed {
                        kind: kind.failure(),
                        detail,
                        stderr_tail,
                    },
                )
                .await;
            }
            n => {
                let second = suspects.split_off(n / 2);
                self.suspects.push(second);
                self.suspects.push(suspects);
            }
        }
        self.restart().await
    }

    /// Starts a new adapter if the implementation has restarts left; false when the run
    /// must stop (budget spent, the adapter cannot start, or the run was interrupted).
    pub(super) async fn restart(&mut self) -> bool {
        if let Restart::Refused { first } = self.budget.take() {
            if first {
                let detail = format!(
                    "its adapters needed more than {} restarts (--max-restarts): the implementation is marked broken and the rest of its cases are not run; the last failure: {}",
                    self.budget.limit(),
                    self.last_failure
                );
                let incident = self.incident(IncidentKind::RestartBudget, detail, None, Vec::new());
                self.note(incident);
            }
            self.summary.broken = Some(self.broken_reason());
            return false;
        }
        let started = tokio::select! {
            biased;
            _ = Self::stopped(&mut self.stop) => {
                self.interrupted = true;
                return false;
            }
            started = start(&self.command, Some(self.contract), &self.settings) => started,
        };
        match started {
            Ok((session, _hello)) => {
                self.session = session;
                self.session_first_id = self.next_id;
                self.session_sent = 0;
                self.session_answered = 0;
                self.summary.restarts += 1;
                true
            }
            Err(e) => {
                self.summary.fatal = Some(e);
                false
            }
        }
    }
}
