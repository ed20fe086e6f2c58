//! `trailwarden collect` end to end against moto: build an account with the SDK, run the binary, read the file.

use std::path::PathBuf;
use std::process::Output;

use trailwarden_evidence::Evidence;
use trailwarden_testkit::{block_on, MotoServer, TestAccount};

fn account(id: &str) -> TestAccount {
    block_on(TestAccount::new(MotoServer::shared(), id))
}

/// Runs the binary as `account`, with no AWS variables of the developer's environment leaking in.
fn collect_as(account: &TestAccount, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
    let mut cmd = account.command(env!("CARGO_BIN_EXE_trailwarden"));
    cmd.arg("collect").args(args);
    cmd.envs(extra_env.iter().copied());
    cmd.output().expect("run trailwarden")
}

fn temp_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("trailwarden-collect-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn writes_the_evidence_file_with_progress_lines() {
    let a = account("200000000001");
    block_on(a.textbook("us-east-1"));
    let out = temp_file("textbook.json");
    let url = MotoServer::shared().endpoint_url();
    let o = collect_as(
        &a,
        &[
            "--region",
            "us-east-1",
            "--endpoint-url",
            &url,
            "--output",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let evidence =
        Evidence::from_json(&std::fs::read_to_string(&out).unwrap()).expect("a valid document");
    assert_eq!(evidence.accounts.len(), 1);
    let acc = &evidence.accounts[0];
    assert_eq!(acc.account_id, "200000000001");
    assert_eq!(acc.trails.ok().map(Vec::len), Some(1));
    assert_eq!(
        acc.regions.len(),
        1,
        "--region without --regions audits the home region only"
    );
    let err = stderr(&o);
    assert!(
        err.contains("account 200000000001 us-east-1: 1 trail(s), 1 alarm(s), Security Hub on"),
        "{err}"
    );
    assert!(err.contains("0 call(s) failed"), "{err}");
}

#[test]
fn honours_aws_endpoint_url_and_writes_stdout_quietly() {
    let a = account("200000000002");
    let url = MotoServer::shared().endpoint_url();
    let o = collect_as(
        &a,
        &["--regions", "eu-west-1,us-east-1", "--quiet"],
        &[("AWS_ENDPOINT_URL", &url), ("AWS_REGION", "eu-west-1")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o), "", "--quiet prints nothing on stderr");
    let evidence = Evidence::from_json(&String::from_utf8(o.stdout).unwrap()).unwrap();
    let regions: Vec<&str> = evidence.accounts[0]
        .regions
        .iter()
        .map(|r| r.region.as_str())
        .collect();
    assert_eq!(regions, vec!["eu-west-1", "us-east-1"]);
    assert!(evidence.accounts[0].trails.ok().is_some_and(Vec::is_empty));
}

#[test]
fn named_profile_from_the_config_file() {
    let a = account("200000000003");
    let config = temp_file("aws-config");
    let session = a.credentials.session_token().unwrap_or_default();
    std::fs::write(
        &config,
        format!(
            "[profile audit]\nregion = eu-central-1\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {session}\n",
            a.credentials.access_key_id(),
            a.credentials.secret_access_key()
        ),
    )
    .unwrap();
    let url = MotoServer::shared().endpoint_url();
    // The environment's own keys point to moto's default account: the profile must win.
    let o = collect_as(
        &a,
        &[
            "--profile",
            "audit",
            "--regions",
            "eu-central-1",
            "--endpoint-url",
            &url,
            "-q",
        ],
        &[
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let evidence = Evidence::from_json(&String::from_utf8(o.stdout).unwrap()).unwrap();
    assert_eq!(evidence.accounts[0].account_id, "200000000003");
    assert_eq!(evidence.accounts[0].regions[0].region, "eu-central-1");
}

#[test]
fn invalid_selection_is_a_usage_error_naming_the_value() {
    let a = account("200000000004");
    let o = collect_as(&a, &["--assume-role", "Audit", "--accounts", "12345"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("'12345' is not a 12-digit AWS account id"),
        "{}",
        stderr(&o)
    );
    let o = collect_as(&a, &["--regions", "eu-west-1,moon-1"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("'moon-1'"), "{}", stderr(&o));
}
