//! End-to-end tests: each starts a real `chinwag serve` and drives it over HTTP.

// Test modules are private to this binary; `pub` only shares helpers between them.
#![allow(unreachable_pub)]

mod support;

mod seed;
