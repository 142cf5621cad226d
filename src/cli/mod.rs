//! The command-line front end's subcommand groups (the top level lives in `main.rs`) and the
//! report sink every command writes its report to.

pub mod report_out;
pub mod rg;
