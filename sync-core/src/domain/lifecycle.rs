//! The job lifecycle: received → diagnosed → estimate shared → approved /
//! rejected → in repair (⇄ waiting for parts) → ready → delivered; cancelled
//! from any non-terminal state. Delivered and cancelled are terminal and
//! read-only. Any other move is a skip, which only a manager or owner may make,
//! and which is recorded as an override.

use serde::{Deserialize, Serialize};

use crate::domain::roles::{Action, Role, allowed};
use crate::error::CoreError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Received,
    Diagnosed,
    EstimateShared,
    Approved,
    Rejected,
    InRepair,
    WaitingForParts,
    Ready,
    Delivered,
    Cancelled,
}

impl JobStatus {
    pub const ALL: [JobStatus; 10] = [
        JobStatus::Received,
        JobStatus::Diagnosed,
        JobStatus::EstimateShared,
        JobStatus::Approved,
        JobStatus::Rejected,
        JobStatus::InRepair,
        JobStatus::WaitingForParts,
        JobStatus::Ready,
        JobStatus::Delivered,
        JobStatus::Cancelled,
    ];

    pub fn is_terminal(self) -> bool {
        matches!(self, JobStatus::Delivered | JobStatus::Cancelled)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Received => "received",
            JobStatus::Diagnosed => "diagnosed",
            JobStatus::EstimateShared => "estimate_shared",
            JobStatus::Approved => "approved",
            JobStatus::Rejected => "rejected",
            JobStatus::InRepair => "in_repair",
            JobStatus::WaitingForParts => "waiting_for_parts",
            JobStatus::Ready => "ready",
            JobStatus::Delivered => "delivered",
            JobStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<JobStatus> {
        JobStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The normal next steps from a status.
pub fn next_steps(from: JobStatus) -> &'static [JobStatus] {
    use JobStatus::*;
    match from {
        Received => &[Diagnosed, Cancelled],
        Diagnosed => &[EstimateShared, Cancelled],
        EstimateShared => &[Approved, Rejected, Cancelled],
        Approved => &[InRepair, Cancelled],
        // A rejected estimate: the device goes back to the customer unrepaired.
        Rejected => &[Ready, Cancelled],
        InRepair => &[WaitingForParts, Ready, Cancelled],
        WaitingForParts => &[InRepair, Cancelled],
        Ready => &[Delivered, Cancelled],
        Delivered | Cancelled => &[],
    }
}

/// The normal next steps `role` may take from a status: what a screen
/// offers that role, so it never shows a move the rules refuse.
pub fn next_steps_for(role: Role, from: JobStatus) -> Vec<JobStatus> {
    next_steps(from)
        .iter()
        .copied()
        .filter(|to| check_transition(role, from, *to, None).is_ok())
        .collect()
}

/// The statuses `role` may move a job to by override from `from` (none for
/// a role that may not override, or from a closed job).
pub fn override_targets_for(role: Role, from: JobStatus) -> Vec<JobStatus> {
    if !allowed(role, Action::OverrideStatus) || from.is_terminal() {
        return vec![];
    }
    JobStatus::ALL
        .into_iter()
        .filter(|to| *to != from && !next_steps(from).contains(to))
        .filter(|to| check_transition(role, from, *to, Some("reason")).is_ok())
        .collect()
}

/// How a transition is allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransitionKind {
    Normal,
    Override,
}

/// Decide whether `role` may move a job from `from` to `to`. An override must
/// carry a reason; leaving a terminal state is never allowed, not even by
/// override, and nothing but `ready → delivered`-like moves may deliver.
pub fn check_transition(
    role: Role,
    from: JobStatus,
    to: JobStatus,
    override_reason: Option<&str>,
) -> Result<TransitionKind, CoreError> {
    if from.is_terminal() {
        return Err(CoreError::invalid(
            "status",
            format!(
                "job is {} and read-only; it cannot move to {}",
                from.as_str(),
                to.as_str()
            ),
        ));
    }
    if from == to {
        return Err(CoreError::invalid(
            "status",
            format!("job is already {}", to.as_str()),
        ));
    }
    if next_steps(from).contains(&to) {
        // Handing the device back and cancelling are the counter's calls;
        // the floor moves everything else.
        let needs = match to {
            JobStatus::Delivered => Action::DeliverJobs,
            JobStatus::Cancelled => Action::CancelJobs,
            _ => Action::UpdateJobStatus,
        };
        if allowed(role, needs) {
            return Ok(TransitionKind::Normal);
        }
        return Err(CoreError::Forbidden {
            role: role.as_str().into(),
            action: needs.as_str().into(),
        });
    }
    if !allowed(role, Action::OverrideStatus) {
        return Err(CoreError::Forbidden {
            role: role.as_str().into(),
            action: format!(
                "skip from {} to {} (an override needs a manager or owner)",
                from.as_str(),
                to.as_str()
            ),
        });
    }
    match override_reason.map(str::trim) {
        Some(r) if !r.is_empty() => Ok(TransitionKind::Override),
        _ => Err(CoreError::invalid(
            "override_reason",
            format!(
                "moving from {} to {} skips a step; an override must give a reason",
                from.as_str(),
                to.as_str()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use JobStatus::*;

    #[test]
    fn happy_path_is_normal_for_a_technician() {
        for (a, b) in [
            (Received, Diagnosed),
            (Diagnosed, EstimateShared),
            (Approved, InRepair),
            (InRepair, WaitingForParts),
            (WaitingForParts, InRepair),
            (InRepair, Ready),
        ] {
            assert_eq!(
                check_transition(Role::Technician, a, b, None).unwrap(),
                TransitionKind::Normal
            );
        }
    }

    #[test]
    fn skipping_needs_manager_and_reason() {
        assert!(matches!(
            check_transition(Role::Technician, Received, InRepair, Some("urgent")),
            Err(CoreError::Forbidden { .. })
        ));
        assert!(matches!(
            check_transition(Role::Manager, Received, InRepair, None),
            Err(CoreError::Invalid { .. })
        ));
        assert_eq!(
            check_transition(Role::Manager, Received, InRepair, Some("known fault")).unwrap(),
            TransitionKind::Override
        );
    }

    #[test]
    fn terminal_states_are_read_only_even_for_the_owner() {
        for t in JobStatus::ALL {
            assert!(check_transition(Role::Owner, Delivered, t, Some("x")).is_err());
            assert!(check_transition(Role::Owner, Cancelled, t, Some("x")).is_err());
        }
    }

    #[test]
    fn technician_cannot_cancel_accountant_cannot_move() {
        assert!(check_transition(Role::Technician, Received, Cancelled, None).is_err());
        assert!(check_transition(Role::Receptionist, Received, Cancelled, None).is_ok());
        assert!(check_transition(Role::Accountant, Received, Diagnosed, None).is_err());
    }

    #[test]
    fn the_counter_delivers_and_the_floor_does_not() {
        assert!(check_transition(Role::Technician, Ready, Delivered, None).is_err());
        assert!(check_transition(Role::Accountant, Ready, Delivered, None).is_err());
        assert!(check_transition(Role::Receptionist, Ready, Delivered, None).is_ok());
        assert_eq!(next_steps_for(Role::Technician, Ready), vec![]);
        assert_eq!(
            next_steps_for(Role::Receptionist, Ready),
            vec![Delivered, Cancelled]
        );
        assert_eq!(
            next_steps_for(Role::Technician, InRepair),
            vec![WaitingForParts, Ready]
        );
        for st in JobStatus::ALL {
            assert_eq!(next_steps_for(Role::Accountant, st), vec![], "{st:?}");
            assert_eq!(
                override_targets_for(Role::Receptionist, st),
                vec![],
                "{st:?}"
            );
        }
    }

    #[test]
    fn what_a_role_is_offered_is_exactly_what_it_may_do() {
        for role in Role::ALL {
            for from in JobStatus::ALL {
                let offered = next_steps_for(role, from);
                for to in JobStatus::ALL {
                    let normal = next_steps(from).contains(&to);
                    let ok = check_transition(role, from, to, None).is_ok();
                    assert_eq!(
                        offered.contains(&to),
                        normal && ok,
                        "{role:?} {from:?}→{to:?}"
                    );
                }
                for to in override_targets_for(role, from) {
                    assert_eq!(
                        check_transition(role, from, to, Some("why")).unwrap(),
                        TransitionKind::Override
                    );
                }
            }
        }
    }
}
