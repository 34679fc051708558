//! Rule ids (C1, C2, ...): what cases, findings, waivers and reports cite. Which ids
//! exist, and their titles, is the contract description's to say.

use std::fmt;

/// A rule id of the contract: a letter and a number, `C7` or `V12`. The letter tells the
/// contracts' rule sets apart (C for the v1.0 list, V for v2); which ids exist is the
/// contract description's to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rule {
    /// The letter, upper case (ASCII).
    pub letter: u8,
    pub n: u8,
}

impl Rule {
    /// A rule of the first contract's set, `C<n>`.
    pub const fn c(n: u8) -> Rule {
        Rule { letter: b'C', n }
    }

    /// Parses one letter and a number from 1 (`C7`, `c7`, `V12`); whether the contract
    /// declares it is the caller's question.
    pub fn parse(s: &str) -> Option<Rule> {
        let mut chars = s.chars();
        let letter = chars.next().filter(char::is_ascii_alphabetic)?;
        let digits = chars.as_str();
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u8 = digits.parse().ok()?;
        (n >= 1).then_some(Rule {
            letter: letter.to_ascii_uppercase() as u8,
            n,
        })
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", char::from(self.letter), self.n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_a_letter_and_a_number_from_one() {
        assert_eq!(Rule::parse("C7"), Some(Rule::c(7)));
        assert_eq!(Rule::parse("c7"), Some(Rule::c(7)));
        let v = Rule::parse("v12").unwrap();
        assert_eq!(v.to_string(), "V12");
        assert_ne!(v, Rule::c(12));
        for bad in [
            "", "C", "7", "C0", "CC7", "C+7", "C 7", "C7a", "C256", "中7",
        ] {
            assert_eq!(Rule::parse(bad), None, "{bad:?}");
        }
        assert!(Rule::c(9) < Rule::c(10), "numbers order as numbers");
    }
}
