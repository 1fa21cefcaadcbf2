//! The role matrix (seed 000, "Role Permissions Matrix"), checked where an
//! operation is made and again at the hub.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Manager,
    Receptionist,
    Technician,
    Accountant,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Manager,
        Role::Receptionist,
        Role::Technician,
        Role::Accountant,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Manager => "manager",
            Role::Receptionist => "receptionist",
            Role::Technician => "technician",
            Role::Accountant => "accountant",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// May a user of this role sign on a device whose ceiling is `ceiling`?
    /// Roles below a manager are peers, not a ladder: an owner ceiling
    /// admits everyone, a manager ceiling everyone but the owner, any other
    /// ceiling only its own role.
    pub fn within(self, ceiling: Role) -> bool {
        match ceiling {
            Role::Owner => true,
            Role::Manager => self != Role::Owner,
            c => self == c,
        }
    }
}

/// Actions of the matrix, plus the few the brief adds (marked).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    AllBranchesAccess,
    ManageUsers,
    CreateBranches,
    CreateJobs,
    AssignTechnicians,
    AddDiagnosis,
    AccessDevicePasswords,
    OverrideStatus,
    ManageInventory,
    ManualStockAdjust,
    CreateInvoices,
    RecordPayments,
    ViewReports,
    ViewAuditLogs,
    /// Brief: a technician moves job status; the counter delivers.
    UpdateJobStatus,
    /// Brief: a technician uses parts issued to them.
    UseParts,
    /// Brief: a manager allows delivery with money owed; reviews conflicts.
    ResolveConflicts,
    /// Brief: the counter hands the device back (OTP or signature).
    DeliverJobs,
    /// Brief: cancelling is a counter or manager decision.
    CancelJobs,
}

impl Action {
    pub const ALL: [Action; 19] = [
        Action::AllBranchesAccess,
        Action::ManageUsers,
        Action::CreateBranches,
        Action::CreateJobs,
        Action::AssignTechnicians,
        Action::AddDiagnosis,
        Action::AccessDevicePasswords,
        Action::OverrideStatus,
        Action::ManageInventory,
        Action::ManualStockAdjust,
        Action::CreateInvoices,
        Action::RecordPayments,
        Action::ViewReports,
        Action::ViewAuditLogs,
        Action::UpdateJobStatus,
        Action::UseParts,
        Action::ResolveConflicts,
        Action::DeliverJobs,
        Action::CancelJobs,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Action::AllBranchesAccess => "access all branches",
            Action::ManageUsers => "manage users",
            Action::CreateBranches => "create branches",
            Action::CreateJobs => "create jobs",
            Action::AssignTechnicians => "assign technicians",
            Action::AddDiagnosis => "add diagnosis",
            Action::AccessDevicePasswords => "access device passwords",
            Action::OverrideStatus => "override status",
            Action::ManageInventory => "manage inventory",
            Action::ManualStockAdjust => "adjust stock manually",
            Action::CreateInvoices => "create invoices",
            Action::RecordPayments => "record payments",
            Action::ViewReports => "view reports",
            Action::ViewAuditLogs => "view audit logs",
            Action::UpdateJobStatus => "update job status",
            Action::UseParts => "use parts on a job",
            Action::ResolveConflicts => "resolve sync conflicts",
            Action::DeliverJobs => "deliver a job to the customer",
            Action::CancelJobs => "cancel a job",
        }
    }

    /// The action's name in the API (`create_jobs`), as its serde form.
    pub fn key(&self) -> &'static str {
        match self {
            Action::AllBranchesAccess => "all_branches_access",
            Action::ManageUsers => "manage_users",
            Action::CreateBranches => "create_branches",
            Action::CreateJobs => "create_jobs",
            Action::AssignTechnicians => "assign_technicians",
            Action::AddDiagnosis => "add_diagnosis",
            Action::AccessDevicePasswords => "access_device_passwords",
            Action::OverrideStatus => "override_status",
            Action::ManageInventory => "manage_inventory",
            Action::ManualStockAdjust => "manual_stock_adjust",
            Action::CreateInvoices => "create_invoices",
            Action::RecordPayments => "record_payments",
            Action::ViewReports => "view_reports",
            Action::ViewAuditLogs => "view_audit_logs",
            Action::UpdateJobStatus => "update_job_status",
            Action::UseParts => "use_parts",
            Action::ResolveConflicts => "resolve_conflicts",
            Action::DeliverJobs => "deliver_jobs",
            Action::CancelJobs => "cancel_jobs",
        }
    }
}

/// The matrix. One `match`, so that a reader checks it against the seed's
/// table line by line.
pub fn allowed(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        AllBranchesAccess | ManageUsers | CreateBranches | ViewAuditLogs => role == Owner,
        CreateJobs | DeliverJobs | CancelJobs => matches!(role, Owner | Manager | Receptionist),
        AssignTechnicians | OverrideStatus | ManualStockAdjust | ResolveConflicts => {
            matches!(role, Owner | Manager)
        }
        AddDiagnosis | AccessDevicePasswords | UseParts => {
            matches!(role, Owner | Manager | Technician)
        }
        ManageInventory | CreateInvoices | RecordPayments | ViewReports => {
            matches!(role, Owner | Manager | Accountant)
        }
        UpdateJobStatus => matches!(role, Owner | Manager | Receptionist | Technician),
    }
}

pub fn require(role: Role, action: Action) -> Result<(), crate::CoreError> {
    if allowed(role, action) {
        Ok(())
    } else {
        Err(crate::CoreError::Forbidden {
            role: role.as_str().to_string(),
            action: action.as_str().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed's table, transcribed: (action, owner, manager, receptionist, technician, accountant).
    const SEED: &[(Action, [bool; 5])] = &[
        (
            Action::AllBranchesAccess,
            [true, false, false, false, false],
        ),
        (Action::ManageUsers, [true, false, false, false, false]),
        (Action::CreateBranches, [true, false, false, false, false]),
        (Action::CreateJobs, [true, true, true, false, false]),
        (Action::AssignTechnicians, [true, true, false, false, false]),
        (Action::AddDiagnosis, [true, true, false, true, false]),
        (
            Action::AccessDevicePasswords,
            [true, true, false, true, false],
        ),
        (Action::OverrideStatus, [true, true, false, false, false]),
        (Action::ManageInventory, [true, true, false, false, true]),
        (Action::ManualStockAdjust, [true, true, false, false, false]),
        (Action::CreateInvoices, [true, true, false, false, true]),
        (Action::RecordPayments, [true, true, false, false, true]),
        (Action::ViewReports, [true, true, false, false, true]),
        (Action::ViewAuditLogs, [true, false, false, false, false]),
    ];

    /// The brief's additions: who moves a job on the floor, who hands it back.
    const BRIEF: &[(Action, [bool; 5])] = &[
        (Action::UpdateJobStatus, [true, true, true, true, false]),
        (Action::UseParts, [true, true, false, true, false]),
        (Action::ResolveConflicts, [true, true, false, false, false]),
        (Action::DeliverJobs, [true, true, true, false, false]),
        (Action::CancelJobs, [true, true, true, false, false]),
    ];

    #[test]
    fn every_action_has_its_serde_name_as_key() {
        for a in Action::ALL {
            assert_eq!(serde_json::to_value(a).unwrap(), a.key(), "{a:?}");
        }
    }

    #[test]
    fn matrix_matches_the_seed_table_cell_by_cell() {
        assert_eq!(SEED.len() + BRIEF.len(), Action::ALL.len());
        for (action, row) in SEED.iter().chain(BRIEF) {
            for (i, role) in Role::ALL.iter().enumerate() {
                assert_eq!(allowed(*role, *action), row[i], "{role:?} × {action:?}");
            }
        }
    }
}
