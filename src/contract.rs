//! The JSON contract: every JSON document `renorm` prints or writes is one object whose
//! top-level `schema` field names its shape as `renorm.<command>/<version>`, with a JSON Schema
//! for it in `schemas/<command>.schema.json` (README, "JSON contract").
//!
//! The compatibility rule: a new field keeps the version; renaming or removing a field, or
//! changing what a field holds, bumps it. Keys are ASCII, so a consumer can address every field
//! from any language without caring about normalisation.

use crate::error::{Error, Result};
use serde::Serialize;

/// `renorm check`: `{schema, engine, reports: [...]}` for any number of specs.
pub const CHECK: &str = "renorm.check/2";
/// `renorm prove --format json --output FILE`.
pub const PROVE: &str = crate::proof::SCHEMA;
/// `renorm conditions --format json`.
pub const CONDITIONS: &str = crate::grsd::conditions::SCHEMA;
/// `renorm parse --format json`.
pub const PARSE: &str = "renorm.parse/1";
/// `renorm identity --format json`.
pub const IDENTITY: &str = "renorm.identity/1";
/// `renorm demo`: `report.json` in the demo folder.
pub const DEMO: &str = "renorm.demo/2";
/// `renorm report --format json`: the bundle of a run folder.
pub const REPORT: &str = "renorm.report/1";
/// `renorm rg curve --format json`.
pub const RG_CURVE: &str = "renorm.rg.curve/1";
/// `renorm rg predict --format json`.
pub const RG_PREDICT: &str = "renorm.rg.predict/1";
/// `renorm rg sample`: `table.json` in the output folder.
pub const RG_SAMPLE: &str = "renorm.rg.sample/1";
/// `renorm rg flow`: `trajectory.json` in the output folder.
pub const RG_FLOW_TRAJECTORY: &str = "renorm.rg.flow.trajectory/1";
/// `renorm rg flow`: `fixed_points.json` in the output folder.
pub const RG_FLOW_FIXED_POINTS: &str = "renorm.rg.flow.fixed_points/1";
/// `renorm rg classify --format json`.
pub const RG_CLASSIFY: &str = "renorm.rg.classify/1";
/// `renorm rg scaling`: `scaling.json` in the output folder.
pub const RG_SCALING: &str = "renorm.rg.scaling/1";
/// `renorm rg transfer`: standard output, and `transfer.json` with `--sample` (same shape;
/// `validation` is `null` without sampling).
pub const RG_TRANSFER: &str = "renorm.rg.transfer/1";

/// `renorm experiment lsi --shard i/n`: a shard's partial result.
pub const EXPERIMENT_SHARD: &str = crate::grsd::conditions::experiment::SHARD_SCHEMA;
/// `renorm train`: `<output>.meta.json` next to the run.
pub const TRAIN_META: &str = crate::train::META_SCHEMA;

/// Every schema identifier `renorm` emits, for tests and tools that enumerate the contract.
pub const ALL: [&str; 17] = [
    CHECK,
    PROVE,
    CONDITIONS,
    PARSE,
    IDENTITY,
    DEMO,
    REPORT,
    RG_CURVE,
    RG_PREDICT,
    RG_SAMPLE,
    RG_FLOW_TRAJECTORY,
    RG_FLOW_FIXED_POINTS,
    RG_CLASSIFY,
    RG_SCALING,
    RG_TRANSFER,
    EXPERIMENT_SHARD,
    TRAIN_META,
];

/// The schema file of an identifier, relative to the repository root:
/// `renorm.rg.curve/1` → `schemas/rg.curve.schema.json`. `None` if `id` is not of the form
/// `renorm.<command>/<version>`.
pub fn schema_file(id: &str) -> Option<String> {
    let (command, version) = id.strip_prefix("renorm.")?.split_once('/')?;
    (!command.is_empty() && version.parse::<u32>().is_ok()).then(|| format!("schemas/{command}.schema.json"))
}

/// The command part of an identifier (`renorm.check/2` → `check`), to recognise a document
/// whatever its version.
pub fn command_of(id: &str) -> Option<&str> {
    id.strip_prefix("renorm.")?.split_once('/').map(|(c, _)| c)
}

/// A value with the `schema` field in front of its own fields. `T` must serialise as a map (a
/// struct or a map), since its fields are flattened into the labelled object.
#[derive(Debug, Serialize)]
pub struct Labelled<'a, T: Serialize> {
    /// The schema identifier.
    pub schema: &'static str,
    /// The document's fields.
    #[serde(flatten)]
    pub body: &'a T,
}

/// `value` labelled with `schema`, as pretty JSON with a final newline. Fails (an internal
/// error) if `value` does not serialise as an object.
pub fn to_json<T: Serialize>(schema: &'static str, value: &T) -> Result<String> {
    serde_json::to_string_pretty(&Labelled { schema, body: value })
        .map(|s| s + "\n")
        .map_err(|e| Error::serialize(schema, e))
}

/// `value` labelled with `schema`, as a JSON value. Fails (an internal error) if `value` does
/// not serialise as an object.
pub fn to_value<T: Serialize>(schema: &'static str, value: &T) -> Result<serde_json::Value> {
    serde_json::to_value(Labelled { schema, body: value }).map_err(|e| Error::serialize(schema, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_map_to_schema_files() {
        assert_eq!(schema_file(CHECK).as_deref(), Some("schemas/check.schema.json"));
        assert_eq!(
            schema_file(RG_FLOW_FIXED_POINTS).as_deref(),
            Some("schemas/rg.flow.fixed_points.schema.json")
        );
        assert_eq!(schema_file("renorm.check"), None);
        assert_eq!(schema_file("other.check/1"), None);
        assert_eq!(command_of("renorm.check/1"), Some("check"));
        let mut files: Vec<_> = ALL.iter().filter_map(|id| schema_file(id)).collect();
        files.sort();
        files.dedup();
        assert_eq!(files.len(), ALL.len(), "one file per identifier");
    }

    #[test]
    fn labelled_puts_the_schema_in_front() {
        #[derive(Serialize)]
        struct Body {
            a: u32,
        }
        let text = to_json(PARSE, &Body { a: 1 }).unwrap_or_default();
        assert_eq!(text, "{\n  \"schema\": \"renorm.parse/1\",\n  \"a\": 1\n}\n");
        // A sequence has no fields to flatten: an error, never a panic or a bare array.
        assert!(to_json(PARSE, &vec![1, 2]).is_err());
    }
}
