//! The serial-console protocol between the guest binary and the harness.

/// Marks the end of a complete guest run (printed after every test ran).
pub const DONE_MARKER: &str = "GUEST-DONE";

/// One guest test's verdict: `Err` says why it failed.
pub type TestResult = Result<(), String>;

/// Prints the verdict of one named test as the line [`parse`] reads.
pub fn report(name: &str, result: TestResult) {
    println!("{}", verdict_line(name, &result));
}

/// `PASS name`, or `FAIL name: why` with the reason kept on one line.
pub fn verdict_line(name: &str, result: &TestResult) -> String {
    match result {
        Ok(()) => format!("PASS {name}"),
        Err(why) => format!("FAIL {name}: {}", why.replace('\n', " | ")),
    }
}

/// `Ok` when `condition` holds, else `Err(why)`.
pub fn check(condition: bool, why: impl Into<String>) -> TestResult {
    if condition {
        Ok(())
    } else {
        Err(why.into())
    }
}

/// What the console said about one run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub passed: Vec<String>,
    /// (name, reason)
    pub failed: Vec<(String, String)>,
    /// `BENCH` lines, without the prefix.
    pub bench: Vec<String>,
    pub done: bool,
}

impl Outcome {
    /// Names of `expected` that have no PASS line (failed or never ran).
    pub fn missing<'a>(&self, expected: &[&'a str]) -> Vec<&'a str> {
        expected.iter().copied().filter(|name| !self.passed.iter().any(|p| p == name)).collect()
    }
}

/// Reads `PASS name`, `FAIL name: why`, `BENCH ...` and the done marker from console text
/// (kernel messages and carriage returns in between are ignored).
pub fn parse(console: &str) -> Outcome {
    let mut outcome = Outcome::default();
    for line in console.lines().map(|l| l.trim_end_matches('\r').trim()) {
        if let Some(name) = line.strip_prefix("PASS ") {
            outcome.passed.push(name.trim().to_owned());
        } else if let Some(rest) = line.strip_prefix("FAIL ") {
            let (name, why) = rest.split_once(':').unwrap_or((rest, ""));
            outcome.failed.push((name.trim().to_owned(), why.trim().to_owned()));
        } else if let Some(bench) = line.strip_prefix("BENCH ") {
            outcome.bench.push(bench.to_owned());
        } else if line == DONE_MARKER {
            outcome.done = true;
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_that_did_not_run_is_missing() {
        let outcome = parse("[    1.0] uhid: loaded\r\nPASS a\r\nFAIL b: timed out\nBENCH x 1 us\nGUEST-DONE\n");
        assert_eq!(outcome.passed, ["a"]);
        assert_eq!(outcome.failed, [("b".to_owned(), "timed out".to_owned())]);
        assert_eq!(outcome.bench, ["x 1 us"]);
        assert!(outcome.done);
        assert_eq!(outcome.missing(&["a", "b", "c"]), ["b", "c"]);
    }

    #[test]
    fn verdict_lines_read_back_as_the_same_verdicts() {
        let lines = [verdict_line("a", &Ok(())), verdict_line("b", &Err("first\nsecond".to_owned()))].join("\n");
        let outcome = parse(&lines);
        assert_eq!(outcome.passed, ["a"]);
        assert_eq!(outcome.failed, [("b".to_owned(), "first | second".to_owned())]);
    }

    #[test]
    fn no_done_marker_means_the_run_broke_off() {
        assert!(!parse("PASS a\n").done);
    }
}
