//! The RG model spec (TOML): docs/theory.md §3.1's power-law Gaussian process and its interactions.
//!
//! ```toml
//! title = "Fig. 3: separable quartic"
//! alpha = "1/5"                 # kernel exponent: λ_k = k^−(1+α)
//! beta = "3/10"                 # target exponent: y_k = k^−(1+β)/2
//! modes = 100                   # cutoff N = Λ
//! P = 1000                      # training samples
//! r = "1000/3.98"               # ridge; or give `p_over_r` instead of `r`
//!
//! [[interaction]]
//! kind = "separable"            # (U/4N) (Σ_k w_k f_k²)², w_k = k^ω / λ_k
//! U = "0.05"
//! omega = "0"                   # optional, default 0
//!
//! [[interaction]]
//! kind = "diagonal"             # (U/4) Σ_k f_k⁴ / λ_k²
//! U = "0.01"
//! ```
//!
//! Every number is exact: a TOML integer or a string holding a rational, a decimal, a
//! scientific literal or a constant expression (`"1000/3.98"`, `"1e3"`, `"2^-3"`). TOML floats
//! are refused because a binary float cannot carry the value the user meant. Errors name the
//! file, line and column (syntax) or the field (values).

use crate::error::Result;
pub use crate::spec_values::parse_exact;
use crate::spec_values::{exact_value as exact, invalid, syntax_error};
use rug::Rational;
use serde::Serialize;

/// One interaction term of `S_int` (docs/theory.md §3.1).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Interaction {
    /// `(U/4N) (Σ_k w_k f_k²)²` with `w_k = k^ω / λ_k`: a kernel-amplitude fluctuation at `ω = 0`.
    Separable {
        /// Coupling `U` (dimensionless).
        #[serde(serialize_with = "ser_rational")]
        coupling: Rational,
        /// Weight exponent `ω`.
        #[serde(serialize_with = "ser_rational")]
        omega: Rational,
    },
    /// `(U/4) Σ_k f_k⁴ / λ_k²`: each mode's own quartic.
    Diagonal {
        /// Coupling `U` (dimensionless).
        #[serde(serialize_with = "ser_rational")]
        coupling: Rational,
    },
}

impl Interaction {
    /// The coupling `U` of the term.
    pub fn coupling(&self) -> &Rational {
        match self {
            Interaction::Separable { coupling, .. } | Interaction::Diagonal { coupling } => coupling,
        }
    }

    /// A short label, e.g. `separable(ω=0)`.
    pub fn label(&self) -> String {
        match self {
            Interaction::Separable { omega, .. } => format!("separable(ω={omega})"),
            Interaction::Diagonal { .. } => "diagonal".to_string(),
        }
    }

    /// The same term with its coupling replaced.
    pub fn with_coupling(&self, u: Rational) -> Interaction {
        match self {
            Interaction::Separable { omega, .. } => Interaction::Separable {
                coupling: u,
                omega: omega.clone(),
            },
            Interaction::Diagonal { .. } => Interaction::Diagonal { coupling: u },
        }
    }
}

/// A validated RG model: exponents, cutoff, data size, ridge and interactions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Model {
    /// Free-text title.
    pub title: String,
    /// Spectral exponent `α > 0`.
    #[serde(serialize_with = "ser_rational")]
    pub alpha: Rational,
    /// Target exponent `β > 0`.
    #[serde(serialize_with = "ser_rational")]
    pub beta: Rational,
    /// Number of modes `N` (the cutoff `Λ`).
    pub modes: u64,
    /// Training samples `P`.
    #[serde(serialize_with = "ser_rational")]
    pub samples: Rational,
    /// Ridge `r`.
    #[serde(serialize_with = "ser_rational")]
    pub ridge: Rational,
    /// Interaction terms (empty: the Gaussian-process fixed point).
    pub interactions: Vec<Interaction>,
}

fn ser_rational<S: serde::Serializer>(q: &Rational, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&q.to_string())
}

/// The largest cutoff accepted: the per-mode analyses are `O(N²)` in MPFR (measured on the 2-core
/// machine at 30 digits: 10³ modes 0.2 s, 3·10³ 1.5 s, 10⁴ 16 s per prediction table), so
/// 2·10⁴ modes keep one table near a minute; beyond this a user gets a clear error instead of a
/// silent hour. Commands that compute many tables (`rg scaling`) multiply that cost.
pub const MAX_MODES: u64 = 20_000;

fn positive(q: &Rational, location: &str, what: &str) -> Result<()> {
    if *q <= 0 {
        return Err(invalid(location, format!("{what} must be positive, got {q}")));
    }
    Ok(())
}

fn reject_unknown(table: &toml::Table, allowed: &[&str], location: &str) -> Result<()> {
    if let Some(key) = table.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(invalid(
            format!("{location}{key}"),
            format!("unknown key (allowed: {})", allowed.join(", ")),
        ));
    }
    Ok(())
}

impl Model {
    /// Reads and validates a model spec; `origin` names the file in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Model> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| syntax_error(text, origin, &e))?;
        let at = |field: &str| format!("{origin}: {field}");
        reject_unknown(
            &table,
            &[
                "title",
                "alpha",
                "beta",
                "modes",
                "P",
                "r",
                "p_over_r",
                "interaction",
            ],
            &format!("{origin}: "),
        )?;
        let need = |key: &str| -> Result<&toml::Value> {
            table
                .get(key)
                .ok_or_else(|| invalid(at(key), "missing (required)"))
        };
        let title = match table.get("title") {
            None => String::new(),
            Some(toml::Value::String(s)) => s.clone(),
            Some(_) => return Err(invalid(at("title"), "expected a string")),
        };
        let alpha = exact(need("alpha")?, &at("alpha"))?;
        let beta = exact(need("beta")?, &at("beta"))?;
        let modes = match need("modes")? {
            toml::Value::Integer(n) if *n >= 1 && (*n as u64) <= MAX_MODES => *n as u64,
            toml::Value::Integer(n) => {
                return Err(invalid(
                    at("modes"),
                    format!("must be in 1..={MAX_MODES}, got {n}"),
                ));
            }
            _ => return Err(invalid(at("modes"), "expected an integer number of modes")),
        };
        let samples = exact(need("P")?, &at("P"))?;
        let ridge = match (table.get("r"), table.get("p_over_r")) {
            (Some(r), None) => exact(r, &at("r"))?,
            (None, Some(x)) => {
                let x = exact(x, &at("p_over_r"))?;
                positive(&x, &at("p_over_r"), "P/r")?;
                Rational::from(&samples / &x)
            }
            (Some(_), Some(_)) => return Err(invalid(at("r"), "give either `r` or `p_over_r`, not both")),
            (None, None) => return Err(invalid(at("r"), "missing: give the ridge `r` or `p_over_r`")),
        };
        let interactions = match table.get("interaction") {
            None => Vec::new(),
            Some(toml::Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| interaction(item, &format!("{origin}: interaction[{i}]")))
                .collect::<Result<_>>()?,
            Some(_) => {
                return Err(invalid(
                    at("interaction"),
                    "expected an array of tables ([[interaction]])",
                ));
            }
        };
        let model = Model {
            title,
            alpha,
            beta,
            modes,
            samples,
            ridge,
            interactions,
        };
        model.validate(origin)?;
        Ok(model)
    }

    /// Checks the domain conditions the analyses rely on.
    pub fn validate(&self, origin: &str) -> Result<()> {
        let at = |field: &str| format!("{origin}: {field}");
        positive(&self.alpha, &at("alpha"), "α")?;
        positive(&self.beta, &at("beta"), "β")?;
        if self.beta >= Rational::from(2) * (Rational::from(1) + &self.alpha) {
            return Err(invalid(
                at("beta"),
                "need β < 2(1+α): the bias sum's continuum constant C_B exists only for 0 < β/(1+α) < 2",
            ));
        }
        positive(&self.samples, &at("P"), "P")?;
        positive(&self.ridge, &at("r"), "the ridge r")?;
        if self
            .interactions
            .iter()
            .filter(|t| matches!(t, Interaction::Separable { .. }))
            .count()
            > 1
        {
            return Err(invalid(
                at("interaction"),
                "at most one separable term: two separable terms generate a mixed coupling at one loop, \
                 which this model does not carry",
            ));
        }
        Ok(())
    }

    /// `x = P/r`, the only combination the Gaussian process depends on.
    pub fn p_over_r(&self) -> Rational {
        Rational::from(&self.samples / &self.ridge)
    }

    /// `a = 1 + α`, the kernel decay exponent.
    pub fn kernel_exponent(&self) -> Rational {
        Rational::from(1) + &self.alpha
    }

    /// The separable term, if any: `(U, ω)`.
    pub fn separable(&self) -> Option<(&Rational, &Rational)> {
        self.interactions.iter().find_map(|t| match t {
            Interaction::Separable { coupling, omega } => Some((coupling, omega)),
            Interaction::Diagonal { .. } => None,
        })
    }

    /// The summed diagonal coupling (diagonal terms add).
    pub fn diagonal_coupling(&self) -> Rational {
        self.interactions
            .iter()
            .filter_map(|t| match t {
                Interaction::Diagonal { coupling } => Some(coupling.clone()),
                Interaction::Separable { .. } => None,
            })
            .fold(Rational::new(), |acc, u| acc + u)
    }

    /// The same model with every coupling set to zero: the Gaussian-process fixed point.
    pub fn gaussian(&self) -> Model {
        Model {
            interactions: Vec::new(),
            ..self.clone()
        }
    }
}

fn interaction(item: &toml::Value, location: &str) -> Result<Interaction> {
    let t = item
        .as_table()
        .ok_or_else(|| invalid(location, "expected a table with `kind` and `U`"))?;
    let kind = match t.get("kind") {
        Some(toml::Value::String(s)) => s.as_str(),
        Some(_) => return Err(invalid(format!("{location}.kind"), "expected a string")),
        None => {
            return Err(invalid(
                format!("{location}.kind"),
                "missing (separable or diagonal)",
            ));
        }
    };
    let coupling = exact(
        t.get("U")
            .ok_or_else(|| invalid(format!("{location}.U"), "missing (required)"))?,
        &format!("{location}.U"),
    )?;
    if coupling < 0 {
        return Err(invalid(
            format!("{location}.U"),
            "a negative quartic coupling makes the measure non-normalizable",
        ));
    }
    match kind {
        "separable" => {
            reject_unknown(t, &["kind", "U", "omega"], &format!("{location}."))?;
            let omega = match t.get("omega") {
                Some(v) => exact(v, &format!("{location}.omega"))?,
                None => Rational::new(),
            };
            if omega.clone().abs() > 10 {
                return Err(invalid(format!("{location}.omega"), "|ω| ≤ 10 is supported"));
            }
            Ok(Interaction::Separable { coupling, omega })
        }
        "diagonal" => {
            reject_unknown(t, &["kind", "U"], &format!("{location}."))?;
            Ok(Interaction::Diagonal { coupling })
        }
        other => Err(invalid(
            format!("{location}.kind"),
            format!("unknown kind `{other}` (separable or diagonal)"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"
title = "Fig. 3"
alpha = "1/5"
beta = "3/10"
modes = 100
P = 1000
r = "1000/3.98"
[[interaction]]
kind = "separable"
U = "0.05"
[[interaction]]
kind = "diagonal"
U = "1/100"
"#;

    #[test]
    fn reads_the_documented_example() {
        let m = Model::from_toml(DOC, "m.toml").unwrap();
        assert_eq!(m.alpha, Rational::from((1, 5)));
        assert_eq!(m.p_over_r(), Rational::from((398, 100)));
        assert_eq!(m.separable().unwrap().0, &Rational::from((1, 20)));
        assert_eq!(m.separable().unwrap().1, &Rational::new());
        assert_eq!(m.diagonal_coupling(), Rational::from((1, 100)));
        assert!(m.gaussian().interactions.is_empty());
    }

    fn err(text: &str) -> String {
        Model::from_toml(text, "m.toml").unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_place() {
        let base = "alpha = \"1/5\"\nbeta = \"3/10\"\nmodes = 10\nP = 10\n";
        assert!(err(&format!("{base}r = 1.5\n")).contains("m.toml: r"));
        assert!(err(&format!("{base}r = \"0\"\n")).contains("positive"));
        assert!(err(base).contains("m.toml: r"));
        assert!(err("alpha = \n").starts_with("m.toml:1:"));
        assert!(
            err(&format!(
                "{base}r = 1\n[[interaction]]\nkind = \"cubic\"\nU = 1\n"
            ))
            .contains("interaction[0].kind")
        );
        assert!(
            err(&format!(
                "{base}r = 1\n[[interaction]]\nkind = \"diagonal\"\nU = \"-1\"\n"
            ))
            .contains("interaction[0].U")
        );
        assert!(err(&format!("{base}r = 1\nextra = 2\n")).contains("m.toml: extra"));
        assert!(err("alpha = \"1/5\"\nbeta = \"3\"\nmodes = 10\nP = 10\nr = 1\n").contains("β < 2(1+α)"));
        assert!(err("alpha = \"1/5\"\nbeta = \"3/10\"\nmodes = 0\nP = 10\nr = 1\n").contains("modes"));
    }
}
