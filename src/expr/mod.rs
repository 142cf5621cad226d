//! The project's own expression tree.
//!
//! Every formula a user gives `renorm` is parsed into an [`Expr`]; the symbolic engine and the
//! numeric engine each consume this tree independently, so that neither can silently rewrite
//! what the user meant. The tree keeps the user's shape (no simplification happens here), which
//! is what makes `parse ∘ print` a round trip and lets reports echo the input faithfully.

pub(crate) mod latex;
mod mathml;
mod print;

use rug::Rational;
use std::collections::BTreeSet;

/// A binary operator of the input language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BinOp {
    /// `a + b`
    Add,
    /// `a - b`
    Sub,
    /// `a * b`
    Mul,
    /// `a / b`
    Div,
    /// `a ^ b` (right-associative)
    Pow,
}

/// A function from the input language's whitelist. All are real functions of one argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Func {
    /// Exponential.
    Exp,
    /// Natural logarithm (real; undefined for arguments `≤ 0`).
    Log,
    /// Principal square root (real; undefined for negative arguments).
    Sqrt,
    /// Sine.
    Sin,
    /// Cosine.
    Cos,
    /// Tangent.
    Tan,
    /// Hyperbolic tangent.
    Tanh,
    /// Hyperbolic cosine.
    Cosh,
    /// Hyperbolic sine.
    Sinh,
    /// Absolute value.
    Abs,
}

impl Func {
    /// Every whitelisted function, in the order the documentation lists them.
    pub const ALL: [Func; 10] = [
        Func::Exp,
        Func::Log,
        Func::Sqrt,
        Func::Sin,
        Func::Cos,
        Func::Tan,
        Func::Tanh,
        Func::Cosh,
        Func::Sinh,
        Func::Abs,
    ];

    /// The name used in the input language.
    pub fn name(self) -> &'static str {
        match self {
            Func::Exp => "exp",
            Func::Log => "log",
            Func::Sqrt => "sqrt",
            Func::Sin => "sin",
            Func::Cos => "cos",
            Func::Tan => "tan",
            Func::Tanh => "tanh",
            Func::Cosh => "cosh",
            Func::Sinh => "sinh",
            Func::Abs => "abs",
        }
    }

    /// Looks a function up by its input-language name.
    pub fn from_name(name: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// An expression of the input language.
///
/// Numeric literals are exact: `0.1` is the rational `1/10`, never a binary float. A literal is
/// always non-negative; a leading minus is a [`Expr::Neg`] node.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Expr {
    /// A non-negative numeric literal, stored exactly.
    Num(Rational),
    /// A variable or parameter.
    Var(String),
    /// The constant π.
    Pi,
    /// Unary minus.
    Neg(Box<Expr>),
    /// A binary operation.
    Bin(BinOp, Box<Expr>, Box<Expr>),
    /// A whitelisted function applied to one argument.
    Call(Func, Box<Expr>),
}

impl Expr {
    /// A variable.
    pub fn var(name: &str) -> Expr {
        Expr::Var(name.to_string())
    }

    /// An integer, as a literal (negated when negative).
    pub fn int(value: i64) -> Expr {
        Expr::rational(&Rational::from(value))
    }

    /// An exact rational, as `p`, `-p`, `p/q` or `-p/q` (the minus on the numerator, so that
    /// `t^(-1/2)` prints the way it is usually written).
    pub fn rational(value: &Rational) -> Expr {
        let (num, den) = (value.numer().clone(), value.denom().clone());
        let magnitude = Expr::Num(Rational::from(num.clone().abs()));
        let numerator = if num < 0 {
            Expr::Neg(Box::new(magnitude))
        } else {
            magnitude
        };
        if den == 1 {
            numerator
        } else {
            Expr::Bin(
                BinOp::Div,
                Box::new(numerator),
                Box::new(Expr::Num(Rational::from(den))),
            )
        }
    }

    /// `self ^ rhs`
    pub fn pow(self, rhs: Expr) -> Expr {
        Expr::Bin(BinOp::Pow, Box::new(self), Box::new(rhs))
    }

    /// `f(self)`
    pub fn call(self, f: Func) -> Expr {
        Expr::Call(f, Box::new(self))
    }

    /// The names of all variables that occur, sorted.
    pub fn variables(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        self.visit(&mut |e| {
            if let Expr::Var(v) = e {
                out.insert(v.clone());
            }
        });
        out
    }

    /// Whether `name` occurs as a variable.
    pub fn mentions(&self, name: &str) -> bool {
        let mut found = false;
        self.visit(&mut |e| {
            if matches!(e, Expr::Var(v) if v == name) {
                found = true;
            }
        });
        found
    }

    /// Number of nodes in the tree.
    pub fn node_count(&self) -> usize {
        let mut n = 0;
        self.visit(&mut |_| n += 1);
        n
    }

    /// Depth of the tree (a leaf has depth 1).
    pub fn depth(&self) -> usize {
        match self {
            Expr::Num(_) | Expr::Var(_) | Expr::Pi => 1,
            Expr::Neg(a) | Expr::Call(_, a) => 1 + a.depth(),
            Expr::Bin(_, a, b) => 1 + a.depth().max(b.depth()),
        }
    }

    /// Calls `f` on every node, parents before children.
    pub fn visit(&self, f: &mut impl FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Num(_) | Expr::Var(_) | Expr::Pi => {}
            Expr::Neg(a) | Expr::Call(_, a) => a.visit(f),
            Expr::Bin(_, a, b) => {
                a.visit(f);
                b.visit(f);
            }
        }
    }

    /// Replaces every occurrence of the variable `name` by `with`.
    pub fn substitute(&self, name: &str, with: &Expr) -> Expr {
        self.map_vars(&mut |v| (v == name).then(|| with.clone()))
    }

    /// The node count and depth [`substitute`](Self::substitute) would produce, computed without
    /// building it (a chain of substitutions doubling a formula each time is exponential).
    pub fn substituted_size(&self, name: &str, with: &Expr) -> (u128, usize) {
        match self {
            Expr::Var(v) if v == name => (with.node_count() as u128, with.depth()),
            Expr::Var(_) | Expr::Num(_) | Expr::Pi => (1, 1),
            Expr::Neg(a) | Expr::Call(_, a) => {
                let (n, d) = a.substituted_size(name, with);
                (n + 1, d + 1)
            }
            Expr::Bin(_, a, b) => {
                let (na, da) = a.substituted_size(name, with);
                let (nb, db) = b.substituted_size(name, with);
                (na + nb + 1, da.max(db) + 1)
            }
        }
    }

    /// [`substitute`](Self::substitute), refused (`None`) when the result would exceed
    /// `max_nodes` nodes or `max_depth` levels.
    pub fn substitute_within(
        &self,
        name: &str,
        with: &Expr,
        max_nodes: usize,
        max_depth: usize,
    ) -> Option<Expr> {
        let (nodes, depth) = self.substituted_size(name, with);
        (nodes <= max_nodes as u128 && depth <= max_depth).then(|| self.substitute(name, with))
    }

    /// Rebuilds the tree, replacing each variable for which `f` returns `Some`.
    pub fn map_vars(&self, f: &mut impl FnMut(&str) -> Option<Expr>) -> Expr {
        match self {
            Expr::Var(v) => f(v).unwrap_or_else(|| self.clone()),
            Expr::Num(_) | Expr::Pi => self.clone(),
            Expr::Neg(a) => Expr::Neg(Box::new(a.map_vars(f))),
            Expr::Call(g, a) => Expr::Call(*g, Box::new(a.map_vars(f))),
            Expr::Bin(op, a, b) => Expr::Bin(*op, Box::new(a.map_vars(f)), Box::new(b.map_vars(f))),
        }
    }

    /// The expression as a MathML `<math>` element, for HTML reports.
    pub fn to_mathml(&self, block: bool) -> String {
        mathml::to_mathml(self, block)
    }

    /// The expression rendered as LaTeX (math mode, without delimiters).
    pub fn to_latex(&self) -> String {
        latex::render(self)
    }

    /// The expression as LaTeX for running text or a table cell: plain parentheses, a solidus
    /// for fractions with long parts and break points between factors, so that TeX can wrap it.
    pub fn to_latex_inline(&self) -> String {
        latex::render_styled(self, latex::Style::Inline)
    }
}

macro_rules! binary_operator {
    ($trait:ident, $method:ident, $op:expr, $doc:literal) => {
        #[doc = $doc]
        impl std::ops::$trait for Expr {
            type Output = Expr;
            fn $method(self, rhs: Expr) -> Expr {
                Expr::Bin($op, Box::new(self), Box::new(rhs))
            }
        }
    };
}

binary_operator!(Add, add, BinOp::Add, "Builds `a + b` (no simplification).");
binary_operator!(Sub, sub, BinOp::Sub, "Builds `a - b` (no simplification).");
binary_operator!(Mul, mul, BinOp::Mul, "Builds `a * b` (no simplification).");
binary_operator!(Div, div, BinOp::Div, "Builds `a / b` (no simplification).");

/// Builds `-a` (no simplification).
impl std::ops::Neg for Expr {
    type Output = Expr;
    fn neg(self) -> Expr {
        Expr::Neg(Box::new(self))
    }
}

#[cfg(any(test, feature = "testing"))]
pub mod strategies;
