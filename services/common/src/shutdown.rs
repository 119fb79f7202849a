//! Cooperative shutdown: one token cancelled on SIGINT or SIGTERM, handed to
//! every task, so each can drain and flush before the process exits.

use std::time::Duration;

pub use tokio_util::sync::CancellationToken;
use tracing::info;

/// Cancels `token` on the first SIGINT or SIGTERM.
pub fn cancel_on_signal(token: CancellationToken) {
    tokio::spawn(async move {
        let name = wait_for_signal().await;
        info!(signal = name, "shutting down");
        token.cancel();
    });
}

async fn wait_for_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "ctrl-c"
    }
}

/// Runs `work` to completion or until `deadline` elapses, whichever is first;
/// returns `false` when the deadline cut it short.
pub async fn within<F: std::future::Future<Output = ()>>(deadline: Duration, work: F) -> bool {
    tokio::time::timeout(deadline, work).await.is_ok()
}
