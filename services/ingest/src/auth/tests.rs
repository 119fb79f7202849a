use std::io::Write;

use tonic::metadata::MetadataValue;

use super::*;

fn file_with(contents: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(contents.as_bytes()).unwrap();
    file
}

fn metadata(token: &str) -> MetadataMap {
    let mut map = MetadataMap::new();
    map.insert(
        "authorization",
        MetadataValue::try_from(format!("Bearer {token}")).unwrap(),
    );
    map
}

fn credentials() -> String {
    format!(
        r#"
[[checkpoint]]
id = "KZ-KOR-L01"
crossing = "KZ-KOR"
lanes = ["L01"]
token_sha256 = "{}"
"#,
        hash_token("secret-one")
    )
}

#[test]
fn a_known_token_names_its_checkpoint() {
    let file = file_with(&credentials());
    let auth = Authenticator::load(file.path()).unwrap();
    let checkpoint = auth.authenticate(&metadata("secret-one"), None).unwrap();
    assert_eq!(checkpoint.id, "KZ-KOR-L01");
    assert_eq!(checkpoint.crossing_id, "KZ-KOR");
}

#[test]
fn unknown_or_missing_tokens_are_unauthenticated() {
    let file = file_with(&credentials());
    let auth = Authenticator::load(file.path()).unwrap();
    assert!(matches!(
        auth.authenticate(&metadata("secret-two"), None),
        Err(Error::Unauthenticated)
    ));
    assert!(matches!(
        auth.authenticate(&MetadataMap::new(), None),
        Err(Error::Unauthenticated)
    ));
}

#[test]
fn a_checkpoint_speaks_only_for_its_crossing_lane_and_self() {
    let checkpoint = Checkpoint {
        id: "KZ-KOR-L01".into(),
        crossing_id: "KZ-KOR".into(),
        lanes: vec!["L01".into()],
    };
    assert!(authorise(&checkpoint, "KZ-KOR", "L01", "KZ-KOR-L01").is_ok());
    for (crossing, lane, id) in [
        ("KG-DOS", "L01", "KZ-KOR-L01"),
        ("KZ-KOR", "L02", "KZ-KOR-L01"),
        ("KZ-KOR", "L01", "KZ-KOR-L02"),
    ] {
        assert!(matches!(
            authorise(&checkpoint, crossing, lane, id),
            Err(Error::PermissionDenied(_))
        ));
    }
}

#[test]
fn broken_files_name_the_problem() {
    let file = file_with("[[checkpoint]]\nid = \"A\"\ncrossing = \"X\"\ntoken_sha256 = \"zz\"\n");
    let err = Authenticator::load(file.path()).unwrap_err().to_string();
    assert!(err.contains("checkpoint[0].token_sha256"), "{err}");
    let file = file_with("[[checkpoint]]\nid = \"A\"\ncrossing = \"X\"\npassword = \"x\"\n");
    let err = Authenticator::load(file.path()).unwrap_err().to_string();
    assert!(err.contains("password"), "{err}");
}

#[tokio::test]
async fn reloads_when_the_file_changes() {
    let file = file_with(&credentials());
    let auth = Authenticator::load(file.path()).unwrap();
    let shutdown = CancellationToken::new();
    let watcher = {
        let auth = auth.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move { auth.watch(Duration::from_millis(20), shutdown).await })
    };
    // Make sure the modification time moves even on coarse clocks.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let replaced = credentials().replace(&hash_token("secret-one"), &hash_token("rotated"));
    std::fs::write(file.path(), replaced).unwrap();
    let later = SystemTime::now() + Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(file.path())
        .unwrap()
        .set_modified(later)
        .unwrap();
    let mut reloaded = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if auth.authenticate(&metadata("rotated"), None).is_ok() {
            reloaded = true;
            break;
        }
    }
    shutdown.cancel();
    watcher.await.unwrap();
    assert!(reloaded, "the rotated token was never accepted");
    assert!(auth.authenticate(&metadata("secret-one"), None).is_err());
}
