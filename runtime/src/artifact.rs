//! The bytecode artifact on disk: versioned, checksummed, compact.
//!
//! Layout (all integers little-endian):
//!
//! | bytes | what |
//! |---|---|
//! | 8 | magic `JOURNEY\0` |
//! | 2 | format version ([`FORMAT_VERSION`]) |
//! | 2 + n | the compiler version that wrote it (length, UTF-8) |
//! | 8 | FNV-1a 64 checksum of the payload |
//! | 8 | payload length |
//! | n | payload: the [`Program`] in postcard encoding, then (format 3 on)
//! |   | which event fields are optional, one list of flags per event |
//!
//! Loading checks each part and says what is wrong: not an artifact, made
//! by a newer `journey`, truncated, or corrupt.

use crate::bytecode::Program;
use std::fmt;

pub const MAGIC: &[u8; 8] = b"JOURNEY\0";
/// 2: conditions may hold `Expr::CompareField` (format 1 still loads).
/// 3: the payload ends with the events' optional fields (formats 1 and 2
/// still load, with every event field required).
pub const FORMAT_VERSION: u16 = 3;
pub const COMPILER_VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, PartialEq, Eq)]
pub enum LoadError {
    NotAnArtifact,
    Newer {
        found: u16,
        supported: u16,
        writer: String,
    },
    Truncated,
    Corrupt(String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NotAnArtifact => write!(f, "not a journey artifact (bad magic bytes)"),
            LoadError::Newer {
                found,
                supported,
                writer,
            } => write!(
                f,
                "artifact format {found} was written by journey {writer}; this journey reads \
                 format {supported} and older: upgrade journey, or rebuild the artifact"
            ),
            LoadError::Truncated => write!(f, "the artifact is truncated; rebuild it"),
            LoadError::Corrupt(why) => write!(f, "the artifact is corrupt ({why}); rebuild it"),
        }
    }
}

impl std::error::Error for LoadError {}

pub fn encode(program: &Program) -> Vec<u8> {
    let mut payload = postcard::to_allocvec(program).expect("programs always serialise");
    let optional: Vec<&Vec<bool>> = program.events.iter().map(|e| &e.optional).collect();
    payload.extend(postcard::to_allocvec(&optional).expect("flags always serialise"));
    let mut out = Vec::with_capacity(payload.len() + 40);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(COMPILER_VERSION.len() as u16).to_le_bytes());
    out.extend_from_slice(COMPILER_VERSION.as_bytes());
    out.extend_from_slice(&fnv1a(&payload).to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

/// The header of an artifact, readable without decoding the program.
#[derive(Debug, PartialEq, Eq)]
pub struct Header {
    pub format: u16,
    pub writer: String,
    pub checksum: u64,
}

pub fn decode(bytes: &[u8]) -> Result<(Header, Program), LoadError> {
    let mut reader = Reader { bytes, at: 0 };
    if reader.take(8).ok_or(LoadError::NotAnArtifact)? != MAGIC {
        return Err(LoadError::NotAnArtifact);
    }
    let format = u16::from_le_bytes(reader.array()?);
    let writer_len = u16::from_le_bytes(reader.array()?) as usize;
    let writer =
        String::from_utf8_lossy(reader.take(writer_len).ok_or(LoadError::Truncated)?).into_owned();
    if format > FORMAT_VERSION {
        return Err(LoadError::Newer {
            found: format,
            supported: FORMAT_VERSION,
            writer,
        });
    }
    let checksum = u64::from_le_bytes(reader.array()?);
    let len = u64::from_le_bytes(reader.array()?) as usize;
    let payload = reader.take(len).ok_or(LoadError::Truncated)?;
    if reader.at != bytes.len() {
        return Err(LoadError::Corrupt("bytes after the payload".into()));
    }
    if fnv1a(payload) != checksum {
        return Err(LoadError::Corrupt("checksum mismatch".into()));
    }
    let program = decode_payload(payload, format)?;
    Ok((
        Header {
            format,
            writer,
            checksum,
        },
        program,
    ))
}

/// The program of a payload written in `format`.
fn decode_payload(payload: &[u8], format: u16) -> Result<Program, LoadError> {
    let corrupt = |e: postcard::Error| LoadError::Corrupt(format!("payload: {e}"));
    if format < 3 {
        let mut program: Program = postcard::from_bytes(payload).map_err(corrupt)?;
        for event in &mut program.events {
            event.optional = vec![false; event.fields.len()];
        }
        return Ok(program);
    }

    let (mut program, rest): (Program, _) = postcard::take_from_bytes(payload).map_err(corrupt)?;
    let optional: Vec<Vec<bool>> = postcard::from_bytes(rest).map_err(corrupt)?;
    let fits = optional.len() == program.events.len()
        && program
            .events
            .iter()
            .zip(&optional)
            .all(|(e, o)| e.fields.len() == o.len());
    if !fits {
        return Err(LoadError::Corrupt(
            "payload: optional fields do not match the events".into(),
        ));
    }
    for (event, optional) in program.events.iter_mut().zip(optional) {
        event.optional = optional;
    }
    Ok(program)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let slice = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], LoadError> {
        let slice = self.take(N).ok_or(LoadError::Truncated)?;
        Ok(slice.try_into().expect("take returned N bytes"))
    }
}

/// FNV-1a, 64 bits: a stable checksum with no dependency.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_parts(&[bytes])
}

/// FNV-1a of the parts one after another, as if they were one slice.
pub fn fnv1a_parts(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in parts.iter().flat_map(|p| p.iter()) {
        hash ^= b as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}
