//! The workspace's namespace helpers (`tests/testkit`), under the name net-core's tests and
//! benchmarks use.
// Each test binary uses part of it.
#![allow(unused_imports)]

pub use net_testkit::netns::{Netns, enter};
pub use net_testkit::{missing, skip};
