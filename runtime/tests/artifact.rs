//! The artifact format and the run-state encoding, on real programs and
//! damaged bytes.
//!
//! - Every example project's compiled program survives `encode` then
//!   `decode` unchanged, and the header says who wrote it.
//! - Damage is named, never a panic: a changed payload byte fails the
//!   checksum, every truncation is `Truncated` (or, inside the magic bytes,
//!   not an artifact), foreign bytes are not an artifact, a newer format
//!   says to upgrade, and bytes after the payload are refused.
//! - A parked run's state survives its compact encoding, and stays within
//!   64 bytes for journeys of up to 64 steps with realistic timestamps.

mod support;

use journey_runtime::artifact::{self, decode, encode, LoadError, FORMAT_VERSION, MAGIC};
use journey_runtime::bytecode::Program;
use journey_runtime::state::{Parked, RunState};
use support::{example_programs, Rng};

/// Where the payload starts in an artifact written by this version.
fn payload_start() -> usize {
    8 + 2 + 2 + artifact::COMPILER_VERSION.len() + 8 + 8
}

fn quickstart() -> Program {
    support::compile_folder(&support::examples_folder().join("quickstart"))
}

#[test]
fn every_example_round_trips() {
    for (name, program) in example_programs() {
        let bytes = encode(&program);

        let (header, decoded) = decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(decoded, program, "{name} changed in the round trip");
        assert_eq!(header.format, FORMAT_VERSION);
        assert_eq!(header.writer, artifact::COMPILER_VERSION);
        assert_eq!(header.checksum, artifact::fnv1a(&bytes[payload_start()..]));
        assert_eq!(encode(&decoded), bytes, "{name}: encoding is not stable");
    }
}

/// A program with events, some of whose fields are optional.
fn with_optional_event_fields() -> Program {
    let (name, mut program) = example_programs()
        .into_iter()
        .find(|(_, p)| p.events.iter().any(|e| !e.fields.is_empty()))
        .expect("an example declares an event with fields");
    for event in &mut program.events {
        event.optional = (0..event.fields.len()).map(|i| i % 2 == 0).collect();
    }
    assert!(
        program.events.iter().flat_map(|e| &e.optional).any(|o| *o),
        "{name}"
    );
    program
}

#[test]
fn optional_event_fields_round_trip() {
    let program = with_optional_event_fields();
    let (_, decoded) = decode(&encode(&program)).unwrap();
    assert_eq!(decoded, program);
    let flags = |p: &Program| {
        p.events
            .iter()
            .map(|e| e.optional.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(flags(&decoded), flags(&program));
}

#[test]
fn a_format_2_artifact_loads_with_every_event_field_required() {
    let program = with_optional_event_fields();
    let payload = postcard::to_allocvec(&program).unwrap();
    let mut bytes = with_payload(&payload);
    bytes[8..10].copy_from_slice(&2u16.to_le_bytes());

    let (header, decoded) = decode(&bytes).expect("format 2 still loads");
    assert_eq!(header.format, 2);
    for event in &decoded.events {
        assert_eq!(
            event.optional,
            vec![false; event.fields.len()],
            "{}",
            event.name
        );
    }
}

#[test]
fn a_changed_payload_byte_fails_the_checksum() {
    let bytes = encode(&quickstart());

    for at in payload_start()..bytes.len() {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x20;
        assert_eq!(
            decode(&damaged).err(),
            Some(LoadError::Corrupt("checksum mismatch".into())),
            "byte {at} of {}",
            bytes.len()
        );
    }
}

#[test]
fn a_changed_checksum_is_caught() {
    let mut bytes = encode(&quickstart());
    let checksum_at = payload_start() - 16;
    bytes[checksum_at] ^= 1;

    assert_eq!(
        decode(&bytes).err(),
        Some(LoadError::Corrupt("checksum mismatch".into()))
    );
}

#[test]
fn a_payload_that_is_not_a_program_is_corrupt_not_a_panic() {
    let mut rng = Rng::new(7);
    for length in [0usize, 1, 3, 17, 200, 5000] {
        let payload: Vec<u8> = (0..length).map(|_| rng.next_u64() as u8).collect();
        let bytes = with_payload(&payload);

        let error = decode(&bytes).expect_err("random bytes are no program");
        assert!(
            matches!(&error, LoadError::Corrupt(why) if why.starts_with("payload")),
            "{length} random bytes: {error:?}"
        );
    }
}

/// An artifact of this version around any payload, checksum right.
fn with_payload(payload: &[u8]) -> Vec<u8> {
    let mut out = encode(&quickstart());
    out.truncate(payload_start() - 16);
    out.extend_from_slice(&artifact::fnv1a(payload).to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

#[test]
fn every_truncation_is_a_clean_error() {
    let bytes = encode(&quickstart());

    for length in 0..bytes.len() {
        let expected = if length < MAGIC.len() {
            LoadError::NotAnArtifact
        } else {
            LoadError::Truncated
        };
        assert_eq!(
            decode(&bytes[..length]).err(),
            Some(expected),
            "cut to {length} of {} bytes",
            bytes.len()
        );
    }
}

#[test]
fn foreign_bytes_are_not_an_artifact() {
    let mut bytes = encode(&quickstart());
    bytes[0] = b'j';

    assert_eq!(decode(&bytes).err(), Some(LoadError::NotAnArtifact));
    assert_eq!(
        decode(b"journey welcome {\n  send welcome\n}\n").err(),
        Some(LoadError::NotAnArtifact)
    );
    assert_eq!(decode(b"").err(), Some(LoadError::NotAnArtifact));
    let message = LoadError::NotAnArtifact.to_string();
    assert!(message.contains("not a journey artifact"), "{message}");
}

#[test]
fn a_newer_format_says_to_upgrade() {
    let mut bytes = encode(&quickstart());
    let newer = FORMAT_VERSION + 1;
    bytes[8..10].copy_from_slice(&newer.to_le_bytes());

    let error = decode(&bytes).expect_err("a newer format is refused");
    assert_eq!(
        error,
        LoadError::Newer {
            found: newer,
            supported: FORMAT_VERSION,
            writer: artifact::COMPILER_VERSION.to_string(),
        }
    );
    let message = error.to_string();
    assert!(message.contains("upgrade journey"), "{message}");
    assert!(message.contains(&format!("format {newer}")), "{message}");
}

#[test]
fn a_newer_format_is_named_even_when_its_layout_changed() {
    let mut bytes = encode(&quickstart());
    bytes[8..10].copy_from_slice(&u16::MAX.to_le_bytes());
    bytes.truncate(payload_start() - 16);

    assert!(matches!(
        decode(&bytes),
        Err(LoadError::Newer {
            found: u16::MAX,
            ..
        })
    ));
}

#[test]
fn trailing_bytes_are_refused() {
    let mut bytes = encode(&quickstart());
    bytes.push(0);

    assert_eq!(
        decode(&bytes).err(),
        Some(LoadError::Corrupt("bytes after the payload".into()))
    );
}

#[test]
fn no_single_byte_change_panics() {
    let bytes = encode(&quickstart());

    for at in 0..bytes.len() {
        for flip in [0x01, 0x80, 0xff] {
            let mut damaged = bytes.clone();
            damaged[at] ^= flip;
            let _ = decode(&damaged);
        }
    }
}

#[test]
fn random_bytes_after_the_magic_never_panic() {
    let mut rng = Rng::new(11);
    for _ in 0..2_000 {
        let length = rng.range(0, 64) as usize;
        let mut bytes = MAGIC.to_vec();
        bytes.extend((0..length).map(|_| rng.next_u64() as u8));
        assert!(decode(&bytes).is_err());
    }
}

/// A random run state of a journey with `steps` steps, with timestamps in
/// the years 2024 to 2035 and waits of up to a year.
fn random_state(rng: &mut Rng, steps: u64) -> RunState {
    let entered_at = rng.range(1_704_067_200, 2_082_758_400) as i64;
    let mut state = RunState::new(entered_at);
    state.pc = rng.range(0, steps * 2 + 1) as u32;
    for step in 0..steps {
        if rng.range(0, 3) == 0 {
            state.visited.insert(step as usize);
        }
    }
    state.parked = match rng.range(0, 3) {
        0 => None,
        1 => Some(Parked {
            since: entered_at + rng.range(0, 90 * 86_400) as i64,
            until: None,
        }),
        _ => {
            let since = entered_at + rng.range(0, 90 * 86_400) as i64;
            Some(Parked {
                since,
                until: Some(since + rng.range(0, 366 * 86_400) as i64),
            })
        }
    };
    state
}

#[test]
fn run_states_round_trip_and_stay_within_64_bytes() {
    let mut rng = Rng::new(2026);
    let mut largest = 0;

    for _ in 0..20_000 {
        let steps = rng.range(1, 65);
        let state = random_state(&mut rng, steps);
        let mut bytes = Vec::new();
        state.encode(&mut bytes);

        assert_eq!(RunState::decode(&bytes).as_ref(), Some(&state));
        assert!(bytes.len() <= 64, "{} bytes for {state:?}", bytes.len());
        largest = largest.max(bytes.len());
    }
    assert!(largest > 20, "the sample should include large states");
}

#[test]
fn the_worst_realistic_state_fits() {
    let entered_at = 2_082_758_399;
    let mut state = RunState::new(entered_at);
    state.pc = 128;
    for step in 0..64 {
        state.visited.insert(step);
    }
    state.parked = Some(Parked {
        since: entered_at + 90 * 86_400,
        until: Some(entered_at + 90 * 86_400 + 366 * 86_400),
    });

    let mut bytes = Vec::new();
    state.encode(&mut bytes);
    assert!(bytes.len() <= 64, "{} bytes", bytes.len());
    assert_eq!(RunState::decode(&bytes), Some(state));
}

#[test]
fn every_cut_run_state_is_refused() {
    let mut rng = Rng::new(5);
    for _ in 0..500 {
        let state = random_state(&mut rng, 40);
        let mut bytes = Vec::new();
        state.encode(&mut bytes);

        for length in 0..bytes.len() {
            assert_eq!(RunState::decode(&bytes[..length]), None);
        }
        bytes.push(0);
        assert_eq!(RunState::decode(&bytes), None, "trailing byte accepted");
    }
}

#[test]
fn random_bytes_are_never_a_panic_as_a_run_state() {
    let mut rng = Rng::new(99);
    for _ in 0..50_000 {
        let length = rng.range(0, 40) as usize;
        let bytes: Vec<u8> = (0..length).map(|_| rng.next_u64() as u8).collect();
        let _ = RunState::decode(&bytes);
    }
}

/// Varint bytes of `n` (seven bits a byte, low bits first).
fn varint(mut n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
    out
}

/// Damaged bytes whose time offsets overflow are refused, not added with
/// wrap-around (or a panic in debug builds).
#[test]
fn extreme_times_in_a_run_state_are_refused_not_a_panic() {
    let largest = u64::MAX - 1;
    let mut bytes = varint(0);
    bytes.extend(varint(largest));
    bytes.extend(varint(0));
    bytes.push(2);
    bytes.extend(varint(largest));
    bytes.extend(varint(largest));

    assert_eq!(RunState::decode(&bytes), None);
}
