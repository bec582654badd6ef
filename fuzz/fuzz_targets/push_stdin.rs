//! Fuzz target: see `aigate::fuzz_checks::push_stdin` for the property checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| aigate::fuzz_checks::push_stdin(data));
