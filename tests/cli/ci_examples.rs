//! The CI examples users copy (docs/ci/) and the README's commands: the YAML parses, the
//! jobs upload the reports, and every `conform …` line in them is a command the real
//! command-line parser accepts, so a renamed option breaks this test and not a user's CI.

use std::path::Path;

use clap::Parser;
use yaml_rust2::{Yaml, YamlLoader};

fn load(path: &str) -> Yaml {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(docs.len(), 1, "{path} holds one YAML document");
    docs.remove(0)
}

/// The `conform …` command lines of some shell text (a trailing `# comment` dropped).
fn conform_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("conform "))
        .map(|l| match l.find(" #") {
            Some(at) => l[..at].trim_end().to_string(),
            None => l.to_string(),
        })
        .collect()
}

/// Parses one command line as conform would; the error says which line and why.
fn parses(line: &str, whence: &str) {
    let words = shlex::split(line).unwrap_or_else(|| panic!("{whence}: unbalanced quotes: {line}"));
    if let Err(e) = conform::cli::Cli::try_parse_from(&words) {
        panic!("{whence}: `{line}` does not parse:\n{e}");
    }
}

fn key<'a>(y: &'a Yaml, k: &str) -> &'a Yaml {
    &y[k]
}

#[test]
fn the_github_actions_example_parses_runs_conform_and_keeps_the_reports() {
    let path = "docs/ci/github-actions.yml";
    let doc = load(path);
    let jobs = key(&doc, "jobs");
    for job in ["mock", "real-service"] {
        let steps = jobs[job]["steps"]
            .as_vec()
            .unwrap_or_else(|| panic!("{path}: job {job} has steps"));
        let runs: Vec<String> = steps
            .iter()
            .filter_map(|s| s["run"].as_str().map(String::from))
            .collect();
        let lines: Vec<String> = runs.iter().flat_map(|r| conform_lines(r)).collect();
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("conform run ") && l.contains("--junit")),
            "{path}: job {job} runs conform with a JUnit report: {lines:?}"
        );
        for l in &lines {
            parses(l, &format!("{path}, job {job}"));
        }
        let uploads = steps.iter().any(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact"))
                && s["if"].as_str() == Some("always()")
                && s["with"]["path"].as_str().is_some_and(|p| {
                    p.contains("conform-junit.xml") && p.contains("conform-report.html")
                })
        });
        assert!(
            uploads,
            "{path}: job {job} keeps both reports, pass or fail"
        );
    }
    // The real endpoint's token comes from the secret store, never from the file.
    let real = &jobs["real-service"];
    assert_eq!(
        real["env"]["CONFORM_TOKEN"].as_str(),
        Some("${{ secrets.CONFORM_TOKEN }}")
    );
}

#[test]
fn the_gitlab_example_parses_runs_conform_and_keeps_the_reports() {
    let path = "docs/ci/gitlab-ci.yml";
    let doc = load(path);
    let base = key(&doc, ".conform");
    assert_eq!(base["artifacts"]["when"].as_str(), Some("always"));
    assert_eq!(
        base["artifacts"]["reports"]["junit"].as_str(),
        Some("conform-junit.xml")
    );
    let mut jobs = 0;
    for (name, job) in doc.as_hash().expect("a mapping") {
        let Some(script) = job["script"].as_vec() else {
            continue;
        };
        jobs += 1;
        assert_eq!(
            job["extends"].as_str(),
            Some(".conform"),
            "{name:?} keeps the reports"
        );
        let mut lines = Vec::new();
        for s in script {
            lines.extend(conform_lines(s.as_str().unwrap_or("")));
        }
        assert!(!lines.is_empty(), "{name:?} runs conform");
        for l in &lines {
            parses(l, &format!("{path}, job {name:?}"));
        }
    }
    assert_eq!(
        jobs, 2,
        "{path}: a job against the mock and one against the real service"
    );
}

#[test]
fn every_conform_command_in_the_readme_and_the_docs_parses() {
    let mut files = vec!["README.md".to_string(), "CONTRIBUTING.md".to_string()];
    for e in std::fs::read_dir("docs").expect("docs/") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "md") {
            files.push(p.to_string_lossy().into_owned());
        }
    }
    let mut checked = 0;
    for file in &files {
        let text = std::fs::read_to_string(Path::new(file)).expect("readable");
        let mut in_code = false;
        let mut shell = false;
        for (n, line) in text.lines().enumerate() {
            if let Some(lang) = line.trim_start().strip_prefix("```") {
                in_code = !in_code;
                shell = in_code && matches!(lang.trim(), "sh" | "bash" | "shell" | "console" | "");
                continue;
            }
            if !(in_code && shell) {
                continue;
            }
            // `KEY=value conform …` sets a variable for one command.
            let mut l = line.trim().trim_start_matches("$ ").to_string();
            while let Some((first, rest)) = l.split_once(' ') {
                if first.contains('=') && !first.starts_with('-') {
                    l = rest.to_string();
                } else {
                    break;
                }
            }
            for c in conform_lines(&l) {
                // A pipe or a redirect ends the command.
                let c = c.split(['|', '>']).next().unwrap_or("").trim().to_string();
                if c.ends_with('\\') || c.contains("...") || c.contains('…') || c.contains('<') {
                    continue;
                }
                parses(&c, &format!("{file}:{}", n + 1));
                checked += 1;
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} commands found: is the README still there?"
    );
}
