//! Source rules that keep the runtime honest about time.

use std::path::Path;

/// Only `clock.rs` may read the system clock, and nothing may read the
/// host's time zone: every instant comes through a `Clock`, every zone
/// from the zone chain.
#[test]
fn nothing_but_the_clock_reads_the_time_or_the_host_zone() {
    let forbidden = [
        "SystemTime::now",
        "Utc::now",
        "Local::now",
        "chrono::Local",
        "Instant::now",
    ];
    let mut offenders = Vec::new();
    visit(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut |path, text| {
            if path.ends_with("clock.rs") {
                return;
            }
            for word in forbidden {
                if text.contains(word) {
                    offenders.push(format!("{}: {word}", path.display()));
                }
            }
        },
    );
    assert!(
        offenders.is_empty(),
        "read the time through a Clock: {offenders:#?}"
    );
}

fn visit(dir: &Path, check: &mut dyn FnMut(&Path, &str)) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            visit(&path, check);
        } else if path.extension().is_some_and(|e| e == "rs") {
            check(&path, &std::fs::read_to_string(&path).unwrap());
        }
    }
}
