//! Shared by the CLI tests that drive the binary against moto (each test file uses a subset).
#![allow(dead_code)]

use std::process::Output;

use trailwarden_testkit::{block_on, MotoServer, TestAccount, TrailSpec};

/// Runs trailwarden as `account` against the shared moto server, in `region`.
pub fn run_as(region: &str, account: &TestAccount, args: &[&str]) -> Output {
    let mut cmd = account.command(env!("CARGO_BIN_EXE_trailwarden"));
    let url = MotoServer::shared().endpoint_url();
    cmd.args(args)
        .args(["--region", region, "--endpoint-url", &url]);
    cmd.output().expect("run trailwarden")
}

/// stdout then stderr, for assertion messages.
pub fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// An account with a qualifying trail (delivering to `CloudTrail/main`) and Security Hub on (otherwise
/// remediate reports 4.16 as blocked), nothing else.
pub fn bare_account(region: &str, id: &str) -> TestAccount {
    let a = block_on(TestAccount::new(MotoServer::shared(), id));
    block_on(async {
        let group = a.log_group(region, "CloudTrail/main").await;
        a.trail(&TrailSpec {
            log_group_arn: Some(group),
            ..TrailSpec::new("main", region)
        })
        .await;
        a.enable_security_hub(region).await;
    });
    a
}
