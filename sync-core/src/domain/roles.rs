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
}

impl Action {
    pub const ALL: [Action; 17] = [
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
        CreateJobs => matches!(role, Owner | Manager | Receptionist),
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

    #[test]
    fn matrix_matches_the_seed_table_cell_by_cell() {
        for (action, row) in SEED {
            for (i, role) in Role::ALL.iter().enumerate() {
                assert_eq!(allowed(*role, *action), row[i], "{role:?} × {action:?}");
            }
        }
    }
}
