//! Whole-program workflows built from the library: the demo run and the report bundle. They
//! write folders of reports; the command-line front end calls them.

pub mod bundle;
pub mod demo;
