//! The mistakes a typed view can make are compile errors: each file of
//! `tests/compile_fail/` must fail to compile with the message kept next to
//! it (`TRYBUILD=overwrite cargo test -p tandem --test compile_fail`
//! rewrites them after a deliberate change).

#[test]
fn typed_views_refuse_mistakes_at_compile_time() {
    trybuild::TestCases::new().compile_fail("tests/compile_fail/*.rs");
}
