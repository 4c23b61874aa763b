//! Hostile input: every file in `tests/hostile/` and a set of generated monsters (deep
//! site trees, a million services, a 50 MB file, binary garbage, deep brackets), each run
//! through the built binary with a time limit and a memory limit. Each must be answered
//! with a clear error (exit code 2, `file:line:col` where a place exists) or a correct
//! result, never a panic, an abort, a stack overflow or a hang.
//!
//! Files in `tests/hostile/` carry their expectations in leading comments:
//! `// expect: exit N`, `// args: run --trials 10 -q` (default `validate`; the file is
//! put after the command word), and any number of `// stdout: text` and
//! `// stderr: text` lines that the output must contain.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::bin;

/// Wall-clock limit of one command (debug build, on a loaded 2-core machine).
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// Address-space limit of one command, in KiB (`ulimit -v`): 8 GiB. Generous for the
/// thread stacks and allocator arenas that count against it; a runaway allocation is
/// still stopped long before it takes the machine.
const MEMORY_LIMIT_KIB: u64 = 8 * 1024 * 1024;

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs the binary in `dir` with `args`, under the time and memory limits. Output goes
/// to files (a pipe could fill up and stall the child).
fn run_in(dir: &Path, args: &[&str]) -> Ran {
    run_limited(dir, args, TIME_LIMIT)
}

fn run_limited(dir: &Path, args: &[&str], limit: Duration) -> Ran {
    let out_path = tempfile::NamedTempFile::new().expect("temp file");
    let err_path = tempfile::NamedTempFile::new().expect("temp file");
    let started = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_LIMIT_KIB}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_blastradius"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out_path.reopen().expect("reopen"))
        .stderr(err_path.reopen().expect("reopen"))
        .spawn()
        .expect("spawn");
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`blastradius {}` took more than {limit:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let ran = Ran {
        code: status.code(),
        stdout: String::from_utf8_lossy(&std::fs::read(out_path.path()).unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&std::fs::read(err_path.path()).unwrap()).into_owned(),
        elapsed: started.elapsed(),
    };
    assert!(
        !ran.stderr.contains("panicked") && !ran.stderr.contains("stack overflow"),
        "`blastradius {}` crashed:\n{}",
        args.join(" "),
        ran.stderr
    );
    assert!(
        ran.code.is_some(),
        "`blastradius {}` was killed by a signal ({status:?}):\n{}",
        args.join(" "),
        ran.stderr
    );
    // Statistics are finite: a NaN or an infinity in any output is a bug.
    for bad in ["NaN", "inf\"", ": inf", "Infinity"] {
        assert!(
            !ran.stdout.contains(bad),
            "`blastradius {}` printed {bad}:\n{}",
            args.join(" "),
            ran.stdout
        );
    }
    ran
}

fn hostile_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile")
}

mod files {
    use super::*;

    struct Expect {
        exit: i32,
        args: Vec<String>,
        stdout: Vec<String>,
        stderr: Vec<String>,
    }

    fn expectations(text: &str) -> Expect {
        let mut e = Expect {
            exit: -1,
            args: vec!["validate".into()],
            stdout: Vec::new(),
            stderr: Vec::new(),
        };
        for line in text.trim_start_matches('\u{feff}').lines() {
            let Some(c) = line.trim_end_matches('\r').strip_prefix("// ") else {
                continue;
            };
            if let Some(v) = c.strip_prefix("expect: exit ") {
                e.exit = v.trim().parse().expect("exit code");
            } else if let Some(v) = c.strip_prefix("args: ") {
                e.args = v.split_whitespace().map(String::from).collect();
            } else if let Some(v) = c.strip_prefix("stdout: ") {
                e.stdout.push(v.to_string());
            } else if let Some(v) = c.strip_prefix("stderr: ") {
                e.stderr.push(v.to_string());
            }
        }
        e
    }

    /// Every committed hostile file, each answered as its comments say.
    #[test]
    fn every_file_gets_its_expected_answer() {
        let dir = hostile_dir();
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .expect("tests/hostile")
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".ron"))
            .collect();
        names.sort();
        assert!(names.len() >= 40, "only {} hostile files", names.len());
        let mut failures = Vec::new();
        for name in &names {
            let text =
                String::from_utf8_lossy(&std::fs::read(dir.join(name)).unwrap()).into_owned();
            let e = expectations(&text);
            assert!(e.exit >= 0, "{name}: no `// expect: exit N` line");
            let mut args: Vec<&str> = e.args.iter().map(String::as_str).collect();
            args.insert(1, name);
            let r = run_in(&dir, &args);
            let mut problems = Vec::new();
            if r.code != Some(e.exit) {
                problems.push(format!("exit {:?}, expected {}", r.code, e.exit));
            }
            for s in &e.stdout {
                if !r.stdout.contains(s.as_str()) {
                    problems.push(format!("stdout lacks {s:?}"));
                }
            }
            for s in &e.stderr {
                if !r.stderr.contains(s.as_str()) {
                    problems.push(format!("stderr lacks {s:?}"));
                }
            }
            if e.exit == 2 && !r.stderr.starts_with("error: ") {
                problems.push("an error must start with `error: `".into());
            }
            if !problems.is_empty() {
                failures.push(format!(
                    "{name}: {}\n--- stderr:\n{}\n--- stdout (start):\n{}",
                    problems.join("; "),
                    r.stderr,
                    r.stdout.chars().take(600).collect::<String>()
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    }
}

/// Scenarios too big to commit, written to a temporary directory at test time.
mod generated {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) {
        let mut f = std::fs::File::create(dir.join(name)).unwrap();
        f.write_all(bytes).unwrap();
    }

    fn located(stderr: &str, file: &str) -> bool {
        // `file:line:col: ` with a real line.
        stderr.lines().any(|l| {
            l.strip_prefix("error: ")
                .and_then(|l| l.strip_prefix(file))
                .and_then(|l| l.strip_prefix(':'))
                .is_some_and(|l| l.starts_with(|c: char| c.is_ascii_digit() && c != '0'))
        })
    }

    #[test]
    fn empty_file() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "empty.ron", b"");
        let r = run_in(d.path(), &["validate", "empty.ron"]);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert!(r.stderr.starts_with("error: empty.ron"), "{}", r.stderr);
    }

    #[test]
    fn binary_garbage_is_not_utf8() {
        let d = tempfile::tempdir().unwrap();
        // A fixed pseudo-random sequence (xorshift), with invalid UTF-8 on line 3.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut bytes = b"Scenario(\n  name: \"x\",\n  ".to_vec();
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            bytes.push((x >> 24) as u8);
        }
        bytes[28] = 0xff;
        write(d.path(), "garbage.ron", &bytes);
        let r = run_in(d.path(), &["validate", "garbage.ron"]);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert!(r.stderr.contains("garbage.ron:3:"), "{}", r.stderr);
        assert!(r.stderr.contains("not valid UTF-8"), "{}", r.stderr);
    }

    #[test]
    fn utf8_garbage_and_nul_bytes() {
        let d = tempfile::tempdir().unwrap();
        let mut x: u32 = 12345;
        let mut s = String::new();
        for _ in 0..50_000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            s.push(char::from_u32((x >> 8) % 0x3000).unwrap_or('\0'));
        }
        write(d.path(), "noise.ron", s.as_bytes());
        let r = run_in(d.path(), &["run", "noise.ron", "-q"]);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert!(located(&r.stderr, "noise.ron"), "{}", r.stderr);
    }

    #[test]
    fn deeply_nested_brackets_do_not_overflow_the_stack() {
        let d = tempfile::tempdir().unwrap();
        // `restart` accepts several shapes, so the parser buffers whatever is there: the
        // place where nesting is least checked.
        for (name, open, close) in [
            ("square.ron", "[", "]"),
            ("round.ron", "(", ")"),
            ("curly.ron", "{", "}"),
        ] {
            let text = format!(
                "Scenario(name: \"x\", horizon: \"1d\", sites: [(id: \"a\")],\n services: [(id: \"x\", replicas: [\"a\"], restart: {}{})])",
                open.repeat(200_000),
                close.repeat(200_000)
            );
            write(d.path(), name, text.as_bytes());
            let r = run_in(d.path(), &["validate", name]);
            assert_eq!(r.code, Some(2), "{}", r.stderr);
            assert!(r.stderr.contains("nested too deeply"), "{}", r.stderr);
            assert!(r.stderr.contains(&format!("{name}:2:")), "{}", r.stderr);
            assert!(r.stderr.len() < 300, "{}", r.stderr);
        }
        // And where only one shape fits.
        let text = format!(
            "Scenario(name: \"x\", horizon: \"1d\", sites: {}{}, services: [])",
            "[".repeat(200_000),
            "]".repeat(200_000)
        );
        write(d.path(), "sites.ron", text.as_bytes());
        let r = run_in(d.path(), &["validate", "sites.ron"]);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert!(located(&r.stderr, "sites.ron"), "{}", r.stderr);
    }

    #[test]
    fn a_site_tree_of_100_000_levels() {
        let d = tempfile::tempdir().unwrap();
        let n = 100_000;
        let mut t =
            String::from("Scenario(name: \"deep\", horizon: \"10d\", sites: [(id: \"s0\"),\n");
        for i in 1..n {
            t.push_str(&format!("(id: \"s{i}\", parent: \"s{}\"),\n", i - 1));
        }
        t.push_str(&format!(
            "], services: [(id: \"leaf\", users: 5, replicas: [\"s{}\"]), (id: \"mid\", users: 5, replicas: [\"s{}\", \"s{}\"], recovery_needs: [\"leaf\"]), (id: \"top\", users: 1, replicas: [\"s0\"], depends_on: [\"mid\"])],\n",
            n - 1,
            n / 2,
            n - 2
        ));
        t.push_str("events: [(name: \"root cut\", site: \"s0\", at: \"1h\", lasts: \"2h\"), (name: \"leaf fire\", site: \"s99990\", at: \"5h\", lasts: \"1d\", destroys: true)])\n");
        write(d.path(), "deep.ron", t.as_bytes());
        let r = run_in(d.path(), &["validate", "deep.ron"]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(r.stdout.contains("100000 sites"), "{}", r.stdout);
        // 100,000 sites are single points of failure: 50 are shown, the rest counted.
        assert!(
            r.stderr.contains("more single points of failure not shown"),
            "{}",
            r.stderr
        );
        let r = run_in(
            d.path(),
            &[
                "run", "deep.ron", "--trials", "20", "--format", "json", "-q",
            ],
        );
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(r.stdout.contains("\"id\": \"top\""), "{}", r.stdout);
        let r = run_in(d.path(), &["graph", "deep.ron"]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
    }

    #[test]
    fn a_parent_cycle_through_100_000_sites() {
        let d = tempfile::tempdir().unwrap();
        let n = 100_000;
        let mut t = String::from("Scenario(name: \"cycle\", horizon: \"1d\", sites: [\n");
        for i in 0..n {
            t.push_str(&format!("(id: \"s{i}\", parent: \"s{}\"),\n", (i + 1) % n));
        }
        t.push_str("], services: [(id: \"x\", replicas: [\"s0\"])])\n");
        write(d.path(), "cycle.ron", t.as_bytes());
        let r = run_in(d.path(), &["validate", "cycle.ron"]);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert!(r.stderr.contains("site parents form a cycle: s0 → s1 → s2"));
        assert!(r.stderr.contains("cycle.ron:2:"), "{}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "one cycle, one error");
    }

    #[test]
    fn a_million_services_with_no_edges() {
        let d = tempfile::tempdir().unwrap();
        let n = 1_000_000;
        let mut t = String::with_capacity(40 * n);
        t.push_str("Scenario(name: \"wide\", horizon: \"1d\", trials: 10, sites: [(id: \"a\"), (id: \"b\")], services: [\n");
        for i in 0..n {
            t.push_str(&format!("(id: \"s{i}\", replicas: [\"a\"]),\n"));
        }
        t.push_str("])\n");
        write(d.path(), "wide.ron", t.as_bytes());
        // About 3 s in a release build; 20–30 s in a debug build, more on a loaded machine.
        let r = run_limited(d.path(), &["validate", "wide.ron"], 2 * TIME_LIMIT);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(r.stdout.contains("1000000 services"), "{}", r.stdout);
        eprintln!("validate, 1,000,000 services: {:?}", r.elapsed);
    }

    #[test]
    fn a_million_bad_references_report_100_and_count_the_rest() {
        let d = tempfile::tempdir().unwrap();
        let n = 200_000;
        let mut t = String::from(
            "Scenario(name: \"refs\", horizon: \"1d\", sites: [(id: \"a\")], services: [(id: \"x\", replicas: [\"a\"], depends_on: [\n",
        );
        for i in 0..n {
            t.push_str(&format!("\"ghost-{i}\",\n"));
        }
        t.push_str("])])\n");
        write(d.path(), "refs.ron", t.as_bytes());
        let r = run_in(d.path(), &["validate", "refs.ron"]);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 101, "100 errors and a count");
        assert!(
            r.stderr
                .contains("and 199900 more problems not shown (only the first 100 are reported)"),
            "{}",
            r.stderr.lines().last().unwrap_or("")
        );
        assert!(located(&r.stderr, "refs.ron"), "{}", r.stderr);
    }

    #[test]
    fn duplicate_ids_by_the_hundred_thousand() {
        let d = tempfile::tempdir().unwrap();
        let mut t = String::from(
            "Scenario(name: \"dups\", horizon: \"1d\", sites: [(id: \"a\")], services: [\n",
        );
        for _ in 0..100_000 {
            t.push_str("(id: \"x\", replicas: [\"a\"]),\n");
        }
        t.push_str("])\n");
        write(d.path(), "dups.ron", t.as_bytes());
        let r = run_in(d.path(), &["validate", "dups.ron"]);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert!(r.stderr.contains("dups.ron:3:"), "{}", r.stderr);
        assert!(r.stderr.contains("more problems not shown"), "{}", r.stderr);
    }

    /// Two trials of a recovery cycle through 10,000 services, all blocked at once. The
    /// engine finds its members in one pass over strongly connected components (one
    /// search per blocked service, along the whole cycle, was quadratic: 0.5 s a trial in
    /// release); a debug build, as the tests run, still checks that pass against the
    /// quadratic searches, so this takes seconds here. The point is that it ends.
    #[test]
    fn a_dependency_chain_and_a_recovery_cycle_of_10_000_services() {
        let d = tempfile::tempdir().unwrap();
        let n = 10_000;
        let mut t = String::from(
            "Scenario(name: \"chain\", horizon: \"3d\", sites: [(id: \"a\"), (id: \"b\")], services: [\n",
        );
        for i in 0..n {
            let dep = if i > 0 {
                format!("depends_on: [\"s{}\"], ", i - 1)
            } else {
                String::new()
            };
            t.push_str(&format!(
                "(id: \"s{i}\", users: 1, replicas: [\"a\"], restart: \"1h\", {dep}recovery_needs: [\"s{}\"]),\n",
                (i + 1) % n
            ));
        }
        t.push_str("], events: [(name: \"cut\", site: \"a\", at: \"1h\", lasts: \"1h\")], recovery: (crews: 3, bootstrap: \"6h\"))\n");
        write(d.path(), "chain.ron", t.as_bytes());
        let r = run_in(d.path(), &["validate", "chain.ron"]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(
            r.stderr.contains("recovery-dependency cycle"),
            "{}",
            r.stderr
        );
        // The time limit guards against a hang, not a speed: the debug check is quadratic
        // (see above), and the integration tests run two at a time on CI's two cores.
        let r = run_limited(
            d.path(),
            &[
                "run",
                "chain.ron",
                "--trials",
                "2",
                "--format",
                "json",
                "-q",
            ],
            Duration::from_secs(240),
        );
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(
            r.stdout.contains("\"trials_with_deadlock\": 2"),
            "{}",
            r.stdout
        );
    }

    #[test]
    fn a_50_mb_file() {
        let d = tempfile::tempdir().unwrap();
        // 50 MB of description, then a small valid scenario.
        let mut t = String::with_capacity(51 << 20);
        t.push_str("Scenario(name: \"big\", description: \"");
        for _ in 0..(50 << 20) / 64 {
            t.push_str("A long description of a data center, repeated to fill the file. ");
        }
        t.push_str("\", horizon: \"1d\", sites: [(id: \"a\")], services: [(id: \"x\", users: 1, replicas: [\"a\"])])\n");
        write(d.path(), "big.ron", t.as_bytes());
        let r = run_in(
            d.path(),
            &["run", "big.ron", "--trials", "100", "--format", "csv", "-q"],
        );
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(r.stdout.contains('x'), "{}", r.stdout);
        eprintln!("run, 50 MB file: {:?}", r.elapsed);
    }

    #[test]
    fn a_file_beyond_the_size_limit_is_refused_before_reading() {
        let d = tempfile::tempdir().unwrap();
        // Sparse: 300 MB long, nothing written.
        let f = std::fs::File::create(d.path().join("huge.ron")).unwrap();
        f.set_len(300 << 20).unwrap();
        let r = run_in(d.path(), &["validate", "huge.ron"]);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert!(r.stderr.contains("limited to 256 MiB"), "{}", r.stderr);
    }

    #[test]
    fn a_directory_and_a_missing_file() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("dir.ron")).unwrap();
        let r = run_in(d.path(), &["validate", "dir.ron"]);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert!(r.stderr.contains("cannot read dir.ron"), "{}", r.stderr);
        let r = run_in(d.path(), &["validate", "missing.ron"]);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert!(r.stderr.contains("cannot read missing.ron"), "{}", r.stderr);
    }

    #[test]
    fn too_many_variants_for_the_scenario_size() {
        let d = tempfile::tempdir().unwrap();
        let mut t = String::from(
            "Scenario(name: \"variants\", horizon: \"1d\", sites: [(id: \"a\")], services: [\n",
        );
        for i in 0..20_000 {
            t.push_str(&format!("(id: \"s{i}\", replicas: [\"a\"]),\n"));
        }
        t.push_str("], variants: [\n");
        for i in 0..6_000 {
            t.push_str(&format!("(name: \"v{i}\"),\n"));
        }
        t.push_str("])\n");
        write(d.path(), "variants.ron", t.as_bytes());
        let r = run_in(d.path(), &["validate", "variants.ron"]);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert!(
            r.stderr.contains("put the variants in several files"),
            "{}",
            r.stderr
        );
        assert!(located(&r.stderr, "variants.ron"), "{}", r.stderr);
    }
}

/// Command lines that ask for the impossible.
mod options {
    use super::*;
    use crate::util::example;

    #[test]
    fn absurd_trials_are_refused_with_the_size_of_the_run() {
        let r = run_in(
            Path::new("."),
            &["run", &example(), "--trials", "18446744073709551615", "-q"],
        );
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        for want in [
            "too big",
            "service-trials",
            "--trials",
            "--precision",
            "--shard K/N",
            "years",
        ] {
            assert!(r.stderr.contains(want), "lacks {want:?}: {}", r.stderr);
        }
    }

    /// The analyses that play each trial several times are sized before they start, like
    /// `run`, and the message says what the plays are.
    #[test]
    fn absurd_trials_are_refused_by_every_analysis() {
        for (command, plays) in [
            ("portal", "counterfactual"),
            ("importance", "each site always down"),
            ("compare", "once per arm"),
            ("risk", "per_year"),
            ("report", "the base run, and portal"),
        ] {
            let r = run_in(
                Path::new("."),
                &[
                    command,
                    &example(),
                    "--trials",
                    "18446744073709551615",
                    "-q",
                ],
            );
            assert_eq!(r.code, Some(2), "{command}: {}", r.stderr);
            let site = if command == "importance" {
                "--site"
            } else {
                ""
            };
            for want in [
                "too big",
                "service-trials",
                "--trials",
                "years",
                plays,
                site,
            ] {
                assert!(
                    r.stderr.contains(want),
                    "{command} lacks {want:?}: {}",
                    r.stderr
                );
            }
        }
    }

    #[test]
    fn bad_numbers_on_the_command_line() {
        let f = example();
        for (args, want) in [
            (vec!["--threads", "0"], "--threads must be at least 1"),
            (vec!["--trials", "0"], "--trials must be at least 1"),
            (
                vec!["--precision", "NaN"],
                "--precision must be a positive number",
            ),
            (
                vec!["--precision=-1"],
                "--precision must be a positive number",
            ),
            (vec!["--trials", "-5"], "error"),
            (vec!["--seed", "99999999999999999999999"], "error"),
        ] {
            let mut a = vec!["run", f.as_str(), "-q"];
            a.extend(args.iter().copied());
            let r = run_in(Path::new("."), &a);
            assert_eq!(r.code, Some(2), "{args:?}: {}", r.stderr);
            assert!(r.stderr.contains(want), "{args:?}: {}", r.stderr);
        }
    }
}

/// Output files survive a run killed part-way.
mod output {
    use super::*;

    /// `run --out existing.json` killed (SIGKILL) in the middle of the simulation: the old
    /// file is intact and no temporary file is left. The temporary file is only created
    /// once the results are complete (`report::output::write`), so a kill during the
    /// simulation never leaves one; a kill during the final write itself (a few
    /// milliseconds) can leave a hidden `.blastradius-*.tmp` beside the output.
    #[test]
    fn a_killed_run_leaves_the_existing_output_intact() {
        let d = tempfile::tempdir().unwrap();
        let r = run_in(
            d.path(),
            &["generate", "--services", "5000", "--out", "big.ron"],
        );
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        let old = b"{\"previous\": \"results\"}\n";
        std::fs::write(d.path().join("existing.json"), old).unwrap();
        let mut child = bin()
            .args([
                "run",
                "big.ron",
                "--trials",
                "10000000",
                "--format",
                "json",
                "-q",
                "--out",
                "existing.json",
            ])
            .current_dir(d.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run should still be going"
        );
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(std::fs::read(d.path().join("existing.json")).unwrap(), old);
        let left: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "temporary files left: {left:?}");
    }
}
