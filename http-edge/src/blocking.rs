//! Blocking work (SQLite, argon2) runs on tokio's blocking pool, never on an
//! async worker: one slow query must not stall every other connection. One
//! helper for the hub, the device API and the sync client, generic over the
//! caller's error so each keeps its own enum.

use crate::Refusal;

/// The blocking pool lost the task: it panicked, or the runtime is going down.
#[derive(Debug)]
pub struct WorkerFailed(pub String);

impl std::fmt::Display for WorkerFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "worker failed: {}", self.0)
    }
}

impl std::error::Error for WorkerFailed {}

impl From<WorkerFailed> for Refusal {
    fn from(e: WorkerFailed) -> Refusal {
        Refusal::internal(e.to_string())
    }
}

/// Run `f` on the blocking pool.
pub async fn blocking<T, E>(f: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, E>
where
    T: Send + 'static,
    E: From<WorkerFailed> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| E::from(WorkerFailed(e.to_string())))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_task_is_a_500_not_a_crash() {
        let r: Result<(), Refusal> = blocking(|| panic!("boom")).await;
        assert_eq!(r.unwrap_err().status, 500);
        assert_eq!(blocking(|| Ok::<_, Refusal>(7)).await, Ok(7));
    }
}
