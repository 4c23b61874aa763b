//! `blastradius report` end to end: the HTML is one self-contained file with every
//! section; its structure (headings, table headers) in both languages is a snapshot;
//! text from the scenario is escaped in the HTML, the Markdown and the SVGs; the
//! outage/error split follows `--outage-threshold`; Markdown writes its images beside it;
//! and headless Chromium draws the page without a console message.
//!
//! Runs use few trials: the numbers are not what is tested here (`tests/it/run.rs` is).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{bin, scenario, scenario_file};

/// Runs `report` with `args` and returns its stdout and stderr; panics on failure.
fn report(args: &[&str]) -> (String, String) {
    let out = bin().arg("report").args(args).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    (String::from_utf8(out.stdout).expect("utf-8"), stderr)
}

/// The HTML report of `file` on stdout.
fn html(file: &str, extra: &[&str]) -> String {
    let mut args = vec![file, "--trials", "64", "--seed", "3", "--out", "-"];
    args.extend_from_slice(extra);
    report(&args).0
}

/// Every `<tag>…</tag>` text in order (the tags the structure snapshot cares about).
fn texts_of(html: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(k) = rest.find(&open) {
        let after = &rest[k + open.len()..];
        // `<th` must not match `<thead`.
        if !after.starts_with('>') && !after.starts_with(' ') {
            rest = after;
            continue;
        }
        let body_start = after.find('>').expect("tag closes") + 1;
        let body_end = after.find(&close).expect("element closes");
        out.push(after[body_start..body_end].to_string());
        rest = &after[body_end..];
    }
    out
}

/// The report's outline: title, section and sub-section headings, table headers, figure
/// ids. No numbers from the simulation appear in any of them.
fn outline(html: &str) -> String {
    let mut s = String::new();
    for h in texts_of(html, "h1") {
        s.push_str(&format!("# {h}\n"));
    }
    for line in html.lines() {
        for tag in ["h2", "h3"] {
            for t in texts_of(line, tag) {
                s.push_str(&format!("{} {t}\n", if tag == "h2" { "##" } else { "###" }));
            }
        }
        let ths = texts_of(line, "th");
        if line.starts_with("<thead>") && !ths.is_empty() {
            s.push_str(&format!("| {} |\n", ths.join(" | ")));
        }
        if let Some(id) = line.strip_prefix("<figure id=\"") {
            s.push_str(&format!(
                "[figure {}]\n",
                id.split('"').next().unwrap_or("")
            ));
        }
    }
    s
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

mod html {
    use super::*;

    #[test]
    fn is_one_self_contained_file() {
        let h = html(&scenario("design-example.ron"), &[]);
        assert!(h.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(h.contains("Content-Security-Policy"));
        assert!(h.trim_end().ends_with("</html>"));
        // Nothing is fetched and nothing runs: no scripts, no external references. The
        // only URLs are SVG's XML namespace, which is a name, not a fetch.
        let lower = h.to_lowercase();
        for bad in [
            "<script", "<link", "<img", "<iframe", "@import", "url(http", "src=",
        ] {
            assert!(!lower.contains(bad), "found {bad}");
        }
        let without_ns = lower.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assert!(!without_ns.contains("http://") && !without_ns.contains("https://"));
        // The XML declaration of a standalone SVG has no place inside HTML.
        assert!(!h.contains("<?xml"));
    }

    #[test]
    fn has_every_section_chart_and_the_graph() {
        let h = html(&scenario("design-example.ron"), &[]);
        for id in [
            "findings",
            "tables",
            "charts",
            "risk",
            "graph",
            "assumptions",
            "reproducibility",
        ] {
            assert!(h.contains(&format!("<section id=\"{id}\">")), "{id}");
        }
        for fig in [
            "downtime",
            "recovery",
            "blast-radius",
            "designs",
            "f-n",
            "dependency-graph",
        ] {
            let start = h
                .find(&format!("<figure id=\"fig-{fig}\">"))
                .unwrap_or_else(|| panic!("figure {fig}"));
            let body = &h[start..start + h[start..].find("</figure>").unwrap()];
            assert!(body.contains("<svg"), "{fig} has an SVG");
            assert!(
                body.contains("<rect") || body.contains("<path") || body.contains("<polyline"),
                "{fig} draws something"
            );
        }
    }

    #[test]
    fn reproducibility_block_names_the_command_seed_trials_and_digest() {
        let f = scenario("design-example.ron");
        let h = html(&f, &[]);
        let repro = &h[h.find("<section id=\"reproducibility\">").unwrap()..];
        assert!(repro.contains(env!("CARGO_PKG_VERSION")));
        assert!(repro.contains("<strong>SHA-256</strong> — "));
        let digest = repro.split("<strong>SHA-256</strong> — ").nth(1).unwrap();
        assert!(digest[..64].chars().all(|c| c.is_ascii_hexdigit()));
        assert!(repro.contains(&format!(
            "blastradius report {f} --trials 64 --seed 3 --lang en --outage-threshold 50 --format html --out -"
        )));
    }

    #[test]
    fn is_the_same_bytes_whatever_the_thread_count() {
        let f = scenario("design-example.ron");
        let a = html(&f, &["--threads", "1"]);
        let b = html(&f, &["--threads", "2"]);
        assert!(a == b, "reports differ between 1 and 2 threads");
    }
}

mod structure {
    use super::*;

    #[test]
    fn english() {
        let h = html(&scenario("design-example.ron"), &[]);
        insta::assert_snapshot!("outline_en", outline(&h));
    }

    #[test]
    fn korean() {
        let h = html(&scenario("design-example.ron"), &["--lang", "ko"]);
        assert!(h.starts_with("<!DOCTYPE html>\n<html lang=\"ko\">"));
        assert!(h.contains("서비스 장애") && h.contains("서비스 오류"));
        insta::assert_snapshot!("outline_ko", outline(&h));
    }
}

/// Single-loss findings say how many services a loss leaves unable to recover.
mod single_losses {
    use super::*;

    /// Losing site a takes the switch and web (which cannot fail over without it) and
    /// leaves mail, served from b, unable to fail over later.
    const FAILOVER: &str = r#"Scenario(name: "failover", horizon: "1d",
        sites: [(id: "a", kind: DataCenter), (id: "b", kind: DataCenter)],
        services: [
            (id: "switch", replicas: ["a"]),
            (id: "web", users: 10, replicas: ["a", "b"], mode: ActiveStandby(failover: "1h", success: 1.0), recovery_needs: ["switch"]),
            (id: "mail", users: 5, replicas: ["b", "a"], mode: ActiveStandby(failover: "1h", success: 1.0), recovery_needs: ["switch"]),
        ],
        events: [(name: "fire", site: "a", lasts: "2h")],
    )"#;

    #[test]
    fn name_the_services_left_unable_to_recover_in_both_languages() {
        let (_dir, f) = scenario_file(FAILOVER);
        let f = f.as_str();
        let en = html(f, &[]);
        assert!(
            en.contains("takes down 2 services with 10 users")
                && en.contains("It leaves 1 service unable to recover."),
            "{en}"
        );
        let ko = html(f, &["--lang", "ko"]);
        assert!(ko.contains("서비스 1개는 복구할 수단을 잃습니다."), "{ko}");
    }
}

/// A scenario whose every piece of free text is markup.
const HOSTILE: &str = r#"Scenario(
    name: "<script>alert('name')</script>",
    description: "<img src=x onerror=alert(1)> & more",
    sources: ["<a href=\"javascript:alert(2)\">source</a>"],
    horizon: "1d",
    sites: [(id: "dc", name: "<b>dc</b>"), (id: "dc2", name: "</svg><script>alert(5)</script>")],
    services: [
        (id: "x", name: "<script>alert(1)</script>", users: 100, replicas: ["dc"],
         description: "</pre><script>alert(3)</script>"),
        (id: "y", name: "y | *bold* [link](http://evil)", users: 50, replicas: ["dc2"],
         depends_on: [(on: "x", share: 0.5)]),
    ],
    events: [(name: "<script>alert(4)</script>", site: "dc", lasts: "2h")],
    variants: [(name: "<script>alert(6)</script>", cost: 10.0,
                services: [(id: "x", name: "<script>alert(1)</script>", users: 100,
                            replicas: ["dc", "dc2"])])],
)"#;

mod escaping {
    use super::*;

    fn hostile_file(dir: &Path) -> String {
        let p = dir.join("hostile.ron");
        std::fs::write(&p, HOSTILE).unwrap();
        p.to_string_lossy().into_owned()
    }

    #[test]
    fn scenario_text_is_text_in_the_html_and_its_svgs() {
        let d = tempdir();
        let h = html(&hostile_file(d.path()), &[]);
        let lower = h.to_lowercase();
        assert!(!lower.contains("<script"), "a script tag got through");
        assert!(!lower.contains("<img"));
        assert!(!lower.contains("javascript:alert(2)\">"));
        assert!(!lower.contains("<b>"));
        assert!(h.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        // The service name is drawn in the downtime chart and the graph (both SVG).
        for fig in ["downtime", "dependency-graph"] {
            let start = h.find(&format!("<figure id=\"fig-{fig}\">")).unwrap();
            let body = &h[start..start + h[start..].find("</figure>").unwrap()];
            assert!(
                body.contains("&lt;script&gt;"),
                "{fig} shows the name as text"
            );
        }
    }

    #[test]
    fn scenario_text_is_text_in_the_markdown_and_its_svg_files() {
        let d = tempdir();
        let f = hostile_file(d.path());
        let out = d.path().join("r.md");
        report(&[
            &f,
            "--trials",
            "32",
            "--format",
            "markdown",
            "--out",
            out.to_str().unwrap(),
        ]);
        let md = std::fs::read_to_string(&out).unwrap();
        // Outside code blocks (the scenario has no notes, so there are none), every `<` is
        // escaped and so shows as itself.
        for (k, _) in md.match_indices('<') {
            assert!(
                k > 0 && md.as_bytes()[k - 1] == b'\\',
                "unescaped < at {k}: {md}"
            );
        }
        assert!(md.contains("\\<script\\>alert(1)\\</script\\>"));
        assert!(md.contains("y \\| \\*bold\\* \\[link\\](http://evil)"));
        let files = d.path().join("r-files");
        let mut svgs = 0;
        for e in std::fs::read_dir(&files).unwrap() {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
            assert!(!text.to_lowercase().contains("<script"));
            svgs += 1;
        }
        assert!(svgs >= 4);
    }
}

mod severity {
    use super::*;

    /// `web` loses 30 % of its users while `cdn` is down (2 h, every trial); `api`
    /// goes fully down with `db`.
    const TEXT: &str = r#"Scenario(name: "t", horizon: "1d",
        sites: [(id: "a"), (id: "b")],
        services: [
            (id: "cdn", name: "CDN", replicas: ["b"]),
            (id: "db", name: "DB", replicas: ["b"]),
            (id: "web", name: "Web", users: 10, replicas: ["a"], depends_on: [(on: "cdn", share: 0.3)]),
            (id: "api", name: "API", users: 20, replicas: ["a"], depends_on: ["db"]),
        ],
        events: [(name: "power", site: "b", lasts: "2h")],
    )"#;

    /// The Markdown row of service `name` in the services table.
    fn row(md: &str, name: &str) -> String {
        md.lines()
            .find(|l| l.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("no row for {name}"))
            .to_string()
    }

    fn markdown(threshold: &str) -> String {
        let d = tempdir();
        let f = d.path().join("t.ron");
        std::fs::write(&f, TEXT).unwrap();
        let out = d.path().join("t.md");
        report(&[
            f.to_str().unwrap(),
            "--trials",
            "16",
            "--format",
            "markdown",
            "--outage-threshold",
            threshold,
            "--out",
            out.to_str().unwrap(),
        ]);
        std::fs::read_to_string(out).unwrap()
    }

    #[test]
    fn a_small_share_lost_is_an_error_a_large_one_an_outage() {
        // Columns: service | users | P(affected) | P(outage) | P(error) | …
        let md = markdown("50");
        assert!(md.contains("P(outage, ≥50%) | P(error, \\<50%)"));
        assert!(row(&md, "Web").starts_with("| Web | 10 | 100% | 0% | 100% |"));
        assert!(row(&md, "API").starts_with("| API | 20 | 100% | 100% | 0% |"));
        let md = markdown("30%");
        assert!(row(&md, "Web").starts_with("| Web | 10 | 100% | 100% | 0% |"));
        let md = markdown("31");
        assert!(row(&md, "Web").starts_with("| Web | 10 | 100% | 0% | 100% |"));
    }

    #[test]
    fn thresholds_outside_1_to_100_are_usage_errors() {
        for bad in ["0", "101", "half", "50.5"] {
            let out = bin()
                .args([
                    "report",
                    &scenario("design-example.ron"),
                    "--outage-threshold",
                    bad,
                ])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{bad}");
        }
    }
}

mod markdown {
    use super::*;

    #[test]
    fn writes_the_text_and_every_image_it_links() {
        let d = tempdir();
        let out = d.path().join("policy report.md");
        report(&[
            &scenario("design-example.ron"),
            "--trials",
            "32",
            "--format",
            "markdown",
            "--out",
            out.to_str().unwrap(),
        ]);
        let md = std::fs::read_to_string(&out).unwrap();
        assert!(md.starts_with("# Blast-radius report: "));
        let links: Vec<&str> = md
            .lines()
            .filter_map(|l| l.strip_prefix("![").and_then(|r| r.split("](").nth(1)))
            .map(|r| r.trim_end_matches(')'))
            .collect();
        assert_eq!(links.len(), 7, "{md}");
        for l in links {
            let rel = l.replace("%20", " ");
            assert!(rel.starts_with("policy report-files/"));
            let svg = std::fs::read_to_string(d.path().join(&rel)).unwrap();
            assert!(svg.starts_with("<svg"), "{rel}");
        }
        // No temporary files are left behind.
        let names: Vec<PathBuf> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn to_standard_output_is_a_usage_error() {
        let out = bin()
            .args([
                "report",
                &scenario("design-example.ron"),
                "--format",
                "markdown",
                "--out",
                "-",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
    }
}

/// Headless Chromium opens the report as a person would and must log nothing to its
/// console (no blocked fetch, no script, no CSP violation) and draw every chart. Skipped
/// when Chromium is not installed, except on CI, where `.ci/run` installs it.
mod browser {
    use super::*;

    fn chromium() -> Option<PathBuf> {
        ["chromium", "chromium-browser", "google-chrome"]
            .iter()
            .find_map(|name| {
                std::env::var_os("PATH").and_then(|paths| {
                    std::env::split_paths(&paths)
                        .map(|p| p.join(name))
                        .find(|p| p.is_file())
                })
            })
    }

    #[test]
    fn chromium_draws_the_report_without_console_messages() {
        let Some(chrome) = chromium() else {
            assert!(
                std::env::var_os("CI").is_none(),
                "Chromium is missing on CI: .ci/run installs it"
            );
            eprintln!("skipped: no chromium on PATH");
            return;
        };
        let d = tempdir();
        let page = d.path().join("report.html");
        report(&[
            &scenario("design-example.ron"),
            "--trials",
            "64",
            "--lang",
            "ko",
            "--out",
            page.to_str().unwrap(),
        ]);
        let profile = tempdir();
        let out = Command::new(chrome)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("file://{}", page.display()))
            .output()
            .expect("chromium runs");
        let dom = String::from_utf8_lossy(&out.stdout);
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{log}");
        let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
        assert!(console.is_empty(), "console messages: {console:#?}");
        // The browser parsed every figure into an SVG element with drawn shapes.
        for fig in [
            "downtime",
            "recovery",
            "blast-radius",
            "designs",
            "f-n",
            "dependency-graph",
        ] {
            let start = dom
                .find(&format!("<figure id=\"fig-{fig}\">"))
                .unwrap_or_else(|| panic!("figure {fig} in the DOM"));
            let body = &dom[start..start + dom[start..].find("</figure>").unwrap()];
            assert!(body.contains("<svg"), "{fig}");
            assert!(body.contains("<path") || body.contains("<rect"), "{fig}");
        }
    }

    /// A script, run in a copy of the report (its Content-Security-Policy removed, as
    /// the report itself runs none), that measures the laid-out page and appends the
    /// measures as JSON in `<pre id="measure">`.
    const MEASURE: &str = r##"<script>
(function () {
  var W = document.documentElement.clientWidth, over = [];
  function inScroller(e) {
    for (var p = e.parentElement; p; p = p.parentElement) {
      var x = getComputedStyle(p).overflowX;
      if (x == "auto" || x == "scroll") return true;
    }
    return false;
  }
  document.querySelectorAll("body *").forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.width > 0 && r.right > W + 1 && !inScroller(e)) over.push(e.tagName + " " + e.id);
  });
  var g = document.querySelector("#fig-dependency-graph svg");
  var box = g.parentElement.getBoundingClientRect();
  var out = { width: W, scroll_width: document.documentElement.scrollWidth, over: over,
    graph_width: g.getBoundingClientRect().width, graph_box: box.width,
    ellipses: g.querySelectorAll("ellipse").length };
  var pre = document.createElement("pre");
  pre.id = "measure";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"##;

    /// At 1,280 and 800 px, nothing overflows the page (wide tables scroll inside their
    /// box or wrap), the dependency graph fits the page's width, and every service is
    /// drawn in it.
    #[test]
    fn the_report_fits_the_page_at_1280_and_800_px() {
        let Some(chrome) = chromium() else {
            assert!(
                std::env::var_os("CI").is_none(),
                "Chromium is missing on CI: .ci/run installs it"
            );
            eprintln!("skipped: no chromium on PATH");
            return;
        };
        let d = tempdir();
        let page = d.path().join("report.html");
        report(&[
            &scenario("kakao-1015.ron"),
            "--trials",
            "64",
            "--out",
            page.to_str().unwrap(),
        ]);
        let html = std::fs::read_to_string(&page).unwrap();
        // The number of services, from `validate`'s summary ("…: ok: 11 sites, 38 services, …").
        let summary = crate::util::stdout(&["validate", &scenario("kakao-1015.ron")]);
        let services: u64 = summary
            .split(", ")
            .find_map(|p| p.strip_suffix(" services"))
            .and_then(|n| n.parse().ok())
            .expect("validate names the services");
        let csp_start = html
            .find("<meta http-equiv=\"Content-Security-Policy\"")
            .unwrap();
        let csp_end = csp_start + html[csp_start..].find('>').unwrap() + 1;
        let measured = format!("{}{}", &html[..csp_start], &html[csp_end..])
            .replace("</body>", &format!("{MEASURE}</body>"));
        let copy = d.path().join("measured.html");
        std::fs::write(&copy, measured).unwrap();
        for width in [1280, 800] {
            let profile = tempdir();
            let out = Command::new(&chrome)
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--hide-scrollbars",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--dump-dom",
                ])
                .arg(format!("--window-size={width},900"))
                .arg(format!("--user-data-dir={}", profile.path().display()))
                .arg(format!("file://{}", copy.display()))
                .output()
                .expect("chromium runs");
            let dom = String::from_utf8_lossy(&out.stdout);
            let tag = "<pre id=\"measure\">";
            let start = dom.find(tag).expect("the script ran") + tag.len();
            let json = dom[start..start + dom[start..].find("</pre>").unwrap()]
                .replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&");
            let m: serde_json::Value = serde_json::from_str(&json).unwrap();
            let w = m["width"].as_f64().unwrap();
            assert!(w > width as f64 * 0.9 && w <= width as f64, "{m}");
            assert!(
                m["scroll_width"].as_f64().unwrap() <= w,
                "the page scrolls sideways at {width} px: {m}"
            );
            assert_eq!(m["over"], serde_json::json!([]), "at {width} px");
            assert!(
                m["graph_width"].as_f64().unwrap() <= m["graph_box"].as_f64().unwrap() + 0.5,
                "the graph is wider than the page at {width} px: {m}"
            );
            assert_eq!(
                m["ellipses"], services,
                "every service drawn, at {width} px: {m}"
            );
        }
    }
}
