//! The command-line front end's subcommand groups (the top level lives in `main.rs`) and the
//! report sink every command writes its report to, and the conventions they share (`-` for
//! standard input and output, `--quiet`, `--no-progress`).

pub mod io;
pub mod limits;
pub mod report_out;
pub mod rg;
