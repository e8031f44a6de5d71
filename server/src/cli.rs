//! The `headroom` binary's command line (clap): its commands and their
//! arguments. What each does is `main.rs`'s `run`.

use clap::{Parser, Subcommand};

use app::auth::Role;
use server::seed::Scale;

#[derive(Parser)]
#[command(
    name = "headroom",
    version,
    about = "Capacity dashboard: fleet headroom, requests, deployments"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Serve the web UI and API (the default).
    Serve {
        /// Seed the small demo fleet if the database has no fleet yet.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Replace the fleet with a generated demo fleet.
    Seed {
        /// Required: the seed only makes demo data.
        #[arg(long, required = true)]
        demo: bool,
        #[arg(long, value_enum, default_value = "small")]
        scale: Scale,
        /// Also this many deployments of 40 targets each (for the benchmark).
        #[arg(long, default_value_t = 0)]
        deployments: usize,
    },
    /// Read or change a setting.
    Settings {
        #[command(subcommand)]
        action: SettingsAction,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Verify every invariant of the database (ledgers, rollups, reservations,
    /// the audit trail); exit non-zero naming what is wrong.
    Check,
    /// Import data from a file.
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Write a consistent copy of the (SQLite) database to PATH while it is in
    /// use; on PostgreSQL, say how to back up with pg_dump.
    Backup {
        /// A new file (a backup never overwrites one).
        path: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
pub(crate) enum ImportWhat {
    /// Create or change clusters from a CSV file with the columns of the export
    /// (`/clusters.csv`): all or nothing, every refused line named.
    Clusters {
        file: std::path::PathBuf,
        /// Show what would be created, changed and refused; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum UserAction {
    /// Add a user; the password is read from stdin (trailing newline stripped, ≥ 12 characters).
    Add {
        name: String,
        #[arg(long = "role", required = true, value_parser = parse_role)]
        roles: Vec<Role>,
    },
    /// Disable a user, ending their sessions and revoking their tokens.
    Disable { name: String },
}

#[derive(Subcommand)]
pub(crate) enum TokenAction {
    /// Create an API token; prints only the token.
    Create {
        #[arg(long)]
        user: String,
        #[arg(long)]
        name: String,
        /// Narrow the token to these roles (default: all of the user's).
        #[arg(long = "role", value_parser = parse_role)]
        roles: Vec<Role>,
        /// Expire the token this many days from now (default: never).
        #[arg(long = "expires-days")]
        expires_days: Option<i64>,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s)
}

#[derive(Subcommand)]
pub(crate) enum SettingsAction {
    /// Print a setting's value.
    Get { key: String },
    /// Change a setting.
    Set { key: String, value: String },
}
