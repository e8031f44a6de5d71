// `sqlx::migrate!` embeds app/migrations at compile time; without this, adding
// a migration file would not rebuild the crate (sqlx's documented build script).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
