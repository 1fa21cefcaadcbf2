//! A standalone shop for tests: one device in a temporary folder, with a user
//! of every role.

use std::sync::Arc;

use branch_node::auth::Session;
use branch_node::node::{Node, StandaloneSetup};
use branch_node::services as svc;
use sync_core::domain::roles::Role;

pub const PIN: &str = "2468";

pub struct Shop {
    pub dir: tempfile::TempDir,
    pub node: Arc<Node>,
    pub owner: Session,
    pub manager: Session,
    pub receptionist: Session,
    pub technician: Session,
    pub accountant: Session,
}

impl Shop {
    pub fn session(&self, role: Role) -> &Session {
        match role {
            Role::Owner => &self.owner,
            Role::Manager => &self.manager,
            Role::Receptionist => &self.receptionist,
            Role::Technician => &self.technician,
            Role::Accountant => &self.accountant,
        }
    }

    pub fn db(&self) -> std::path::PathBuf {
        self.dir.path().join("shop.sqlite")
    }

    pub fn op_count(&self) -> u64 {
        self.node.read(branch_node::store::read::op_count).unwrap()
    }
}

pub fn setup() -> StandaloneSetup {
    StandaloneSetup {
        branch_name: "Jayanagar".into(),
        gstin: sync_core::testkit::gstin("29", "ABCDE1234F"),
        state_code: "29".into(),
        address: "4th Block, Jayanagar, Bengaluru".into(),
        invoice_prefix: "BLR1".into(),
        credit_note_prefix: "BLRC".into(),
        upi_id: Some("fixit@okaxis".into()),
        owner_name: "Olivia Owner".into(),
        owner_pin: PIN.into(),
    }
}

pub fn shop() -> Shop {
    let dir = tempfile::tempdir().unwrap();
    let node = Arc::new(Node::init_standalone(&dir.path().join("shop.sqlite"), &setup()).unwrap());
    let owner_id = node.genesis().owner;
    let owner = Session {
        user: owner_id,
        name: "Olivia Owner".into(),
        role: Role::Owner,
        branch: None,
    };
    let mk = |name: &str, role: Role| {
        let u = svc::create_user(
            &node,
            &owner,
            svc::UserInput {
                name: name.into(),
                role,
                pin: PIN.into(),
            },
        )
        .unwrap();
        Session {
            user: u.id,
            name: u.name,
            role,
            branch: u.branch,
        }
    };
    let manager = mk("Meera Manager", Role::Manager);
    let receptionist = mk("Ravi Reception", Role::Receptionist);
    let technician = mk("Tara Technician", Role::Technician);
    let accountant = mk("Arun Accounts", Role::Accountant);
    Shop {
        dir,
        node,
        owner,
        manager,
        receptionist,
        technician,
        accountant,
    }
}

pub fn intake(customer_mobile: &str) -> svc::JobInput {
    svc::JobInput {
        customer: None,
        new_customer: Some(svc::CustomerInput {
            name: "Asha Rao".into(),
            mobile: customer_mobile.into(),
            email: None,
            address: None,
            gstin: None,
            state_code: None,
        }),
        device_type: "Laptop".into(),
        brand: "Dell".into(),
        model: "Inspiron 15".into(),
        serial: "CN0X1234".into(),
        complaint: "No display after water spill".into(),
        accessories: vec!["Charger".into(), "Bag".into()],
        condition: "Scratch on lid".into(),
        password: Some(svc::PasswordInput {
            kind: sync_core::body::PasswordKind::Pin,
            value: "482913".into(),
        }),
        promised: None,
        technician: None,
    }
}

/// The catalogue's 8GB RAM stick (₹1,800, 18 %), created by the manager.
pub fn ram(s: &Shop) -> sync_core::ids::RecordId {
    let d = |v: &str| v.parse().unwrap();
    branch_node::inventory::create_item(
        &s.node,
        &s.manager,
        branch_node::inventory::ItemInput {
            sku: "RAM8-DDR4".into(),
            name: "8GB DDR4 SODIMM".into(),
            hsn_sac: "84733099".into(),
            gst_rate: d("18"),
            unit: "pcs".into(),
            sale_price: d("1800"),
            cost: d("1250"),
            reorder_level: d("2"),
            is_service: false,
        },
    )
    .unwrap()
    .id
}
