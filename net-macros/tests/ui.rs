//! Compile-fail cases, one per diagnostic of `net_stack!`, and a case that compiles.
//! Refresh the `.stderr` files with `TRYBUILD=overwrite`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass.rs");
    t.compile_fail("tests/ui/fail_*.rs");
}
