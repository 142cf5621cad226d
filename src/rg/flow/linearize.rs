//! The linearization of the flow at a fixed point: the exact stability matrix, its certified
//! eigenvalues ([`crate::numeric::poly`]) and their relevance toward the IR.

use rug::{Float, Rational};
use serde::{Deserialize, Serialize};

use super::FlowError;
use super::beta::{FlowParams, Truncation, stability_matrix_generic};
use super::fixed_points::{FixedLine, FixedPoint, plane_state};
use crate::numeric::Precision;
use crate::numeric::poly::{self, Enclosure, RealSign};

/// Relevance of a direction toward the IR (`τ` growing), docs/theory.md §3.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    /// The real part of the eigenvalue is certainly positive: perturbations grow.
    Relevant,
    /// The real part is certainly negative: perturbations die out.
    Irrelevant,
    /// The eigenvalue is exactly zero.
    Marginal,
    /// The enclosure of the real part contains zero but the eigenvalue is not exactly zero.
    Undecided,
}

impl Direction {
    /// The relevance an eigenvalue enclosure certifies: the sign of its real part toward the IR
    /// (`τ` growing), marginal only for an exactly zero eigenvalue.
    pub fn of(enclosure: &Enclosure) -> Direction {
        match enclosure.real_sign() {
            RealSign::Positive => Direction::Relevant,
            RealSign::Negative => Direction::Irrelevant,
            RealSign::Zero => Direction::Marginal,
            RealSign::Undecided => Direction::Undecided,
        }
    }
}

/// One eigenvalue of a stability matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Eigen {
    /// Refined real part.
    pub re: Float,
    /// Refined imaginary part (zero for real eigenvalues).
    pub im: Float,
    /// Certified enclosure.
    pub enclosure: Enclosure,
    /// Whether this enclosure is disjoint from all others (then, with `n` enclosures for `n`
    /// eigenvalues, each contains exactly one eigenvalue counted with multiplicity one).
    pub isolated: bool,
    /// Relevance toward the IR.
    pub direction: Direction,
    /// Unit right eigenvector in `f64` (real eigenvalues only), largest component positive.
    pub eigenvector: Option<Vec<f64>>,
}

/// The linearization of the flow at a fixed point.
#[derive(Debug, Clone, PartialEq)]
pub struct Linearization {
    /// Variable names, in matrix order.
    pub variables: Vec<&'static str>,
    /// The exact rational point where the matrix was evaluated.
    pub point: Vec<Rational>,
    /// Whether `point` is an exact fixed point (then every enclosure is rigorous for the true
    /// fixed point); otherwise it is the MPFR Newton root, read exactly, and the enclosures are
    /// rigorous for the matrix at that point, which differs from the true one by `O(2^{−prec})`.
    pub point_exact: bool,
    /// `M_ij = ∂β_i/∂g_j` evaluated exactly.
    pub matrix: Vec<Vec<Rational>>,
    /// Coefficients `p_0..p_n` of `det(μI − M) = Σ p_k μ^k` (monic).
    pub characteristic_polynomial: Vec<Rational>,
    /// Eigenvalues, in the order `nalgebra` produced their starting guesses.
    pub eigenvalues: Vec<Eigen>,
}

/// Linearizes the flow at `fp`. With `include_target` the transverse `S²` direction is added
/// (the system `(ũ, ρ, S²)`); otherwise the matrix is the `(ũ, ρ)` block. `A` is left out because
/// it never feeds back into the other couplings.
pub fn linearize(
    params: &FlowParams,
    truncation: Truncation,
    fp: &FixedPoint,
    include_target: bool,
    prec: Precision,
) -> Result<Linearization, FlowError> {
    let (u, rho, point_exact) = match &fp.exact {
        Some([u, rho]) => (u.clone(), rho.clone(), true),
        None => (
            fp.u.to_rational()
                .ok_or(FlowError::LinearAlgebra("non-finite fixed point".into()))?,
            fp.rho
                .to_rational()
                .ok_or(FlowError::LinearAlgebra("non-finite fixed point".into()))?,
            false,
        ),
    };
    let g = plane_state(&u, &rho);
    let full = stability_matrix_generic(params, truncation, &g).ok_or(FlowError::Pole)?;
    let (idx, variables): (Vec<usize>, Vec<&'static str>) = if include_target {
        (vec![0, 1, 3], vec!["u", "rho", "target2"])
    } else {
        (vec![0, 1], vec!["u", "rho"])
    };
    let matrix: Vec<Vec<Rational>> = idx
        .iter()
        .map(|&i| idx.iter().map(|&j| full[i][j].clone()).collect())
        .collect();
    let mut point = vec![u, rho];
    if include_target {
        point.push(Rational::new());
    }
    let characteristic_polynomial = poly::characteristic_polynomial(&matrix);
    let eigenvalues = eigen_enclosures(&matrix, prec)?;
    Ok(Linearization {
        variables,
        point,
        point_exact,
        matrix,
        characteristic_polynomial,
        eigenvalues,
    })
}

/// Number of distinct points of a fixed line at which [`linearize_line`] evaluates the stability
/// matrix. Along `(ũ, 0, 1, 0)` every matrix entry is a polynomial in `ũ` of degree ≤ 2 (the
/// `ũ` row has `−c − 2ũB`, `−ũ²∂B/∂ρ`, `−ũ²∂B/∂S²`; the others are affine in `ũ`, with `T`, `B`
/// and their derivatives independent of `ũ`), so each coefficient of the characteristic
/// polynomial of a matrix of size ≤ 3 is a polynomial of degree ≤ 6 in `ũ`; agreement at 7
/// points proves it constant along the whole line.
pub const LINE_SAMPLES: usize = 7;

/// The linearization of the flow along a line of fixed points.
#[derive(Debug, Clone, PartialEq)]
pub struct LineLinearization {
    /// Variable names, in matrix order (`ũ` first: the line's tangent).
    pub variables: Vec<&'static str>,
    /// The exact `ũ` at which the matrix was evaluated; the characteristic polynomial was the
    /// same at all of them, hence (see [`LINE_SAMPLES`]) at every point of the line.
    pub sampled_at: Vec<Rational>,
    /// Coefficients `p_0..p_n` of `det(μI − M)`, the same at every point of the line.
    pub characteristic_polynomial: Vec<Rational>,
    /// The eigenvalues (the same at every point of the line, so one class per direction);
    /// eigenvectors are those at `ũ = 0`, except the tangent's, which is `e_ũ` everywhere.
    pub eigenvalues: Vec<Eigen>,
    /// Index into `eigenvalues` of the tangent direction: exactly `0`, marginal, because the
    /// line is fixed (the `ũ` column of the matrix vanishes identically along it).
    pub tangent: usize,
}

/// Linearizes the flow along a line of fixed points ([`FixedLine`]): the exact stability matrix
/// at [`LINE_SAMPLES`] points `ũ = −3, …, 3` of the line, the proof that its characteristic
/// polynomial does not depend on `ũ` and that the tangent `e_ũ` is a null vector, and the certified
/// eigenvalues. With `include_target` the transverse `S²` direction is included.
pub fn linearize_line(
    params: &FlowParams,
    truncation: Truncation,
    line: &FixedLine,
    include_target: bool,
    prec: Precision,
) -> Result<LineLinearization, FlowError> {
    let (idx, variables): (Vec<usize>, Vec<&'static str>) = if include_target {
        (vec![0, 1, 3], vec!["u", "rho", "target2"])
    } else {
        (vec![0, 1], vec!["u", "rho"])
    };
    let half = (LINE_SAMPLES / 2) as i64;
    let sampled_at: Vec<Rational> = (-half..=half).map(Rational::from).collect();
    let mut reference: Option<Vec<Rational>> = None;
    for u in &sampled_at {
        let full = stability_matrix_generic(params, truncation, &plane_state(u, &line.rho))
            .ok_or(FlowError::Pole)?;
        let matrix: Vec<Vec<Rational>> = idx
            .iter()
            .map(|&i| idx.iter().map(|&j| full[i][j].clone()).collect())
            .collect();
        if matrix.iter().any(|row| !row[0].is_zero()) {
            return Err(FlowError::LinearAlgebra(format!(
                "the ũ column of the stability matrix does not vanish at ũ = {u}: not a line of fixed points"
            )));
        }
        let cp = poly::characteristic_polynomial(&matrix);
        match &reference {
            None => reference = Some(cp),
            Some(first) if *first != cp => {
                return Err(FlowError::LinearAlgebra(format!(
                    "the characteristic polynomial along the fixed line depends on ũ (differs at ũ = {u})"
                )));
            }
            Some(_) => {}
        }
    }
    let Some(characteristic_polynomial) = reference else {
        return Err(FlowError::LinearAlgebra("no sample of the fixed line".into()));
    };
    // The eigenvalues do not depend on ũ; take them (and the transverse eigenvectors) at ũ = 0.
    let at_zero = stability_matrix_generic(params, truncation, &plane_state(&Rational::new(), &line.rho))
        .ok_or(FlowError::Pole)?;
    let matrix: Vec<Vec<Rational>> = idx
        .iter()
        .map(|&i| idx.iter().map(|&j| at_zero[i][j].clone()).collect())
        .collect();
    let mut eigenvalues = eigen_enclosures(&matrix, prec)?;
    let tangent = eigenvalues
        .iter()
        .position(|e| e.enclosure == Enclosure::Exact(Rational::new()))
        .ok_or_else(|| FlowError::LinearAlgebra("no exactly zero eigenvalue along the fixed line".into()))?;
    let mut e_u = vec![0.0; idx.len()];
    e_u[0] = 1.0;
    eigenvalues[tangent].direction = Direction::Marginal;
    eigenvalues[tangent].eigenvector = Some(e_u);
    Ok(LineLinearization {
        variables,
        sampled_at,
        characteristic_polynomial,
        eigenvalues,
        tangent,
    })
}

/// Eigenvalues of an exact rational matrix with certified enclosures
/// ([`poly::eigen_enclosures`]) and their relevance toward the IR.
pub fn eigen_enclosures(m: &[Vec<Rational>], prec: Precision) -> Result<Vec<Eigen>, FlowError> {
    let found = poly::eigen_enclosures(m, prec).map_err(|e| FlowError::LinearAlgebra(e.to_string()))?;
    Ok(found
        .into_iter()
        .map(|e| Eigen {
            direction: Direction::of(&e.root.enclosure),
            re: e.root.re,
            im: e.root.im,
            enclosure: e.root.enclosure,
            isolated: e.root.isolated,
            eigenvector: e.eigenvector,
        })
        .collect())
}
