//! The error rule (C13): an error answer has a JSON body with a string code and message
//! (extra members allowed), flat or in the nested form, as the description names them.

use serde_json::Value;

use super::{CheckKind, Finding, Outcome};
use crate::contract::Desc;

pub fn check(desc: &Desc, request: usize, body: &Value, out: &mut Outcome) {
    let e = &desc.errors;
    let flat = body.get(&e.code).is_some_and(Value::is_string)
        && body.get(&e.message).is_some_and(Value::is_string);
    let nested = e.nested.as_ref().is_some_and(|n| {
        body.get(&n.object).is_some_and(|o| {
            o.get(&n.code).is_some_and(Value::is_string)
                && o.get(&n.message).is_some_and(Value::is_string)
        })
    });
    if !flat && !nested {
        let mut shown = body.to_string();
        if shown.len() > 120 {
            // On a character boundary: error bodies are often in Chinese.
            let cut = (0..=120)
                .rev()
                .find(|&i| shown.is_char_boundary(i))
                .unwrap_or(0);
            shown.truncate(cut);
            shown.push('…');
        }
        let mut expected = format!("{{\"{}\": string, \"{}\": string}}", e.code, e.message);
        if let Some(n) = &e.nested {
            expected.push_str(&format!(
                " or {{\"{}\": {{\"{}\", \"{}\"}}}}",
                n.object, n.code, n.message
            ));
        }
        out.fail(
            Finding::new(
                e.rule,
                CheckKind::Errors,
                request,
                "error body lacks its code or message",
            )
            .expected_actual(expected, shown),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn findings(v: Value) -> usize {
        let mut out = Outcome::default();
        check(
            crate::contract::Contract::embedded().desc(),
            0,
            &v,
            &mut out,
        );
        out.findings.len()
    }

    #[test]
    fn both_forms_pass_and_others_fail() {
        assert_eq!(
            findings(json!({"error_code": "DCS.4001", "error_msg": "bad", "request_id": "x"})),
            0
        );
        assert_eq!(findings(json!({"error": {"code": "X", "message": "m"}})), 0);
        assert_eq!(findings(json!({"error_code": "DCS.4001"})), 1);
        assert_eq!(findings(json!({"error_code": 400, "error_msg": "m"})), 1);
        assert_eq!(findings(json!("bad request")), 1);
    }

    #[test]
    fn a_long_body_in_chinese_is_cut_on_a_character_boundary() {
        let mut out = Outcome::default();
        check(
            crate::contract::Contract::embedded().desc(),
            0,
            &json!({"msg": "参数错误".repeat(40)}),
            &mut out,
        );
        let shown = out.findings[0].actual.as_deref().unwrap();
        assert!(shown.ends_with('…') && shown.len() <= 124, "{shown}");
    }
}
