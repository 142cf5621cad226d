//! The command-line front end's subcommand groups (the top level lives in `main.rs`).

pub mod rg;
