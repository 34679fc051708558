//! Rule ids (C1, C2, ...): what cases, findings, waivers and reports cite. Which ids
//! exist, and their titles, is the contract description's to say.

use std::fmt;

/// A rule id of the contract, `C<n>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rule(pub u8);

impl Rule {
    /// Parses `C7` (or `c7`); whether the contract declares it is the caller's question.
    pub fn parse(s: &str) -> Option<Rule> {
        let n: u8 = s.strip_prefix(['C', 'c'])?.parse().ok()?;
        (n >= 1).then_some(Rule(n))
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "C{}", self.0)
    }
}
