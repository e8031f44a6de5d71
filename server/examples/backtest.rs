//! Prints the forecast's backtest on the demo seed's history (small and
//! medium fleets): `cargo run --release -p server --example backtest`.

use server::seed::backtest::report;
use server::seed::generate::Scale;

fn main() {
    let today = time::OffsetDateTime::now_utc().date();
    print!("{}", report(&[Scale::Small, Scale::Medium], today));
}
