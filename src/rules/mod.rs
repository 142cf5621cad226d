//! A small, domain-free rule engine whose outcomes are reasons.
//!
//! The engine knows nothing about physics: it holds **facts** (a name, a truth value, a
//! THEORY.md §4 status, a value and where the fact came from) and **rules** (premises on the
//! truth of other facts, and a conclusion built from them). [`Engine::run`] fires rules until
//! nothing new can be concluded and records a **derivation trail** — which rule fired on which
//! facts — from which reports are rendered. Domain modules (`check`, and later the conditions
//! and RG analyses) supply the measured facts and the rules.
//!
//! Truth is three-valued on purpose: a premise that is merely *not established* (`Unknown`) is
//! different from one that is refuted (`False`), and rules say which they need.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Three-valued truth of a fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Truth {
    /// Established (`proved` or `confirmed`).
    True,
    /// Refuted by a certified witness.
    False,
    /// Not established either way.
    Unknown,
}

/// Where a fact came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Provenance {
    /// Measured or checked directly; `evidence` is whatever the check recorded.
    Measured {
        /// The check's evidence, as structured data.
        evidence: serde_json::Value,
    },
    /// Concluded by a rule from other facts.
    Derived {
        /// The rule that fired.
        rule: String,
        /// The facts it used.
        premises: Vec<String>,
    },
}

/// A fact: a named statement with a truth value and a payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    /// Stable identifier, e.g. `H1`.
    pub name: String,
    /// The statement in words.
    pub statement: String,
    /// Truth value.
    pub truth: Truth,
    /// THEORY.md §4 status (or a rule-specific status word).
    pub status: String,
    /// Values attached to the fact (degree, period, forced form, …).
    pub value: serde_json::Value,
    /// Where it came from.
    pub provenance: Provenance,
}

impl Fact {
    /// A measured fact.
    pub fn measured(
        name: &str,
        statement: impl Into<String>,
        truth: Truth,
        status: impl Into<String>,
        value: serde_json::Value,
        evidence: serde_json::Value,
    ) -> Fact {
        Fact {
            name: name.to_string(),
            statement: statement.into(),
            truth,
            status: status.into(),
            value,
            provenance: Provenance::Measured { evidence },
        }
    }

    /// A measured fact whose evidence is any serialisable record. Fails (an internal error,
    /// never a silent `null`) if the evidence cannot be represented as JSON.
    pub fn measured_with<E: Serialize>(
        name: &str,
        statement: impl Into<String>,
        truth: Truth,
        status: impl Into<String>,
        value: serde_json::Value,
        evidence: &E,
    ) -> crate::Result<Fact> {
        let evidence = serde_json::to_value(evidence)
            .map_err(|e| crate::Error::serialize(format_args!("the evidence of fact {name}"), e))?;
        Ok(Fact::measured(name, statement, truth, status, value, evidence))
    }
}

/// A premise: the named fact must have one of the given truth values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Premise {
    /// Fact name.
    pub fact: String,
    /// Accepted truth values.
    pub truth: Vec<Truth>,
}

impl Premise {
    /// The fact must be established.
    pub fn holds(fact: &str) -> Premise {
        Premise {
            fact: fact.to_string(),
            truth: vec![Truth::True],
        }
    }

    /// The fact must be refuted.
    pub fn fails(fact: &str) -> Premise {
        Premise {
            fact: fact.to_string(),
            truth: vec![Truth::False],
        }
    }

    /// The fact must not be established (refuted or unknown).
    pub fn not_established(fact: &str) -> Premise {
        Premise {
            fact: fact.to_string(),
            truth: vec![Truth::False, Truth::Unknown],
        }
    }

    /// The fact must be present, whatever its truth.
    pub fn known(fact: &str) -> Premise {
        Premise {
            fact: fact.to_string(),
            truth: vec![Truth::True, Truth::False, Truth::Unknown],
        }
    }
}

/// Builds a rule's conclusion from the facts that matched its premises (in premise order).
pub type Conclude = Box<dyn Fn(&[&Fact]) -> Conclusion + Send + Sync>;

/// What a rule concludes: the new fact's name, statement, truth, status and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Conclusion {
    /// Name of the concluded fact.
    pub name: String,
    /// Statement in words.
    pub statement: String,
    /// Truth value.
    pub truth: Truth,
    /// Status word.
    pub status: String,
    /// Payload.
    pub value: serde_json::Value,
}

/// A rule: when every premise matches, conclude a fact.
pub struct Rule {
    /// Stable identifier, e.g. `theorem_1`.
    pub name: String,
    /// What the rule says, for reports (e.g. "H1 ∧ H2 ⇒ v = C λ^b t^(b−w)").
    pub description: String,
    /// Premises, all required.
    pub premises: Vec<Premise>,
    /// The conclusion.
    pub conclude: Conclude,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule")
            .field("name", &self.name)
            .field("premises", &self.premises)
            .finish_non_exhaustive()
    }
}

/// One step of the derivation trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The rule that fired.
    pub rule: String,
    /// Its description.
    pub description: String,
    /// Premise facts with the truth and status they had.
    pub premises: Vec<(String, Truth, String)>,
    /// The fact concluded.
    pub concluded: String,
}

/// Why evaluation stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// No rule could add a new fact.
    Saturated,
    /// The iteration limit was reached first (a rule set that keeps producing facts).
    IterationLimit,
}

/// Facts, rules and the trail of an evaluation.
#[derive(Debug, Default)]
pub struct Engine {
    facts: BTreeMap<String, Fact>,
    order: Vec<String>,
    rules: Vec<Rule>,
    trail: Vec<Step>,
}

/// Maximum number of passes over the rules.
const MAX_ITERATIONS: usize = 100;

impl Engine {
    /// An empty engine.
    pub fn new() -> Engine {
        Engine::default()
    }

    /// Adds (or replaces) a fact.
    pub fn assert_fact(&mut self, fact: Fact) {
        if !self.facts.contains_key(&fact.name) {
            self.order.push(fact.name.clone());
        }
        self.facts.insert(fact.name.clone(), fact);
    }

    /// Adds a rule.
    pub fn add_rule(&mut self, rule: Rule) {
        self.rules.push(rule);
    }

    /// A fact by name.
    pub fn fact(&self, name: &str) -> Option<&Fact> {
        self.facts.get(name)
    }

    /// All facts in the order they were added or concluded.
    pub fn facts(&self) -> Vec<&Fact> {
        self.order.iter().filter_map(|n| self.facts.get(n)).collect()
    }

    /// The derivation trail.
    pub fn trail(&self) -> &[Step] {
        &self.trail
    }

    /// Fires rules until no rule can conclude a fact that is not already present.
    pub fn run(&mut self) -> StopReason {
        for _ in 0..MAX_ITERATIONS {
            let mut fired = false;
            for i in 0..self.rules.len() {
                let rule = &self.rules[i];
                let matched: Option<Vec<&Fact>> = rule
                    .premises
                    .iter()
                    .map(|p| self.facts.get(&p.fact).filter(|f| p.truth.contains(&f.truth)))
                    .collect();
                let Some(matched) = matched else { continue };
                let conclusion = (rule.conclude)(&matched);
                if self.facts.contains_key(&conclusion.name) {
                    continue;
                }
                let step = Step {
                    rule: rule.name.clone(),
                    description: rule.description.clone(),
                    premises: matched
                        .iter()
                        .map(|f| (f.name.clone(), f.truth, f.status.clone()))
                        .collect(),
                    concluded: conclusion.name.clone(),
                };
                let fact = Fact {
                    name: conclusion.name,
                    statement: conclusion.statement,
                    truth: conclusion.truth,
                    status: conclusion.status,
                    value: conclusion.value,
                    provenance: Provenance::Derived {
                        rule: rule.name.clone(),
                        premises: matched.iter().map(|f| f.name.clone()).collect(),
                    },
                };
                self.trail.push(step);
                self.order.push(fact.name.clone());
                self.facts.insert(fact.name.clone(), fact);
                fired = true;
            }
            if !fired {
                return StopReason::Saturated;
            }
        }
        StopReason::IterationLimit
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fact(name: &str, truth: Truth) -> Fact {
        Fact::measured(name, name, truth, "test", json!(null), json!(null))
    }

    fn rule(name: &str, premises: Vec<Premise>, concludes: &'static str) -> Rule {
        Rule {
            name: name.into(),
            description: format!("{name} concludes {concludes}"),
            premises,
            conclude: Box::new(move |_| Conclusion {
                name: concludes.into(),
                statement: concludes.into(),
                truth: Truth::True,
                status: "derived".into(),
                value: json!(null),
            }),
        }
    }

    #[test]
    fn chains_to_a_fixpoint_and_records_the_trail() {
        let mut e = Engine::new();
        e.assert_fact(fact("A", Truth::True));
        // Rules listed out of dependency order: the engine must still chain them.
        e.add_rule(rule("second", vec![Premise::holds("B")], "C"));
        e.add_rule(rule("first", vec![Premise::holds("A")], "B"));
        assert_eq!(e.run(), StopReason::Saturated);
        assert_eq!(e.fact("C").unwrap().truth, Truth::True);
        let fired: Vec<&str> = e.trail().iter().map(|s| s.rule.as_str()).collect();
        assert_eq!(fired, ["first", "second"]);
        assert_eq!(
            e.fact("C").unwrap().provenance,
            Provenance::Derived {
                rule: "second".into(),
                premises: vec!["B".into()]
            }
        );
    }

    #[test]
    fn unknown_premises_do_not_count_as_refuted() {
        let mut e = Engine::new();
        e.assert_fact(fact("A", Truth::Unknown));
        e.add_rule(rule("needs_refuted", vec![Premise::fails("A")], "X"));
        e.add_rule(rule(
            "needs_not_established",
            vec![Premise::not_established("A")],
            "Y",
        ));
        e.run();
        assert!(e.fact("X").is_none());
        assert!(e.fact("Y").is_some());
    }

    #[test]
    fn a_rule_fires_once() {
        let mut e = Engine::new();
        e.assert_fact(fact("A", Truth::True));
        e.add_rule(rule("r", vec![Premise::holds("A")], "B"));
        e.run();
        e.run();
        assert_eq!(e.trail().len(), 1);
    }
}
