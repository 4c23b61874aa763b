//! `import`: scenarios from the fixtures of three demo systems (`tests/fixtures/import/`,
//! written from their public documentation: Weaveworks' Sock Shop, the OpenTelemetry demo
//! and DeathStarBench's social network), each source alone and merged, taken through
//! import → validate → run → whatif; what each source contributes; errors at their place;
//! determinism. Also the peers' CLI conventions: completions, the man page, --quiet.

use std::path::Path;

use blastradius::scenario::{DepSpec, ModeSpec, Scenario, ServiceSpec, TargetSpec};

use crate::util::bin;

fn fixture(rel: &str) -> String {
    format!("{}/tests/fixtures/import/{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary; returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = bin().args(args).output().expect("run blastradius");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "{args:?} panicked:\n{err}");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        err,
    )
}

/// Imports with `sources` (flag, fixture) into `dir/out.ron`; returns its path and text.
fn import(dir: &Path, sources: &[(&str, &str)], extra: &[&str]) -> (String, String) {
    let out = dir.join("out.ron").to_string_lossy().into_owned();
    let mut args: Vec<String> = vec!["import".into()];
    for (flag, f) in sources {
        args.push(flag.to_string());
        args.push(fixture(f));
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(["--out".to_string(), out.clone()]);
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = run(&a);
    assert_eq!(code, 0, "{a:?}:\n{err}");
    assert!(err.contains("imported "), "no summary: {err}");
    let text = std::fs::read_to_string(&out).expect("written");
    (out, text)
}

/// The import → validate → run → whatif path; returns the parsed scenario.
fn full_path(sources: &[(&str, &str)], extra: &[&str]) -> Scenario {
    let dir = tempfile::tempdir().unwrap();
    let (out, text) = import(dir.path(), sources, extra);
    // The library's loader accepts it with no error.
    let loaded = blastradius::model::load_str("imported.ron", &text)
        .unwrap_or_else(|e| panic!("{sources:?}: does not load:\n{e}\n{text}"));
    let (code, stdout, err) = run(&["validate", &out]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains(": ok: "), "{stdout}");
    assert!(
        err.contains("marked ASSUMPTION") && err.contains("horizon: \"7d\""),
        "validate does not list the assumptions: {err}"
    );
    let json = dir.path().join("run.json");
    let (code, _, err) = run(&[
        "run",
        &out,
        "--trials",
        "64",
        "--quiet",
        "--format",
        "json",
        "--out",
        json.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(
        v["services"].as_array().unwrap().len(),
        loaded.model.services.len()
    );
    let (code, stdout, err) = run(&["whatif", &out, "--quiet", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let w: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    // One row per site and one per service.
    assert_eq!(
        w["rows"].as_array().map(Vec::len),
        Some(loaded.model.sites.len() + loaded.model.services.len()),
        "{stdout}"
    );
    // The parsed scenario itself (`Loaded` keeps it only when it declares `params`).
    blastradius::scenario::parse("imported.ron", &text).expect("it loaded above")
}

fn service<'a>(s: &'a Scenario, id: &str) -> &'a ServiceSpec {
    s.services
        .iter()
        .find(|x| x.id == id)
        .unwrap_or_else(|| panic!("no service {id}"))
}

/// The dependency of `from` on `on`: None if absent, Some(share) (1.0 for hard).
fn dep(s: &Scenario, from: &str, on: &str) -> Option<f64> {
    service(s, from)
        .depends_on
        .iter()
        .find(|d| matches!(d.target(), TargetSpec::Id(x) if x == on))
        .map(|d| match d {
            DepSpec::Id(_) | DepSpec::AnyOf(_) => 1.0,
            DepSpec::Full(f) => f.share.unwrap_or(1.0),
        })
}

fn min(s: &Scenario, id: &str) -> u64 {
    match service(s, id).mode {
        Some(ModeSpec::ActiveActive { min }) => min,
        ref m => panic!("{id}: mode {m:?}"),
    }
}

const SOCK_JAEGER: (&str, &str) = ("--jaeger", "sock-shop/jaeger.json");
const SOCK_ZIPKIN: (&str, &str) = ("--zipkin", "sock-shop/zipkin.json");
const SOCK_OTEL: (&str, &str) = ("--otel-servicegraph", "sock-shop/otel-servicegraph.prom");
const SOCK_CATALOG: (&str, &str) = ("--backstage", "sock-shop/catalog-info.yaml");
const SOCK_K8S: (&str, &str) = ("--kubernetes", "sock-shop/kubernetes.json");
const OTEL_CATALOG: (&str, &str) = ("--backstage", "otel-demo/catalog-info.yaml");
const OTEL_GRAPH: (&str, &str) = ("--otel-servicegraph", "otel-demo/otel-servicegraph.prom");
const SN_JAEGER: (&str, &str) = ("--jaeger", "social-network/jaeger.json");
const SN_K8S: (&str, &str) = ("--kubernetes", "social-network/kubernetes.json");
const SN_TRACES: (&str, &str) = ("--jaeger", "social-network/jaeger-traces.json");
const SOCK_TRACES: (&str, &str) = ("--zipkin", "sock-shop/zipkin-traces.json");

/// The journeys of an imported scenario: (name, weight, needs).
fn journeys(s: &Scenario) -> Vec<(String, f64, Vec<String>)> {
    s.journeys
        .iter()
        .map(|j| (j.name.clone(), j.weight.unwrap(), j.needs.clone()))
        .collect()
}

#[test]
fn each_source_alone_goes_through_validate_run_and_whatif() {
    for src in [
        SOCK_JAEGER,
        SOCK_ZIPKIN,
        SOCK_OTEL,
        SOCK_CATALOG,
        SOCK_K8S,
        OTEL_CATALOG,
        OTEL_GRAPH,
        SN_JAEGER,
        SN_K8S,
        SN_TRACES,
        SOCK_TRACES,
    ] {
        let s = full_path(&[src], &[]);
        assert!(!s.services.is_empty(), "{src:?}");
    }
}

#[test]
fn traces_give_services_and_hard_edges_unplaced() {
    let s = full_path(&[SOCK_JAEGER], &[]);
    assert_eq!(s.services.len(), 14);
    assert_eq!(dep(&s, "front-end", "catalogue"), Some(1.0));
    assert_eq!(dep(&s, "orders", "payment"), Some(1.0));
    assert_eq!(service(&s, "carts").replicas, ["unplaced"]);
    assert_eq!(service(&s, "carts").users, 0);
    // Zipkin's file gives the same graph (less session-db, which it does not trace).
    let z = full_path(&[SOCK_ZIPKIN], &[]);
    assert_eq!(z.services.len(), 13);
    assert_eq!(dep(&z, "shipping", "rabbitmq"), Some(1.0));
}

/// Jaeger traces give the call edges the dependency links give (as many calls as spans),
/// and each root span's service and operation as a journey, needing the root's service
/// first, then every other service its traces touch, weighted by its share of the traces
/// (6, 3 and 1 of 10). Dependency links give no journeys.
#[test]
fn jaeger_traces_give_edges_and_entry_operations_as_journeys() {
    let s = full_path(&[SN_TRACES], &[]);
    assert_eq!(s.services.len(), 12);
    assert_eq!(dep(&s, "nginx-thrift", "home-timeline-service"), Some(1.0));
    assert_eq!(
        dep(&s, "home-timeline-service", "social-graph-service"),
        Some(1.0)
    );
    assert_eq!(dep(&s, "text-service", "url-shorten-service"), Some(1.0));
    assert!(dep(&s, "post-storage-service", "home-timeline-service").is_none());
    let strs = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let j = journeys(&s);
    assert_eq!(
        j[0],
        (
            "nginx-thrift: /wrk2-api/home-timeline/read".to_string(),
            0.6,
            strs(&[
                "nginx-thrift",
                "home-timeline-service",
                "post-storage-service"
            ])
        )
    );
    assert_eq!(
        j[1],
        (
            "nginx-thrift: /wrk2-api/user-timeline/read".to_string(),
            0.3,
            strs(&[
                "nginx-thrift",
                "post-storage-service",
                "user-timeline-service"
            ])
        )
    );
    assert_eq!(j[2].0, "nginx-thrift: /wrk2-api/post/compose");
    assert_eq!(j[2].1, 0.1);
    assert_eq!(j[2].2.len(), 12, "the compose trace touches every service");
    let dir = tempfile::tempdir().unwrap();
    let (_, text) = import(dir.path(), &[SN_TRACES], &[]);
    assert!(
        text.contains("weight: 0.6, needs: [")
            && text.contains("jaeger-traces.json: 6 of 10 traces"),
        "{text}"
    );
    assert!(full_path(&[SN_JAEGER], &[]).journeys.is_empty());
}

/// Zipkin traces with client and server sharing a span id: the call goes from the
/// client's service to the server's; databases and the queue, untraced, come from the
/// client spans' remote endpoints; the producer's call to the queue is asynchronous, so
/// partial. The journeys are the front end's three routes, 5, 3 and 2 of 10 traces.
#[test]
fn zipkin_traces_with_shared_spans_and_remote_endpoints() {
    let s = full_path(&[SOCK_TRACES], &[]);
    assert_eq!(dep(&s, "front-end", "catalogue"), Some(1.0));
    assert_eq!(dep(&s, "catalogue", "catalogue-db"), Some(1.0));
    assert_eq!(dep(&s, "orders", "payment"), Some(1.0));
    assert_eq!(dep(&s, "shipping", "rabbitmq"), Some(0.5));
    assert!(dep(&s, "front-end", "front-end").is_none());
    assert!(dep(&s, "front-end", "payment").is_none(), "orders calls it");
    let j = journeys(&s);
    let names: Vec<(&str, f64)> = j.iter().map(|x| (x.0.as_str(), x.1)).collect();
    assert_eq!(
        names,
        [
            ("front-end: get /catalogue", 0.5),
            ("front-end: get /cart", 0.3),
            ("front-end: post /orders", 0.2)
        ]
    );
    assert_eq!(j[0].2, ["front-end", "catalogue", "catalogue-db"]);
    assert_eq!(
        j[2].2,
        [
            "front-end",
            "carts",
            "carts-db",
            "orders",
            "orders-db",
            "payment",
            "rabbitmq",
            "shipping",
            "user",
            "user-db"
        ]
    );
    // Traces and links together: the same services, the journeys from the traces.
    let both = full_path(&[SOCK_TRACES, SOCK_JAEGER], &[]);
    assert_eq!(both.journeys.len(), 3);
}

#[test]
fn messaging_edges_are_partial_and_soft_below_uses_call_fractions() {
    let s = full_path(&[SOCK_OTEL], &[]);
    assert_eq!(dep(&s, "shipping", "queue-master"), Some(0.5));
    assert_eq!(dep(&s, "front-end", "carts"), Some(1.0));
    // The connector's `user` virtual node is not a service; the `user` service is.
    assert!(dep(&s, "user", "front-end").is_none());
    assert_eq!(dep(&s, "user", "user-db"), Some(1.0));
    // front-end's calls: session-db 81,202, catalogue 48,210, carts 21,544, user 9,873,
    // orders 2,120 of 162,949.
    let soft = full_path(&[SOCK_OTEL], &["--soft-below", "0.1"]);
    assert_eq!(dep(&soft, "front-end", "orders"), Some(0.013));
    assert_eq!(dep(&soft, "front-end", "user"), Some(0.061));
    assert_eq!(dep(&soft, "front-end", "carts"), Some(1.0));
    assert_eq!(dep(&soft, "front-end", "session-db"), Some(1.0));
}

#[test]
fn the_catalog_gives_groups_users_sites_and_api_dependencies() {
    let s = full_path(&[OTEL_CATALOG], &[]);
    let fp = service(&s, "frontend-proxy");
    assert_eq!(fp.users, 120_000);
    assert_eq!(fp.replicas, ["dc-east", "dc-west"]);
    assert_eq!(fp.group, "OpenTelemetry demo: Astronomy Shop");
    assert_eq!(fp.name.as_deref(), Some("Frontend proxy"));
    // consumesApis frontend-http, which frontend provides.
    assert_eq!(dep(&s, "frontend-proxy", "frontend"), Some(1.0));
    assert_eq!(dep(&s, "checkout", "payment"), Some(1.0));
    assert_eq!(dep(&s, "cart", "valkey-cart"), Some(1.0));
    assert!(
        matches!(&service(&s, "cart").restart, Some(blastradius::scenario::DistSpec::Fixed(r)) if r == "15m")
    );
}

#[test]
fn the_cluster_gives_zones_nodes_replicas_and_budgets() {
    let s = full_path(&[SOCK_K8S], &[]);
    // One region, three zones, six nodes.
    assert_eq!(s.sites.len(), 10);
    let fe = service(&s, "front-end");
    assert_eq!(fe.replicas.len(), 3);
    assert!(fe
        .replicas
        .iter()
        .all(|r| r.starts_with("eu-west-1/eu-west-1")));
    assert_eq!(min(&s, "front-end"), 2); // minAvailable: 2
    assert_eq!(min(&s, "carts"), 1); // maxUnavailable: 1 of 2
    assert_eq!(min(&s, "orders"), 1); // minAvailable: 50% of 2
    assert_eq!(min(&s, "payment"), 1); // no budget
    assert_eq!(service(&s, "carts-db").replicas.len(), 1);
    // kube-proxy's DaemonSet pods are not services.
    assert!(s.services.iter().all(|x| !x.id.starts_with("kube-proxy")));
    let sn = full_path(&[SN_K8S], &[]);
    assert_eq!(sn.services.len(), 27);
    assert_eq!(min(&sn, "nginx-thrift"), 2);
    assert_eq!(min(&sn, "home-timeline-service"), 1); // maxUnavailable 50% of 2
}

#[test]
fn traces_catalog_and_cluster_merge_by_service_name() {
    let s = full_path(&[SOCK_JAEGER, SOCK_CATALOG, SOCK_K8S], &[]);
    assert_eq!(s.services.len(), 14, "one service per name");
    assert!(s.sites.iter().all(|x| x.id != "unplaced"));
    let fe = service(&s, "front-end");
    assert_eq!((fe.users, fe.replicas.len()), (25_000, 3));
    assert_eq!(min(&s, "front-end"), 2);
    assert_eq!(dep(&s, "orders", "shipping"), Some(1.0));
    assert_eq!(dep(&s, "queue-master", "rabbitmq"), Some(1.0));
    // All five Sock Shop files: a messaging edge that the catalog does not give stays partial.
    let all = full_path(
        &[SOCK_JAEGER, SOCK_ZIPKIN, SOCK_OTEL, SOCK_CATALOG, SOCK_K8S],
        &[],
    );
    assert_eq!(all.services.len(), 14);
    assert_eq!(dep(&all, "shipping", "queue-master"), Some(0.5));
    // An edge that one source reads as hard stays hard whatever another says.
    let soft = full_path(&[SOCK_OTEL, SOCK_CATALOG], &["--soft-below", "0.1"]);
    assert_eq!(dep(&soft, "front-end", "user"), Some(1.0));
    // The OpenTelemetry demo: catalog + servicegraph; the social network: Jaeger + cluster.
    let otel = full_path(&[OTEL_CATALOG, OTEL_GRAPH], &[]);
    assert_eq!(dep(&otel, "checkout", "accounting"), Some(0.5));
    assert_eq!(service(&otel, "load-generator").replicas, ["unplaced"]);
    let sn = full_path(&[SN_JAEGER, SN_K8S], &["--soft-below", "0.05"]);
    assert_eq!(dep(&sn, "compose-post-service", "text-service"), Some(1.0));
    assert_eq!(
        dep(&sn, "nginx-thrift", "social-graph-service"),
        Some(0.009)
    );
    assert!(sn.sites.iter().all(|x| x.id != "unplaced"));
}

#[test]
fn values_name_their_source_or_are_marked() {
    let dir = tempfile::tempdir().unwrap();
    let (_, text) = import(dir.path(), &[SOCK_JAEGER, SOCK_CATALOG, SOCK_K8S], &[]);
    for line in text.lines() {
        let t = line.trim();
        for field in ["users:", "replicas:", "mode:", "restart:", "horizon:"] {
            if t.starts_with(field) {
                assert!(
                    t.contains("// ASSUMPTION:") || t.contains(".json") || t.contains(".yaml"),
                    "neither sourced nor marked: {t}"
                );
            }
        }
    }
    assert!(text.contains("users: 25000, // Backstage "), "{text}");
    assert!(
        text.contains("// ASSUMPTION: default users of carts"),
        "{text}"
    );
    assert!(
        text.contains("PodDisruptionBudget front-end minAvailable 2"),
        "{text}"
    );
}

#[test]
fn output_is_deterministic() {
    let d1 = tempfile::tempdir().unwrap();
    let d2 = tempfile::tempdir().unwrap();
    let srcs = [SOCK_OTEL, SOCK_CATALOG, SOCK_K8S, SOCK_JAEGER];
    let (_, a) = import(d1.path(), &srcs, &["--soft-below", "0.1"]);
    let (_, b) = import(d2.path(), &srcs, &["--soft-below", "0.1"]);
    assert_eq!(a, b);
    // To standard output, the same bytes.
    let mut args = vec!["import", "--quiet"];
    let paths: Vec<(String, String)> = srcs
        .iter()
        .map(|(f, p)| (f.to_string(), fixture(p)))
        .collect();
    for (f, p) in &paths {
        args.push(f);
        args.push(p);
    }
    args.extend(["--soft-below", "0.1"]);
    let (code, stdout, stderr) = run(&args);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(stdout, a);
}

/// Writes `text` as `name` in a fresh directory; returns the directory and the path.
fn bad_file(name: &str, text: &str) -> (tempfile::TempDir, String) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join(name);
    std::fs::write(&p, text).unwrap();
    let s = p.to_string_lossy().into_owned();
    (d, s)
}

/// Imports with a bad `flag FILE`, into an existing output that must survive; returns stderr.
fn refused(flag: &str, file: &str, extra: &[&str]) -> String {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("keep.ron");
    std::fs::write(&out, "before").unwrap();
    let mut args = vec!["import", flag, file];
    args.extend(extra);
    args.extend(["--out", out.to_str().unwrap()]);
    let (code, stdout, err) = run(&args);
    assert_eq!(code, 2, "{args:?}: {err}");
    assert!(stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "before",
        "half an import written"
    );
    assert_eq!(
        std::fs::read_dir(d.path()).unwrap().count(),
        1,
        "a temporary file is left"
    );
    err
}

#[test]
fn bad_input_is_an_error_at_its_place_and_writes_nothing() {
    let (_d, f) = bad_file("deps.json", "{\"data\": [\n  {\"parent\": \"a\", \"child\": \"b\"},\n  {\"parent\": \"a\" \"child\": \"c\"}\n]}");
    let err = refused("--jaeger", &f, &[]);
    assert!(
        err.contains(&format!("{f}:3:")) && err.contains("not valid Jaeger"),
        "{err}"
    );

    let (_d, f) = bad_file("deps.json", "{\"links\": []}");
    let err = refused("--zipkin", &f, &[]);
    assert!(err.contains(&f) && err.contains("Zipkin"), "{err}");

    let (_d, f) = bad_file(
        "g.prom",
        "# TYPE x counter\ntraces_service_graph_request_total{client=\"a\",server=\"b} 1\n",
    );
    let err = refused("--otel-servicegraph", &f, &[]);
    assert!(err.contains(&format!("{f}:2:")), "{err}");

    let (_d, f) = bad_file(
        "c.yaml",
        "kind: Component\nmetadata:\n  name: a\n  title: [unclosed\n",
    );
    let err = refused("--backstage", &f, &[]);
    assert!(
        err.contains(&format!("{f}:")) && err.contains("Backstage"),
        "{err}"
    );

    let catalog = "kind: Component\nmetadata:\n  name: web\nspec:\n  dependsOn:\n    - component:cart\n---\nkind: Component\nmetadata:\n  name: carts\n";
    let (_d, f) = bad_file("c.yaml", catalog);
    let err = refused("--backstage", &f, &[]);
    assert!(
        err.contains(&format!("{f}:6:"))
            && err.contains("component:cart")
            && err.contains("did you mean `carts`"),
        "{err}"
    );

    let k8s = std::fs::read_to_string(fixture("sock-shop/kubernetes.json")).unwrap();
    let node = "ip-10-0-33-20.eu-west-1.compute.internal";
    let first_pod = k8s
        .find("\"nodeName\": \"ip-10-0-33-20")
        .expect("a pod on that node");
    let bad = format!(
        "{}\"nodeName\": \"ghost-node\"{}",
        &k8s[..first_pod],
        &k8s[first_pod + 12 + node.len() + 4..]
    );
    let line = bad[..first_pod].lines().count();
    let (_d, f) = bad_file("k.json", &bad);
    let err = refused("--kubernetes", &f, &[]);
    assert!(
        err.contains(&format!("{f}:{line}:")) && err.contains("ghost-node"),
        "{err}"
    );

    // Traces whose span names no service, or that are not traces.
    let (_d, f) = bad_file(
        "traces.json",
        r#"{"data": [{"traceID": "1", "spans": [{"spanID": "a", "processID": "p9"}], "processes": {}}]}"#,
    );
    let err = refused("--jaeger", &f, &[]);
    assert!(
        err.contains(&f) && err.contains("`data[0]`: `spans[0]` names no service"),
        "{err}"
    );
    let (_d, f) = bad_file("traces.json", r#"[[{"traceId": "1", "id": "a"}]]"#);
    let err = refused("--zipkin", &f, &[]);
    assert!(
        err.contains("`[0][0]`: a span without localEndpoint.serviceName"),
        "{err}"
    );
    let (_d, f) = bad_file("traces.json", r#"[[], 3]"#);
    let err = refused("--zipkin", &f, &[]);
    assert!(
        err.contains("`[1]`: expected a trace, an array of spans"),
        "{err}"
    );

    let (code, _, err) = run(&["import"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("at least one source"), "{err}");
    let (code, _, err) = run(&[
        "import",
        "--jaeger",
        &fixture("sock-shop/jaeger.json"),
        "--soft-below",
        "2",
    ]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(&["import", "--jaeger", "/nonexistent/deps.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("/nonexistent/deps.json"), "{err}");
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (code, out, err) = run(&["completions", shell]);
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains("blastradius") && out.contains("import"),
            "{shell}"
        );
    }
    let (code, out, _) = run(&["man"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with(".ie") || out.contains(".TH blastradius"),
        "{}",
        &out[..200.min(out.len())]
    );
    let d = tempfile::tempdir().unwrap();
    let (code, _, err) = run(&[
        "man",
        "--dir",
        d.path().to_str().unwrap(),
        "--out",
        "/dev/null",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(d.path().join("blastradius-import.1").exists());
}

#[test]
fn every_command_that_writes_accepts_quiet() {
    let ex = crate::util::example();
    let d = tempfile::tempdir().unwrap();
    let part = d.path().join("p.json");
    for args in [
        vec!["whatif", ex.as_str(), "--quiet"],
        vec!["graph", ex.as_str(), "-q"],
        vec!["generate", "--services", "5", "--quiet"],
        vec!["validate", ex.as_str(), "--quiet"],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
    }
    let (code, _, err) = run(&[
        "run",
        &ex,
        "--trials",
        "128",
        "--shard",
        "0/1",
        "--quiet",
        "--out",
        part.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&[
        "merge",
        part.to_str().unwrap(),
        "--quiet",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
}

/// What `cargo install --path .` gives needs no file beside it: the built binary, run
/// from `/`, imports, validates and runs with absolute paths only.
#[test]
fn runs_from_any_directory() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("s.ron");
    let ok = |args: &[&str]| {
        let o = bin().current_dir("/").args(args).output().unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    let k8s = fixture("social-network/kubernetes.json");
    let jaeger = fixture("social-network/jaeger.json");
    let out_s = out.to_str().unwrap();
    ok(&[
        "import",
        "-q",
        "--jaeger",
        &jaeger,
        "--kubernetes",
        &k8s,
        "-o",
        out_s,
    ]);
    ok(&["validate", "-q", out_s]);
    ok(&["run", "-q", "--trials", "32", out_s, "-o", "/dev/null"]);
}
