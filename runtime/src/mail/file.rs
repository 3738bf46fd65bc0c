//! The file outbox: one `.eml` file per message in a folder, no server.
//!
//! The default transport of the embedded engine, and handy for looking at
//! what would be sent. Each message is written as `{key hash}.eml` (the hash
//! in its Message-ID), so a message sent again after a crash replaces its
//! file instead of adding a second one.
//!
//! Writes are atomic: the bytes go to a hidden temporary file in the same
//! folder, are flushed to disk, and the file is renamed over the final name;
//! a reader never sees half a message. The folder itself is then synced, so
//! the new name survives a power cut. Leftover `.*.tmp` files come only from
//! a crash in the middle of a write and can be deleted.

use super::message::Outgoing;
use super::transport::{SendError, Transport};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug)]
pub struct FileTransport {
    folder: PathBuf,
    /// Makes temporary names unique between threads of one process.
    writes: AtomicU64,
}

impl FileTransport {
    /// Writes into `folder`, creating it when needed.
    pub fn new(folder: impl Into<PathBuf>) -> io::Result<FileTransport> {
        let folder = folder.into();
        fs::create_dir_all(&folder)?;
        Ok(FileTransport {
            folder,
            writes: AtomicU64::new(0),
        })
    }

    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Where `message` is (or will be) written.
    pub fn path_of(&self, message: &Outgoing) -> PathBuf {
        self.folder.join(format!("{}.eml", message.key_hash()))
    }

    fn write(&self, message: &Outgoing) -> io::Result<()> {
        let write = self.writes.fetch_add(1, Ordering::Relaxed);
        let temporary = self.folder.join(format!(
            ".{}.{}.{write}.tmp",
            message.key_hash(),
            std::process::id()
        ));

        let result = write_synced(&temporary, message.bytes())
            .and_then(|()| fs::rename(&temporary, self.path_of(message)));
        if result.is_err() {
            let _ = fs::remove_file(&temporary);
        }
        result?;

        sync_folder(&self.folder)
    }
}

impl Transport for FileTransport {
    fn reaches_people(&self) -> bool {
        false
    }

    fn send(&self, message: &Outgoing) -> Result<(), SendError> {
        self.write(message).map_err(|error| {
            SendError::Temporary(format!(
                "cannot write to the outbox folder {}: {error}",
                self.folder.display()
            ))
        })
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Makes a rename durable. Only Unix can open a folder to sync it.
fn sync_folder(folder: &Path) -> io::Result<()> {
    match cfg!(unix) {
        true => File::open(folder)?.sync_all(),
        false => Ok(()),
    }
}
