//! Library half of `xtask`: the reproduction registry, output contract and
//! plotting, kept in a library so that integration tests can drive it.
//!
//! Layer: top (it may use every crate of the workspace). It is a tool, not a
//! library for users: `publish = false`.

pub mod plot;
pub mod reproduce;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
