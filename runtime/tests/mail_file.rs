//! The file outbox: one `.eml` per message, written atomically, and a
//! message written twice is still one file.

use chrono_tz::Tz;
use journey_runtime::bytecode::Email;
use journey_runtime::mail::{
    compose, ContactValues, FileTransport, Letter, Outgoing, SendError, TemplateValue, Templates,
    Transport, View,
};
use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use tempfile::TempDir;

/// A treatment email for `key`, with a body of `lines` lines.
fn message(key: &str, lines: usize) -> Outgoing {
    let email = Email {
        name: "visit".into(),
        marketing: false,
        subject: "Your visit, {{ contact.first_name }}".into(),
        body: "templates/visit.txt".into(),
        links: vec![],
    };
    let mut templates = Templates::new();
    let body = "Hi {{ contact.first_name }}, see you soon.\n".repeat(lines);
    templates.add(&email, &body).unwrap();
    let contact = ContactValues::new(Tz::UTC).with("first_name", TemplateValue::Text("Ana".into()));
    let view = View {
        contact: &contact,
        links: &[],
        unsubscribe_url: None,
    };
    let rendered = templates.render(&email, &view).unwrap();
    let letter = Letter {
        from: "Care Team <care@example-health.org>",
        reply_to: None,
        to: "ana@example.org",
        idempotency_key: key,
        now: 1_800_000_000,
    };
    compose(&rendered, &letter).unwrap()
}

fn names(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn one_eml_per_message_named_by_its_hash() {
    let folder = TempDir::new().unwrap();
    let outbox = FileTransport::new(folder.path().join("outbox")).unwrap();
    let first = message("1:1:visit:1", 1);
    let second = message("2:1:visit:1", 1);

    outbox.send(&first).unwrap();
    outbox.send(&second).unwrap();

    let mut expected = vec![
        format!("{}.eml", first.key_hash()),
        format!("{}.eml", second.key_hash()),
    ];
    expected.sort();
    assert_eq!(names(outbox.folder()), expected);
    assert_eq!(fs::read(outbox.path_of(&first)).unwrap(), first.bytes());
    assert_eq!(fs::read(outbox.path_of(&second)).unwrap(), second.bytes());
}

#[test]
fn the_same_message_twice_is_one_file() {
    let folder = TempDir::new().unwrap();
    let outbox = FileTransport::new(folder.path()).unwrap();
    let message = message("1:1:visit:1", 1);

    outbox.send(&message).unwrap();
    outbox.send(&message).unwrap();

    assert_eq!(
        names(folder.path()),
        [format!("{}.eml", message.key_hash())]
    );
    assert_eq!(fs::read(outbox.path_of(&message)).unwrap(), message.bytes());
}

/// Two writers rewrite one large message while a reader keeps reading it:
/// the reader only ever sees the whole message, and no temporary file is
/// left behind.
#[test]
fn readers_never_see_half_a_message() {
    let folder = TempDir::new().unwrap();
    let outbox = FileTransport::new(folder.path()).unwrap();
    let message = message("1:1:visit:1", 5_000);
    assert!(message.bytes().len() > 100_000);
    let path = outbox.path_of(&message);
    let done = AtomicBool::new(false);

    let reads = std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut reads = 0;
            while !done.load(Ordering::Relaxed) {
                if let Ok(bytes) = fs::read(&path) {
                    assert_eq!(bytes.len(), message.bytes().len(), "a partial message");
                    reads += 1;
                }
            }
            reads
        });
        let writers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    for _ in 0..25 {
                        outbox.send(&message).unwrap();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        done.store(true, Ordering::Relaxed);
        reader.join().unwrap()
    });

    assert!(reads > 0, "the reader saw the file");
    assert_eq!(
        names(folder.path()),
        [format!("{}.eml", message.key_hash())]
    );
}

#[test]
fn a_folder_that_cannot_be_written_is_a_temporary_failure() {
    let folder = TempDir::new().unwrap();
    let outbox = FileTransport::new(folder.path().join("outbox")).unwrap();
    fs::remove_dir(outbox.folder()).unwrap();
    fs::write(outbox.folder(), "not a folder").unwrap();

    let error = outbox.send(&message("1:1:visit:1", 1)).unwrap_err();

    assert!(
        matches!(&error, SendError::Temporary(reason) if reason.contains("outbox")),
        "{error:?}"
    );
}
