//! The path parser on the dev set of real-world names (`../shared/fixtures/naming/dev.jsonl`,
//! from guessit's and Jellyfin's test suites): the fully-correct share may only go up. The
//! naming module itself is pure (no file access), so the fixture is read here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kinora::naming::eval;

#[test]
fn dev_set_ratchet() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/naming/dev.jsonl"
    );
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        // CI always has ../shared beside the checkout; only a bare local clone may lack it.
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("skipping: {path}: {e}");
            return;
        }
        Err(e) => panic!("{path}: {e}"),
    };
    let report = eval::evaluate(&text).unwrap();
    assert!(report.cases > 1000, "{} cases", report.cases);
    assert!(
        report.share() >= 0.985,
        "fully correct {:.4} fell below the ratchet\n{}",
        report.share(),
        eval::render(&report)
    );
}
