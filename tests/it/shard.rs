//! `run --shard K/N` and `merge`: four shard processes merged give the same bytes as one
//! unsharded run; parts of different runs are refused with a clear error.

use std::path::Path;
use std::process::Command;

use crate::util::{bin, scenario};

fn ok(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn shards(dir: &Path, file: &str, n: u64, extra: &[&str]) -> Vec<String> {
    // The shards run as separate processes at the same time, as on a cluster.
    let children: Vec<_> = (0..n)
        .map(|k| {
            let out = dir.join(format!("part-{k}.json"));
            let child = bin()
                .args([
                    "run", file, "--trials", "1000", "--seed", "4", "--quiet", "--shard",
                ])
                .arg(format!("{k}/{n}"))
                .args(extra)
                .arg("--out")
                .arg(&out)
                .spawn()
                .expect("spawns");
            (child, out)
        })
        .collect();
    children
        .into_iter()
        .map(|(mut c, out)| {
            assert!(c.wait().unwrap().success());
            out.to_string_lossy().into_owned()
        })
        .collect()
}

#[test]
fn four_shards_merge_to_the_bytes_of_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let f = scenario("kakao-1015.ron");
    let parts = shards(dir.path(), &f, 4, &[]);
    let whole = ok(bin().args([
        "run", &f, "--trials", "1000", "--seed", "4", "--format", "json",
    ]));
    let mut merge = bin();
    merge.arg("merge");
    // Any order of parts.
    for p in parts.iter().rev() {
        merge.arg(p);
    }
    let merged = ok(merge.args(["--format", "json"]));
    assert_eq!(
        String::from_utf8(merged).unwrap(),
        String::from_utf8(whole).unwrap()
    );
    // Tables too.
    let table = ok(bin().args(["run", &f, "--trials", "1000", "--seed", "4"]));
    let mut merge = bin();
    merge.arg("merge").args(&parts);
    assert_eq!(ok(&mut merge), table);
}

/// Journey statistics travel in the parts: merged, they give the bytes of one run.
#[test]
fn journeys_shard_and_merge_to_the_bytes_of_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let text = crate::journeys::with_journeys(
        &std::fs::read_to_string(scenario("kakao-1015.ron")).unwrap(),
        r#"(name: "send a message", users: 47000000, needs: ["kakao-account", "kakaotalk-text"]),
           (name: "call a taxi", users: 30000000, needs: ["kakao-account", "kakao-t"])"#,
    );
    let f = dir.path().join("journeys.ron");
    std::fs::write(&f, text).unwrap();
    let f = f.to_string_lossy().into_owned();
    let parts = shards(dir.path(), &f, 3, &[]);
    let whole = ok(bin().args([
        "run", &f, "--trials", "1000", "--seed", "4", "--format", "json",
    ]));
    let whole = String::from_utf8(whole).unwrap();
    assert!(whole.contains("\"name\": \"call a taxi\""), "{whole}");
    let merged = ok(bin().arg("merge").args(&parts).args(["--format", "json"]));
    assert_eq!(String::from_utf8(merged).unwrap(), whole);
    for format in ["table", "csv", "markdown"] {
        let one = ok(bin().args([
            "run", &f, "--trials", "1000", "--seed", "4", "--format", format,
        ]));
        let merged = ok(bin().arg("merge").args(&parts).args(["--format", format]));
        assert_eq!(merged, one, "{format}");
    }
}

#[test]
fn a_variant_shards_and_merges_too() {
    let dir = tempfile::tempdir().unwrap();
    let f = scenario("design-example.ron");
    let v = "Ops tools active-active in two data centers";
    let parts = shards(dir.path(), &f, 3, &["--variant", v]);
    let whole = ok(bin().args([
        "run",
        &f,
        "--trials",
        "1000",
        "--seed",
        "4",
        "--format",
        "json",
        "--variant",
        v,
    ]));
    let merged = ok(bin().arg("merge").args(&parts).args(["--format", "json"]));
    assert_eq!(merged, whole);
}

fn merge_err(parts: &[&str]) -> String {
    let out = bin().arg("merge").args(parts).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn parts_of_different_runs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = shards(dir.path(), &scenario("design-example.ron"), 2, &[]);
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let b = shards(&other, &scenario("naver-1015.ron"), 2, &[]);
    let e = merge_err(&[&a[0], &b[1]]);
    assert!(
        e.contains("parts of different runs: another scenario"),
        "{e}"
    );
    let e = merge_err(&[&a[0]]);
    assert!(e.contains("missing shards: 1/2"), "{e}");
    let e = merge_err(&[&a[0], &a[0], &a[1]]);
    assert!(e.contains("are both shard 0/2"), "{e}");
    let seeds = dir.path().join("seed");
    std::fs::create_dir(&seeds).unwrap();
    let out = seeds.join("p1.json");
    assert!(bin()
        .args([
            "run",
            &scenario("design-example.ron"),
            "--trials",
            "1000",
            "--seed",
            "5",
            "--shard",
            "1/2",
            "--quiet",
            "--out"
        ])
        .arg(&out)
        .status()
        .unwrap()
        .success());
    let e = merge_err(&[&a[0], &out.to_string_lossy()]);
    assert!(e.contains("another seed (5 vs 4)"), "{e}");
    let e = merge_err(&[&scenario("design-example.ron")]);
    assert!(e.contains("is not a partial result"), "{e}");
    // A part whose sketches were written with another window (an edited file) is refused,
    // not merged into something no run gives.
    let text = std::fs::read_to_string(&a[1]).unwrap();
    assert!(
        text.contains("\"window\":1024"),
        "the part records its sketch windows"
    );
    // Merges the first part with the second one edited.
    let edited = dir.path().join("edited.json");
    let with_edit = |new_text: String| {
        std::fs::write(&edited, new_text).unwrap();
        merge_err(&[&a[0], &edited.to_string_lossy()])
    };
    let e = with_edit(text.replacen("\"window\":1024", "\"window\":512", 1));
    assert!(
        e.contains("damaged partial result: the sketches' windows differ"),
        "{e}"
    );
    // Every window changed alike: a well-formed part, but not of this run's layout.
    let e = with_edit(text.replace("\"window\":1024", "\"window\":2048"));
    assert!(e.contains("does not match its scenario"), "{e}");
    // Or with a format version this blastradius does not read.
    let e = with_edit(text.replacen("\"format_version\":3", "\"format_version\":2", 1));
    assert!(e.contains("format version Some(2)"), "{e}");
}

#[test]
fn shard_refuses_precision_and_bad_indices() {
    let f = scenario("design-example.ron");
    let out = bin().args(["run", &f, "--shard", "4/4"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must be below N"));
    let out = bin()
        .args(["run", &f, "--shard", "0/2", "--precision", "0.1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--precision cannot be combined with --shard"));
}

mod deploy {
    //! The cluster examples in `deploy/` call `deploy/run-shard.sh` (with the index from
    //! `JOB_COMPLETION_INDEX` on Kubernetes, `SLURM_ARRAY_TASK_ID` on Slurm) and
    //! `deploy/merge.sh`. These tests run those very scripts, the way each engine would,
    //! and check the result against an unsharded run.
    use super::*;

    fn root() -> &'static str {
        env!("CARGO_MANIFEST_DIR")
    }

    fn script(name: &str, results: &Path, index_var: Option<(&str, u64)>) -> Command {
        let mut c = Command::new("bash");
        c.arg(format!("{}/deploy/{name}", root()))
            .env("BLASTRADIUS", env!("CARGO_BIN_EXE_blastradius"))
            .env("SCENARIO", scenario("kakao-1015.ron"))
            .env("SHARD_COUNT", "3")
            .env("TRIALS", "700")
            .env("SEED", "1015")
            .env("RESULTS", results)
            .env_remove("SHARD_INDEX")
            .env_remove("JOB_COMPLETION_INDEX")
            .env_remove("SLURM_ARRAY_TASK_ID");
        if let Some((var, k)) = index_var {
            c.env(var, k.to_string());
        }
        c
    }

    #[test]
    fn kubernetes_and_slurm_scripts_give_the_unsharded_result() {
        let whole = ok(bin().args([
            "run",
            &scenario("kakao-1015.ron"),
            "--trials",
            "700",
            "--seed",
            "1015",
            "--format",
            "json",
        ]));
        for var in ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID", "SHARD_INDEX"] {
            let dir = tempfile::tempdir().unwrap();
            for k in 0..3 {
                ok(&mut script("run-shard.sh", dir.path(), Some((var, k))));
            }
            ok(&mut script("merge.sh", dir.path(), None));
            let merged = std::fs::read(dir.path().join("result.json")).unwrap();
            assert_eq!(merged, whole, "shard index from {var}");
        }
    }

    #[test]
    fn run_shard_without_an_index_fails_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let out = script("run-shard.sh", dir.path(), None).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("no shard index"));
    }

    #[test]
    fn manifests_call_the_tested_scripts_with_matching_shard_counts() {
        let job =
            std::fs::read_to_string(format!("{}/deploy/kubernetes/blastradius-job.yaml", root()))
                .unwrap();
        assert!(job.contains("completionMode: Indexed"));
        assert!(job.contains("command: [\"/usr/local/bin/run-shard.sh\"]"));
        let count = |key: &str| {
            job.lines()
                .find_map(|l| l.trim().strip_prefix(key))
                .map(|v| v.trim().trim_matches('"').to_string())
        };
        assert_eq!(count("completions:"), count("parallelism:"));
        let shard_count = job
            .split("name: SHARD_COUNT")
            .nth(1)
            .and_then(|r| r.lines().nth(1))
            .map(|l| {
                l.trim()
                    .trim_start_matches("value:")
                    .trim()
                    .trim_matches('"')
                    .to_string()
            });
        assert_eq!(
            shard_count,
            count("completions:"),
            "SHARD_COUNT must equal completions"
        );
        let merge = std::fs::read_to_string(format!(
            "{}/deploy/kubernetes/blastradius-merge.yaml",
            root()
        ))
        .unwrap();
        assert!(merge.contains("/usr/local/bin/merge.sh"));
        let sbatch =
            std::fs::read_to_string(format!("{}/deploy/slurm/shards.sbatch", root())).unwrap();
        assert!(sbatch.contains("#SBATCH --array=0-7"));
        assert!(sbatch.contains("SHARD_COUNT=\"${SHARD_COUNT:-8}\""));
        assert!(sbatch.contains("run-shard.sh"));
        let docker = std::fs::read_to_string(format!("{}/deploy/Dockerfile", root())).unwrap();
        assert!(docker.contains("deploy/run-shard.sh deploy/merge.sh /usr/local/bin/"));
    }
}
