//! Free text (diagnosis, notes) merged character by character with automerge.
//!
//! Every text field is its own small automerge document. All replicas start
//! from the same *genesis* change (a fixed actor, no timestamp), so the text
//! object has one id everywhere and edits made offline on different devices
//! merge instead of replacing each other. An edit travels inside an operation
//! as the automerge change bytes (hex).

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, Change, ObjId, ObjType, ROOT, ReadDoc};

use crate::error::CoreError;
use crate::ids::DeviceId;

const KEY: &str = "text";
/// Limit on one text field, in characters: a diagnosis, not a novel.
pub const MAX_CHARS: usize = 20_000;

pub struct TextDoc {
    doc: AutoCommit,
    obj: ObjId,
}

impl std::fmt::Debug for TextDoc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextDoc")
            .field("text", &self.text())
            .finish()
    }
}

impl Clone for TextDoc {
    fn clone(&self) -> Self {
        let mut doc = self.doc.clone();
        let obj = text_obj(&mut doc).expect("cloned doc has its text object");
        TextDoc { doc, obj }
    }
}

fn text_obj(doc: &mut AutoCommit) -> Result<ObjId, CoreError> {
    match doc.get(ROOT, KEY) {
        Ok(Some((_, id))) => Ok(id),
        _ => Err(CoreError::Malformed(
            "text document has no text object".into(),
        )),
    }
}

fn am(e: impl std::fmt::Display) -> CoreError {
    CoreError::Malformed(format!("text change: {e}"))
}

impl TextDoc {
    /// The shared starting point of every text field.
    pub fn genesis() -> TextDoc {
        let mut doc = AutoCommit::new().with_actor(ActorId::from(&[0u8; 16][..]));
        let obj = doc
            .put_object(ROOT, KEY, ObjType::Text)
            .expect("fresh doc accepts a text object");
        doc.commit();
        TextDoc { doc, obj }
    }

    /// Load a saved document (see [`TextDoc::save`]).
    pub fn load(bytes: &[u8]) -> Result<TextDoc, CoreError> {
        let mut doc = AutoCommit::load(bytes).map_err(am)?;
        let obj = text_obj(&mut doc)?;
        Ok(TextDoc { doc, obj })
    }

    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    pub fn text(&self) -> String {
        self.doc.text(&self.obj).unwrap_or_default()
    }

    /// Replace the whole text with `new_text` as `device` (the diff becomes
    /// character insertions and deletions). Returns the change to ship, or
    /// `None` if nothing changed.
    pub fn edit(&mut self, device: DeviceId, new_text: &str) -> Result<Option<Vec<u8>>, CoreError> {
        if new_text.chars().count() > MAX_CHARS {
            return Err(CoreError::invalid(
                "text",
                format!("must be at most {MAX_CHARS} characters"),
            ));
        }
        if new_text == self.text() {
            return Ok(None);
        }
        self.doc.set_actor(ActorId::from(&device.0[..]));
        self.doc.update_text(&self.obj, new_text).map_err(am)?;
        self.doc.commit();
        let mut change = self
            .doc
            .get_last_local_change()
            .ok_or_else(|| am("no change produced"))?;
        Ok(Some(change.bytes().into_owned()))
    }

    /// Turn the text as it was at `base` (the heads the person's screen was
    /// loaded at, see [`TextDoc::heads`]) into `new_text`, and merge that
    /// into the document as it is now. Words that arrived after the screen
    /// was loaded are kept: the diff is against what the person saw, not
    /// against what is here now. `actor` must be unique to this edit (the
    /// device id and a nonce), since the edit forks from an older version.
    pub fn edit_from(
        &mut self,
        actor: &[u8],
        base: &[String],
        new_text: &str,
    ) -> Result<Option<Vec<u8>>, CoreError> {
        if new_text.chars().count() > MAX_CHARS {
            return Err(CoreError::invalid(
                "text",
                format!("must be at most {MAX_CHARS} characters"),
            ));
        }
        let mut heads = Vec::with_capacity(base.len());
        for h in base {
            let hash: automerge::ChangeHash = h
                .parse()
                .map_err(|_| CoreError::invalid("version", "is not a version of this text"))?;
            if self.doc.get_change_by_hash(&hash).is_none() {
                return Err(CoreError::invalid(
                    "version",
                    "is not a version of this text held here",
                ));
            }
            heads.push(hash);
        }
        let mut fork = self.doc.fork_at(&heads).map_err(am)?;
        let obj = text_obj(&mut fork)?;
        if fork.text(&obj).unwrap_or_default() == new_text {
            return Ok(None);
        }
        fork.set_actor(ActorId::from(actor));
        fork.update_text(&obj, new_text).map_err(am)?;
        fork.commit();
        let mut change = fork
            .get_last_local_change()
            .ok_or_else(|| am("no change produced"))?;
        let bytes = change.bytes().into_owned();
        self.apply(&bytes)?;
        Ok(Some(bytes))
    }

    /// Apply a change from any replica. Idempotent; automerge holds back a
    /// change whose dependencies have not arrived yet.
    pub fn apply(&mut self, change: &[u8]) -> Result<(), CoreError> {
        let c = Change::from_bytes(change.to_vec()).map_err(am)?;
        self.doc.apply_changes([c]).map_err(am)
    }

    /// Join with another replica's document.
    pub fn merge(&mut self, other: &mut TextDoc) -> Result<(), CoreError> {
        self.doc.merge(&mut other.doc).map_err(am)?;
        Ok(())
    }

    /// Heads of the document, sorted: equal heads mean equal history.
    pub fn heads(&mut self) -> Vec<String> {
        let mut h: Vec<String> = self.doc.get_heads().iter().map(|h| h.to_string()).collect();
        h.sort();
        h
    }
}
