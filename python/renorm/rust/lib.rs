//! `renorm._renorm`: the native half of the `renorm` Python package.
//!
//! Each function runs the same library code as the matching `renorm` command and returns a
//! [`Report`]: the typed result kept on the Rust side (so it can be rendered in every format the
//! command offers without running again) plus its JSON document — byte for byte what the command
//! prints with `--format json`. The Python package (`src/renorm`) turns that JSON into typed
//! Python objects.
//!
//! The work runs with the GIL released. Errors become Python exceptions by kind
//! ([`renorm::ErrorKind`]): `InvalidInputError` (the command would exit 2), `InternalError`
//! (exit 3), `ClaimFailedError` (exit 1), all subclasses of `RenormError`, with the located
//! message the command prints.
//!
//! The symbolic engine is the library's: one engine thread per process, started on first use,
//! behind the cross-process engine lock (a second process waits for it, see `RENORM_ENGINE_WAIT`).
//! `set_engine("off")` runs on numeric evidence only and never takes the lock.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use renorm::check::{self, InlineSpec, Spec};
use renorm::crosscheck::{self, CheckOptions, Domain};
use renorm::symbolic::{self, EngineMode};
use renorm::{Error, ErrorKind, conditions, contract, rg};
use std::path::PathBuf;

create_exception!(
    _renorm,
    RenormError,
    PyException,
    "Base class of every error renorm raises."
);
create_exception!(
    _renorm,
    InvalidInputError,
    RenormError,
    "The input is invalid and must be changed (the command line exits 2)."
);
create_exception!(
    _renorm,
    InternalError,
    RenormError,
    "The input was acceptable but no answer could be produced (the command line exits 3)."
);
create_exception!(
    _renorm,
    ClaimFailedError,
    RenormError,
    "A claim renorm was asked to check does not hold (the command line exits 1)."
);

/// A library error as the Python exception of its kind, with the message the command prints.
fn py_error(e: Error) -> PyErr {
    let message = e.to_string();
    match e.kind() {
        ErrorKind::InvalidInput => InvalidInputError::new_err(message),
        ErrorKind::Internal => InternalError::new_err(message),
        ErrorKind::ClaimDoesNotHold => ClaimFailedError::new_err(message),
    }
}

fn usage(message: impl Into<String>) -> PyErr {
    py_error(Error::Usage(message.into()))
}

/// The typed result a [`Report`] holds.
enum Held {
    Check(Box<check::CheckReport>),
    Identity(Box<crosscheck::Outcome>),
    Conditions(Box<conditions::ConditionsReport>),
    /// The learning curve's plain-text table (JSON is the report's `json`).
    Curve(String),
    Predict(Box<rg::predict::Table>),
}

/// The result of one call: its JSON document and every other format the command writes.
#[pyclass(frozen, module = "renorm._renorm")]
pub struct Report {
    held: Held,
    json: String,
}

/// The formats each result can be rendered in, as the command line names them.
fn formats_of(held: &Held) -> &'static [&'static str] {
    match held {
        Held::Check(_) | Held::Conditions(_) => &["json", "text", "md", "html", "tex"],
        Held::Identity(_) | Held::Curve(_) => &["json", "text"],
        Held::Predict(_) => &["json", "md", "csv"],
    }
}

fn render_format(format: &str) -> Option<check::render::Format> {
    use check::render::Format;
    Some(match format {
        "text" => Format::Text,
        "md" => Format::Markdown,
        "json" => Format::Json,
        "tex" => Format::Latex,
        "html" => Format::Html,
        _ => return None,
    })
}

/// The output format a file name asks for (`report.html` → `html`; `.txt` → `text`).
fn format_of_path(path: &std::path::Path) -> Option<&'static str> {
    match path.extension()?.to_str()? {
        "json" => Some("json"),
        "txt" => Some("text"),
        "md" => Some("md"),
        "html" | "htm" => Some("html"),
        "tex" => Some("tex"),
        "csv" => Some("csv"),
        _ => None,
    }
}

impl Report {
    fn new(held: Held, json: String) -> Report {
        Report { held, json }
    }

    fn rendered(&self, format: &str) -> PyResult<String> {
        let allowed = formats_of(&self.held);
        if !allowed.contains(&format) {
            return Err(usage(format!(
                "format `{format}` is not available for this result (available: {})",
                allowed.join(", ")
            )));
        }
        if format == "json" {
            return Ok(self.json.clone());
        }
        Ok(match &self.held {
            Held::Check(r) => {
                // invariant: `format` is one of `formats_of`, all of which `render_format` maps.
                let f = render_format(format).unwrap_or(check::render::Format::Text);
                check::render(std::slice::from_ref(&**r), f).map_err(py_error)?
            }
            Held::Conditions(r) => match format {
                "text" => conditions::text_report(r),
                f => {
                    let f = render_format(f).unwrap_or(check::render::Format::Text);
                    conditions::report(r).map_err(py_error)?.render(f)
                }
            },
            Held::Identity(o) => o.to_text(),
            Held::Curve(text) => text.clone(),
            Held::Predict(t) => match format {
                "md" => t.markdown(1),
                _ => t.csv(),
            },
        })
    }
}

#[pymethods]
impl Report {
    /// The JSON document, exactly as the command prints it with `--format json`.
    #[getter]
    fn json(&self) -> &str {
        &self.json
    }

    /// The formats [`Report::render`] accepts for this result.
    #[getter]
    fn formats(&self) -> Vec<&'static str> {
        formats_of(&self.held).to_vec()
    }

    /// The result in `format` (`json`, `text`, `md`, `html`, `tex`, `csv`; see `formats`), as
    /// the command writes it.
    fn render(&self, format: &str) -> PyResult<String> {
        self.rendered(format)
    }

    /// Writes the result to `path` atomically (missing folders are created), in `format` or
    /// else the format the file name's extension names; a conditions report also writes its
    /// figures (`STEM.svg`, `STEM.pdf`) next to it, as `renorm conditions --output` does.
    /// Returns the paths written.
    #[pyo3(signature = (path, format=None))]
    fn write(&self, py: Python<'_>, path: PathBuf, format: Option<String>) -> PyResult<Vec<PathBuf>> {
        let format = match format {
            Some(f) => f,
            None => format_of_path(&path)
                .ok_or_else(|| {
                    usage(format!(
                        "{}: say which format to write (format=…) or use an extension: .json, .txt, .md, .html, .tex, .csv",
                        path.display()
                    ))
                })?
                .to_string(),
        };
        let text = self.rendered(&format)?;
        py.detach(|| {
            renorm::atomic_write::write_atomic(&path, text.as_bytes())?;
            let mut written = vec![path.clone()];
            if let Held::Conditions(r) = &self.held
                && format != "json"
            {
                written.extend(conditions::write_figures_beside(r, &path)?);
            }
            Ok(written)
        })
        .map_err(py_error)
    }

    fn __repr__(&self) -> String {
        let kind = match &self.held {
            Held::Check(_) => "check",
            Held::Identity(_) => "identity",
            Held::Conditions(_) => "conditions",
            Held::Curve(_) => "rg curve",
            Held::Predict(_) => "rg predict",
        };
        format!("<renorm._renorm.Report ({kind})>")
    }
}

/// The precision knobs in their ranges (the command line's limits); the precision cap, at
/// least `digits`.
fn checked_knobs(digits: u32, points: u32, max_digits: u32) -> PyResult<u32> {
    crosscheck::checked_knobs(digits, points, max_digits)
        .map_err(|(knob, why)| usage(format!("{knob}: {why}")))
}

/// Sampled scales as decimal exponents `(lo, hi)`.
fn scale_domain(scales: (i32, i32)) -> PyResult<renorm::numeric::ScaleDomain> {
    renorm::numeric::ScaleDomain::new(scales.0, scales.1).map_err(|why| usage(format!("scales: {why}")))
}

/// The check's knobs from the Python arguments, validated as the command line validates its
/// flags; the seed is the command line's, so verdicts and witnesses are the same.
fn knobs(digits: u32, points: u32, scales: (i32, i32), max_digits: u32) -> PyResult<check::Knobs> {
    let max_digits = checked_knobs(digits, points, max_digits)?;
    Ok(check::Knobs {
        digits,
        points,
        scale: scale_domain(scales)?,
        max_digits,
        ..check::Knobs::default()
    })
}

fn check_report(spec: Spec, knobs: check::Knobs) -> renorm::Result<Report> {
    let report = check::run(&spec, &knobs)?;
    let json = check::render(std::slice::from_ref(&report), check::render::Format::Json)?;
    Ok(Report::new(Held::Check(Box::new(report)), json))
}

/// Checks one field (`renorm check --expr …`): log-shift covariance, time-rescaling covariance,
/// the verdict and its forced form, with the evidence. `params` are `name=value` or
/// `name=lo..hi` strings.
#[pyfunction(name = "check")]
#[pyo3(signature = (expr, spectral, time=None, kind=None, weight=None, params=Vec::new(), digits=50, points=8, scales=(-30, 30), max_digits=2000))]
#[allow(clippy::too_many_arguments)]
fn check_field(
    py: Python<'_>,
    expr: String,
    spectral: Vec<String>,
    time: Option<String>,
    kind: Option<String>,
    weight: Option<String>,
    params: Vec<String>,
    digits: u32,
    points: u32,
    scales: (i32, i32),
    max_digits: u32,
) -> PyResult<Report> {
    let knobs = knobs(digits, points, scales, max_digits)?;
    py.detach(|| {
        let spec = Spec::from_inline(&InlineSpec {
            expr,
            spectral,
            time,
            kind,
            weight,
            params,
        })?;
        check_report(spec, knobs)
    })
    .map_err(py_error)
}

/// Checks a spec given as TOML text (`renorm check SPEC.toml`); `origin` names it in errors.
#[pyfunction]
#[pyo3(signature = (toml, origin="<spec>".to_string(), digits=50, points=8, scales=(-30, 30), max_digits=2000))]
fn check_spec(
    py: Python<'_>,
    toml: String,
    origin: String,
    digits: u32,
    points: u32,
    scales: (i32, i32),
    max_digits: u32,
) -> PyResult<Report> {
    let knobs = knobs(digits, points, scales, max_digits)?;
    py.detach(|| check_report(Spec::from_toml(&toml, &origin)?, knobs))
        .map_err(py_error)
}

/// Decides `lhs == rhs` with both engines (`renorm identity`); `real` samples the whole real
/// line instead of the positive reals.
#[pyfunction]
#[pyo3(signature = (lhs, rhs, digits=50, points=8, max_digits=2000, real=false))]
fn identity(
    py: Python<'_>,
    lhs: String,
    rhs: String,
    digits: u32,
    points: u32,
    max_digits: u32,
    real: bool,
) -> PyResult<Report> {
    let max_digits = checked_knobs(digits, points, max_digits)?;
    let options = CheckOptions {
        digits,
        points,
        max_digits,
        ..CheckOptions::default()
    };
    py.detach(|| {
        let identity = renorm::api::parse_identity(&lhs, &rhs)?.with_domain_for_all(if real {
            Domain::Real
        } else {
            Domain::Positive
        });
        let outcome = crosscheck::check(&identity, &options);
        let json = contract::to_json(contract::IDENTITY, &outcome)?;
        Ok(Report::new(Held::Identity(Box::new(outcome)), json))
    })
    .map_err(py_error)
}

/// A TOML document from JSON text (a Python dict serialised by the package), so specs and
/// models given as dicts go through the same readers as files.
fn toml_from_json(json: &str, origin: &str) -> renorm::Result<String> {
    let value: toml::Value = serde_json::from_str(json)
        .map_err(|e| Error::invalid(origin, format!("not a TOML-compatible mapping: {e}")))?;
    toml::to_string(&value).map_err(|e| Error::invalid(origin, format!("not a TOML-compatible mapping: {e}")))
}

/// The conditions analysis (`renorm conditions`) of a run given as the bytes of an `.npz`
/// archive in the documented layout (the package writes the arrays into one in memory), with a
/// spec as TOML text or as JSON text of a mapping (or the defaults).
#[pyfunction(name = "conditions")]
#[pyo3(signature = (npz, origin="<arrays>".to_string(), spec_toml=None, spec_json=None))]
fn analyze_conditions(
    py: Python<'_>,
    npz: &[u8],
    origin: String,
    spec_toml: Option<String>,
    spec_json: Option<String>,
) -> PyResult<Report> {
    py.detach(|| {
        let spec = match (spec_toml, spec_json) {
            (Some(text), _) => conditions::ConditionsSpec::from_toml(&text, "spec")?,
            (None, Some(json)) => {
                conditions::ConditionsSpec::from_toml(&toml_from_json(&json, "spec")?, "spec")?
            }
            (None, None) => conditions::ConditionsSpec::default(),
        };
        let report = conditions::evaluate_npz_bytes(npz, &origin, &spec, &mut |_, _| {})?;
        // The command's JSON path (`renorm conditions --format json`), so the bytes are its.
        let json = conditions::report(&report)?.render(check::render::Format::Json);
        Ok(Report::new(Held::Conditions(Box::new(report)), json))
    })
    .map_err(py_error)
}

fn exact_number(text: &str, name: &str) -> renorm::Result<rug::Rational> {
    renorm::spec_values::parse_exact(text).ok_or_else(|| {
        Error::Usage(format!(
            "{name}: `{text}` is not an exact number (e.g. 1/5, 0.3, 1e3)"
        ))
    })
}

/// The learning curve of the power-law GP (`renorm rg curve`): bias, variance, loss per sample
/// with certified enclosures, continuum forms and slopes. Exponents and `P/r` are exact numbers
/// written as strings (`"1/5"`, `"0.3"`, `"1e3"`).
#[pyfunction]
#[pyo3(signature = (alpha, beta, p_over_r, modes=None, digits=30))]
fn rg_curve(
    py: Python<'_>,
    alpha: String,
    beta: String,
    p_over_r: String,
    modes: Option<u64>,
    digits: u32,
) -> PyResult<Report> {
    py.detach(|| {
        let a = exact_number(&alpha, "alpha")?;
        let b = exact_number(&beta, "beta")?;
        let x = exact_number(&p_over_r, "p_over_r")?;
        if x > rg::curve::MAX_P_OVER_R {
            return Err(Error::Usage(format!(
                "p_over_r: {p_over_r} exceeds the supported 1e15"
            )));
        }
        let lc = rg::curve::learning_curve(&a, &b, &x, modes, digits)
            .map_err(|e| Error::from_curve("rg curve", e))?;
        let json = contract::to_json(
            contract::RG_CURVE,
            &rg::curve_render::curve_json(&lc, &a, &b, &x, modes),
        )?;
        let text = rg::curve_render::curve_text(&lc, &a, &b, &x, modes);
        Ok(Report::new(Held::Curve(text), json))
    })
    .map_err(py_error)
}

/// Per-mode predictions of an RG model (`renorm rg predict`); the model is TOML text or the
/// JSON text of a mapping with the same fields. `exact` adds the exact moments by quadrature.
/// Warnings about the validity of the predictions are in the JSON (`validity`).
#[pyfunction]
#[pyo3(signature = (model_toml=None, model_json=None, origin="<model>".to_string(), digits=30, exact=false))]
fn rg_predict(
    py: Python<'_>,
    model_toml: Option<String>,
    model_json: Option<String>,
    origin: String,
    digits: u32,
    exact: bool,
) -> PyResult<Report> {
    if digits == 0 || digits > 200 {
        return Err(usage(format!("digits must be in 1..=200, got {digits}")));
    }
    py.detach(|| {
        let text = match (model_toml, model_json) {
            (Some(t), _) => t,
            (None, Some(j)) => toml_from_json(&j, &origin)?,
            (None, None) => return Err(Error::Usage("give a model (TOML text or a mapping)".into())),
        };
        let m = rg::Model::from_toml(&text, &origin)?;
        let table = rg::predict::checked_table(&m, digits, exact, &origin)?;
        let json = contract::to_json(contract::RG_PREDICT, &table)?;
        Ok(Report::new(Held::Predict(Box::new(table)), json))
    })
    .map_err(py_error)
}

/// Uses the symbolic engine (`"on"`) or numeric evidence only (`"off"`), for this process, as
/// `--engine` does. Switching on after the engine was used keeps it; switching off stops using
/// it (verdicts then rest on numeric evidence).
#[pyfunction]
fn set_engine(mode: &str) -> PyResult<()> {
    let mode: EngineMode = mode
        .parse()
        .map_err(|_| usage(format!("engine mode `{mode}`: expected `on` or `off`")))?;
    symbolic::set_engine_mode(mode);
    Ok(())
}

/// The engine mode in effect: `"on"` or `"off"` (from `set_engine`, else `RENORM_ENGINE`).
#[pyfunction]
fn engine() -> &'static str {
    symbolic::engine_mode().as_str()
}

/// The licence notice renorm prints when Symbolica runs unlicensed (`None` when
/// `SYMBOLICA_LICENSE` is set).
#[pyfunction]
fn license_notice() -> Option<&'static str> {
    symbolic::license_notice()
}

/// The native module.
#[pymodule]
fn _renorm(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("RenormError", py.get_type::<RenormError>())?;
    m.add("InvalidInputError", py.get_type::<InvalidInputError>())?;
    m.add("InternalError", py.get_type::<InternalError>())?;
    m.add("ClaimFailedError", py.get_type::<ClaimFailedError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Report>()?;
    for f in [
        wrap_pyfunction!(check_field, m)?,
        wrap_pyfunction!(check_spec, m)?,
        wrap_pyfunction!(identity, m)?,
        wrap_pyfunction!(analyze_conditions, m)?,
        wrap_pyfunction!(rg_curve, m)?,
        wrap_pyfunction!(rg_predict, m)?,
        wrap_pyfunction!(set_engine, m)?,
        wrap_pyfunction!(engine, m)?,
        wrap_pyfunction!(license_notice, m)?,
    ] {
        m.add_function(f)?;
    }
    Ok(())
}
