//! Generators of journey source text shared by the front-end benchmark and
//! the fuzz targets in `fuzz/`, which include this folder by path.
//!
//! Each user needs only part of it, so dead code is allowed where it is
//! included.

pub mod choices;
pub mod journey_gen;
pub mod mutate;
