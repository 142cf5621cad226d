//! A small, domain-free rule engine whose outcomes are reasons.
//!
//! The engine knows nothing about physics: it holds **facts** (a name, a truth value, a status
//! label for reports, a typed payload and where the fact came from) and **rules** (premises on
//! the truth of other facts, the one fact they conclude, and how to build it). [`Engine::run`]
//! fires rules until nothing new can be concluded and records a **derivation trail** — which rule
//! fired on which facts — from which reports are rendered. Domain modules (`check`, the
//! conditions and the RG classification) supply the measured facts, the rules and the payload
//! type `V`, so that a conclusion such as a verdict class travels as the domain's own enum rather
//! than as a string.
//!
//! Truth is three-valued on purpose: a premise that is merely *not established* (`Unknown`) is
//! different from one that is refuted (`False`), and rules say which they need.
//!
//! Two kinds of mistakes are outcomes, not silent behaviour:
//! * a premise naming a fact that is neither asserted, [declared](Engine::declare) nor concluded
//!   by any rule is a [`RuleError`] (a typo in a rule set must not read as "not established");
//! * two rules concluding the same fact with different truth, status or payload is a
//!   [`Conflict`]: the first conclusion is kept, every conflicting one is recorded, and the run
//!   stops with [`StopReason::Conflict`] so the domain can refuse to report a verdict.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

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

/// A fact: a named statement with a truth value and a typed payload `V`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact<V = serde_json::Value> {
    /// Stable identifier, e.g. `H1`.
    pub name: String,
    /// The statement in words.
    pub statement: String,
    /// Truth value.
    pub truth: Truth,
    /// A label for reports (a docs/theory.md §4 status or a rule-specific word). Decisions read
    /// [`truth`](Fact::truth) and [`value`](Fact::value), never this label.
    pub status: String,
    /// Values attached to the fact (degree, period, verdict class, …).
    pub value: V,
    /// Where it came from.
    pub provenance: Provenance,
}

impl<V> Fact<V> {
    /// A measured fact.
    pub fn measured(
        name: &str,
        statement: impl Into<String>,
        truth: Truth,
        status: impl Into<String>,
        value: V,
        evidence: serde_json::Value,
    ) -> Fact<V> {
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
        value: V,
        evidence: &E,
    ) -> crate::Result<Fact<V>> {
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
    fn with(fact: &str, truth: &[Truth]) -> Premise {
        Premise {
            fact: fact.to_string(),
            truth: truth.to_vec(),
        }
    }

    /// The fact must be established.
    pub fn holds(fact: &str) -> Premise {
        Premise::with(fact, &[Truth::True])
    }

    /// The fact must be refuted.
    pub fn fails(fact: &str) -> Premise {
        Premise::with(fact, &[Truth::False])
    }

    /// The fact must be present and neither established nor refuted.
    pub fn unknown(fact: &str) -> Premise {
        Premise::with(fact, &[Truth::Unknown])
    }

    /// The fact must not be established (refuted or unknown).
    pub fn not_established(fact: &str) -> Premise {
        Premise::with(fact, &[Truth::False, Truth::Unknown])
    }

    /// The fact must be present, whatever its truth.
    pub fn known(fact: &str) -> Premise {
        Premise::with(fact, &[Truth::True, Truth::False, Truth::Unknown])
    }
}

/// Builds a rule's conclusion from the facts that matched its premises (in premise order).
pub type Conclude<V = serde_json::Value> = Box<dyn Fn(&[&Fact<V>]) -> Conclusion<V> + Send + Sync>;

/// What a rule concludes about the fact it names in [`Rule::concludes`].
#[derive(Debug, Clone, PartialEq)]
pub struct Conclusion<V = serde_json::Value> {
    /// Statement in words.
    pub statement: String,
    /// Truth value.
    pub truth: Truth,
    /// Status label for reports.
    pub status: String,
    /// Payload.
    pub value: V,
}

/// A rule: when every premise matches, conclude the fact named `concludes`.
pub struct Rule<V = serde_json::Value> {
    /// Stable identifier, e.g. `theorem_1`.
    pub name: String,
    /// What the rule says, for reports (e.g. "H1 ∧ H2 ⇒ v = C λ^b t^(b−w)").
    pub description: String,
    /// Premises, all required.
    pub premises: Vec<Premise>,
    /// The name of the fact this rule concludes (declared up front so that premises can be
    /// checked before anything runs).
    pub concludes: String,
    /// Builds the conclusion.
    pub conclude: Conclude<V>,
}

impl<V> fmt::Debug for Rule<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("name", &self.name)
            .field("premises", &self.premises)
            .field("concludes", &self.concludes)
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
    /// No rule could add a new fact, and no two conclusions disagreed.
    Saturated,
    /// The iteration limit was reached first (a rule set that keeps producing facts).
    IterationLimit,
    /// Rules concluded the same fact differently; see [`Engine::conflicts`].
    Conflict,
}

impl StopReason {
    /// The reason in words, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            StopReason::Saturated => "saturated: no rule can add a fact",
            StopReason::IterationLimit => "iteration limit reached before saturation",
            StopReason::Conflict => "conflict: rules concluded the same fact differently",
        }
    }
}

/// Who stands behind one conclusion about a fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Support {
    /// The rule, or `None` for a measured (asserted) fact.
    pub rule: Option<String>,
    /// The truth it gave.
    pub truth: Truth,
    /// The status label it gave.
    pub status: String,
}

/// Two conclusions about one fact that disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The fact concerned.
    pub fact: String,
    /// The conclusion that was kept (the first one).
    pub kept: Support,
    /// The conclusion that disagreed with it.
    pub rejected: Support,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = |s: &Support| match &s.rule {
            Some(r) => format!("rule `{r}`"),
            None => "the measurement".to_string(),
        };
        write!(
            f,
            "`{}`: {} says {:?} ({}), {} says {:?} ({})",
            self.fact,
            who(&self.kept),
            self.kept.truth,
            self.kept.status,
            who(&self.rejected),
            self.rejected.truth,
            self.rejected.status
        )
    }
}

/// A rule set that cannot be evaluated as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// A premise names a fact that is never asserted, declared or concluded.
    #[error(
        "rule `{rule}` has a premise on `{fact}`, which is neither asserted, declared nor concluded by any rule"
    )]
    UndeclaredPremise {
        /// The rule.
        rule: String,
        /// The unknown fact name.
        fact: String,
    },
}

/// Facts, rules and the trail of an evaluation, with payloads of type `V`.
#[derive(Debug)]
pub struct Engine<V = serde_json::Value> {
    facts: BTreeMap<String, Fact<V>>,
    order: Vec<String>,
    declared: BTreeSet<String>,
    rules: Vec<Rule<V>>,
    fired: Vec<bool>,
    trail: Vec<Step>,
    conflicts: Vec<Conflict>,
    iteration_limit: usize,
}

/// Default maximum number of passes over the rules.
pub const DEFAULT_ITERATION_LIMIT: usize = 100;

impl<V> Default for Engine<V> {
    fn default() -> Self {
        Engine {
            facts: BTreeMap::new(),
            order: Vec::new(),
            declared: BTreeSet::new(),
            rules: Vec::new(),
            fired: Vec::new(),
            trail: Vec::new(),
            conflicts: Vec::new(),
            iteration_limit: DEFAULT_ITERATION_LIMIT,
        }
    }
}

impl<V: Clone + PartialEq> Engine<V> {
    /// An empty engine.
    pub fn new() -> Engine<V> {
        Engine::default()
    }

    /// The same engine with at most `passes` passes over the rules.
    #[must_use]
    pub fn with_iteration_limit(mut self, passes: usize) -> Engine<V> {
        self.iteration_limit = passes;
        self
    }

    /// Declares a fact that the domain may measure or not (a premise on it is then legitimate
    /// even when the fact is absent, and simply does not match).
    pub fn declare(&mut self, name: &str) {
        self.declared.insert(name.to_string());
    }

    /// Adds a measured fact. Asserting a name twice with a different truth, status or payload
    /// is recorded as a [`Conflict`]; the first assertion is kept.
    pub fn assert_fact(&mut self, fact: Fact<V>) {
        self.declared.insert(fact.name.clone());
        match self.facts.get(&fact.name) {
            Some(old) if !agrees(old, fact.truth, &fact.status, &fact.value) => {
                self.conflicts.push(Conflict {
                    fact: fact.name.clone(),
                    kept: support(old),
                    rejected: Support {
                        rule: None,
                        truth: fact.truth,
                        status: fact.status.clone(),
                    },
                });
            }
            Some(_) => {}
            None => {
                self.order.push(fact.name.clone());
                self.facts.insert(fact.name.clone(), fact);
            }
        }
    }

    /// Adds a rule.
    pub fn add_rule(&mut self, rule: Rule<V>) {
        self.rules.push(rule);
        self.fired.push(false);
    }

    /// A fact by name.
    pub fn fact(&self, name: &str) -> Option<&Fact<V>> {
        self.facts.get(name)
    }

    /// All facts in the order they were added or concluded.
    pub fn facts(&self) -> Vec<&Fact<V>> {
        self.order.iter().filter_map(|n| self.facts.get(n)).collect()
    }

    /// The derivation trail.
    pub fn trail(&self) -> &[Step] {
        &self.trail
    }

    /// Conclusions that disagreed with a fact already held.
    pub fn conflicts(&self) -> &[Conflict] {
        &self.conflicts
    }

    /// Conflicts about one fact.
    pub fn conflicts_about(&self, fact: &str) -> Vec<&Conflict> {
        self.conflicts.iter().filter(|c| c.fact == fact).collect()
    }

    /// Checks that every premise names a fact that is asserted, declared or concluded by a rule.
    pub fn validate(&self) -> Result<(), RuleError> {
        let concluded: BTreeSet<&str> = self.rules.iter().map(|r| r.concludes.as_str()).collect();
        for rule in &self.rules {
            for p in &rule.premises {
                let known = self.declared.contains(&p.fact) || concluded.contains(p.fact.as_str());
                if !known {
                    return Err(RuleError::UndeclaredPremise {
                        rule: rule.name.clone(),
                        fact: p.fact.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// Validates the rule set, then fires every rule whose premises match, each at most once,
    /// until no rule can fire. A rule whose conclusion agrees with the fact already held adds
    /// nothing; one that disagrees is recorded as a [`Conflict`].
    pub fn run(&mut self) -> Result<StopReason, RuleError> {
        self.validate()?;
        for _ in 0..self.iteration_limit {
            let mut fired = false;
            for i in 0..self.rules.len() {
                if self.fired[i] {
                    continue;
                }
                let rule = &self.rules[i];
                let matched: Option<Vec<&Fact<V>>> = rule
                    .premises
                    .iter()
                    .map(|p| self.facts.get(&p.fact).filter(|f| p.truth.contains(&f.truth)))
                    .collect();
                let Some(matched) = matched else { continue };
                let conclusion = (rule.conclude)(&matched);
                let premises: Vec<String> = matched.iter().map(|f| f.name.clone()).collect();
                let step = Step {
                    rule: rule.name.clone(),
                    description: rule.description.clone(),
                    premises: matched
                        .iter()
                        .map(|f| (f.name.clone(), f.truth, f.status.clone()))
                        .collect(),
                    concluded: rule.concludes.clone(),
                };
                let name = rule.concludes.clone();
                let rule_name = rule.name.clone();
                self.fired[i] = true;
                fired = true;
                if let Some(old) = self.facts.get(&name) {
                    if !agrees(old, conclusion.truth, &conclusion.status, &conclusion.value) {
                        let kept = support(old);
                        self.conflicts.push(Conflict {
                            fact: name,
                            kept,
                            rejected: Support {
                                rule: Some(rule_name),
                                truth: conclusion.truth,
                                status: conclusion.status,
                            },
                        });
                    }
                    continue;
                }
                self.trail.push(step);
                self.order.push(name.clone());
                self.facts.insert(
                    name.clone(),
                    Fact {
                        name,
                        statement: conclusion.statement,
                        truth: conclusion.truth,
                        status: conclusion.status,
                        value: conclusion.value,
                        provenance: Provenance::Derived {
                            rule: rule_name,
                            premises,
                        },
                    },
                );
            }
            if !fired {
                return Ok(if self.conflicts.is_empty() {
                    StopReason::Saturated
                } else {
                    StopReason::Conflict
                });
            }
        }
        Ok(StopReason::IterationLimit)
    }
}

fn agrees<V: PartialEq>(old: &Fact<V>, truth: Truth, status: &str, value: &V) -> bool {
    old.truth == truth && old.status == status && old.value == *value
}

fn support<V>(fact: &Fact<V>) -> Support {
    Support {
        rule: match &fact.provenance {
            Provenance::Measured { .. } => None,
            Provenance::Derived { rule, .. } => Some(rule.clone()),
        },
        truth: fact.truth,
        status: fact.status.clone(),
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
        rule_with(name, premises, concludes, Truth::True)
    }

    fn rule_with(name: &str, premises: Vec<Premise>, concludes: &'static str, truth: Truth) -> Rule {
        Rule {
            name: name.into(),
            description: format!("{name} concludes {concludes}"),
            premises,
            concludes: concludes.into(),
            conclude: Box::new(move |_| Conclusion {
                statement: concludes.into(),
                truth,
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
        assert_eq!(e.run(), Ok(StopReason::Saturated));
        assert_eq!(e.fact("C").map(|f| f.truth), Some(Truth::True));
        let fired: Vec<&str> = e.trail().iter().map(|s| s.rule.as_str()).collect();
        assert_eq!(fired, ["first", "second"]);
        assert_eq!(
            e.fact("C").map(|f| f.provenance.clone()),
            Some(Provenance::Derived {
                rule: "second".into(),
                premises: vec!["B".into()]
            })
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
        assert_eq!(e.run(), Ok(StopReason::Saturated));
        assert!(e.fact("X").is_none());
        assert!(e.fact("Y").is_some());
    }

    #[test]
    fn a_rule_fires_once() {
        let mut e = Engine::new();
        e.assert_fact(fact("A", Truth::True));
        e.add_rule(rule("r", vec![Premise::holds("A")], "B"));
        assert_eq!(e.run(), Ok(StopReason::Saturated));
        assert_eq!(e.run(), Ok(StopReason::Saturated));
        assert_eq!(e.trail().len(), 1);
    }

    #[test]
    fn a_misspelt_premise_is_an_error_not_a_silent_non_match() {
        let mut e = Engine::new();
        e.assert_fact(fact("H1", Truth::True));
        e.add_rule(rule("typo", vec![Premise::holds("H_1")], "X"));
        assert_eq!(
            e.run(),
            Err(RuleError::UndeclaredPremise {
                rule: "typo".into(),
                fact: "H_1".into()
            })
        );
        assert!(e.trail().is_empty());
    }

    #[test]
    fn a_declared_but_absent_fact_is_a_legitimate_premise() {
        let mut e = Engine::new();
        e.declare("maybe");
        e.assert_fact(fact("A", Truth::True));
        e.add_rule(rule("needs_maybe", vec![Premise::holds("maybe")], "X"));
        e.add_rule(rule("needs_a", vec![Premise::holds("A")], "Y"));
        assert_eq!(e.run(), Ok(StopReason::Saturated));
        assert!(e.fact("X").is_none());
        assert!(e.fact("Y").is_some());
    }

    #[test]
    fn conflicting_conclusions_are_reported_whatever_the_rule_order() {
        for reversed in [false, true] {
            let mut e = Engine::new();
            e.assert_fact(fact("A", Truth::True));
            let mut rules = vec![
                rule_with("yes", vec![Premise::holds("A")], "V", Truth::True),
                rule_with("no", vec![Premise::known("A")], "V", Truth::False),
            ];
            if reversed {
                rules.reverse();
            }
            for r in rules {
                e.add_rule(r);
            }
            assert_eq!(e.run(), Ok(StopReason::Conflict));
            let conflicts = e.conflicts_about("V");
            assert_eq!(conflicts.len(), 1);
            let mut rules: Vec<Option<String>> =
                vec![conflicts[0].kept.rule.clone(), conflicts[0].rejected.rule.clone()];
            rules.sort();
            assert_eq!(rules, [Some("no".to_string()), Some("yes".to_string())]);
        }
    }

    #[test]
    fn agreeing_conclusions_are_not_a_conflict() {
        let mut e = Engine::new();
        e.assert_fact(fact("A", Truth::Unknown));
        e.assert_fact(fact("B", Truth::Unknown));
        e.add_rule(rule_with(
            "from_a",
            vec![Premise::unknown("A")],
            "R",
            Truth::Unknown,
        ));
        e.add_rule(rule_with(
            "from_b",
            vec![Premise::unknown("B")],
            "R",
            Truth::Unknown,
        ));
        assert_eq!(e.run(), Ok(StopReason::Saturated));
        assert!(e.conflicts().is_empty());
        assert_eq!(e.trail().len(), 1);
    }

    #[test]
    fn a_rule_contradicting_a_measurement_is_a_conflict() {
        let mut e = Engine::new();
        e.assert_fact(fact("A", Truth::True));
        e.assert_fact(fact("B", Truth::False));
        e.add_rule(rule_with("says_b", vec![Premise::holds("A")], "B", Truth::True));
        assert_eq!(e.run(), Ok(StopReason::Conflict));
        assert_eq!(e.conflicts()[0].kept.rule, None);
        assert_eq!(e.conflicts()[0].rejected.rule.as_deref(), Some("says_b"));
    }

    #[test]
    fn typed_payloads_travel_through_the_engine() {
        #[derive(Debug, Clone, Copy, PartialEq)]
        enum Class {
            Relevant,
        }
        let mut e: Engine<Option<Class>> = Engine::new();
        e.assert_fact(Fact::measured("A", "a", Truth::True, "proved", None, json!(null)));
        e.add_rule(Rule {
            name: "r".into(),
            description: "A ⇒ relevant".into(),
            premises: vec![Premise::holds("A")],
            concludes: "class".into(),
            conclude: Box::new(|_| Conclusion {
                statement: "relevant".into(),
                truth: Truth::True,
                status: "relevant".into(),
                value: Some(Class::Relevant),
            }),
        });
        assert_eq!(e.run(), Ok(StopReason::Saturated));
        assert_eq!(e.fact("class").and_then(|f| f.value), Some(Class::Relevant));
    }

    #[test]
    fn the_iteration_limit_is_an_option() {
        let mut e = Engine::new().with_iteration_limit(0);
        e.assert_fact(fact("A", Truth::True));
        e.add_rule(rule("r", vec![Premise::holds("A")], "B"));
        assert_eq!(e.run(), Ok(StopReason::IterationLimit));
    }
}
