//! Replays recorded histories (`tests/histories/*.json`, exported with
//! `temporal workflow show -o json`) against today's workflow code: a change that would break
//! workflows already in flight fails here, and needs `ctx.patched(..)`.

use healthcert_workflows::CertificateWorkflow;
use temporalio_client::WorkflowHistory;
use temporalio_sdk::workflow_replayer::{WorkflowReplayer, WorkflowReplayerOptions};

#[tokio::test]
async fn recorded_certificate_histories_replay_deterministically() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/histories");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("histories folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no recorded histories in {dir}");
    let options = WorkflowReplayerOptions::new()
        .register_workflow::<CertificateWorkflow>()
        .expect("register")
        .build();
    let replayer = WorkflowReplayer::new(options).expect("replayer");
    for file in files {
        let bytes = std::fs::read(&file).expect("read history");
        let history = WorkflowHistory::from_json(&bytes).expect("history JSON");
        replayer
            .replay_workflow(history)
            .await
            .unwrap_or_else(|e| panic!("{} no longer replays: {e}", file.display()));
    }
}
