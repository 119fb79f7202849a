#!/usr/bin/env python3
"""Structural checks of deploy/ that need neither Docker nor a cluster.

Called by deploy/check.sh, one subcommand per check; each prints what it
checked and exits non-zero with a list of problems when something is wrong.
Only the standard library and PyYAML are used.
"""

import json
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parent
ROOT = DEPLOY.parent
PROMETHEUS = DEPLOY / "prometheus"
GRAFANA = DEPLOY / "grafana"
COMPOSE = DEPLOY / "compose"
K8S = DEPLOY / "k8s"

# The jobs the alert rules and dashboards select on.
JOBS = {"borderflow-ingest", "borderflow-aggregator"}
SEVERITIES = {"critical", "warning", "info"}
TEAMS = {"platform", "border-operations", "security"}
RUNBOOK_URL = "https://github.com/borderflow/borderflow/blob/main/deploy/prometheus/RUNBOOK.md#"


class Problems(list):
    def report(self, summary):
        if self:
            print(f"{len(self)} problem(s):")
            for p in self:
                print(f"  - {p}")
            sys.exit(1)
        print(summary)


def rel(path):
    return str(Path(path).resolve().relative_to(ROOT))


def files(base, *suffixes):
    return sorted(p for p in base.rglob("*") if p.is_file() and p.name.endswith(suffixes)
                  and "node_modules" not in p.parts)


def yaml_docs(path):
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def rules_files():
    return sorted(p for p in PROMETHEUS.glob("*rules*.yml"))


def alert_rules():
    for path in rules_files():
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    yield path, group["name"], rule


def code_env_vars():
    """Every BORDERFLOW_* environment variable a binary reads (clap `env =`)."""
    names = set()
    for src in list((ROOT / "services").rglob("*.rs")) + list((ROOT / "simulator").rglob("*.rs")):
        names.update(re.findall(r'env\s*=\s*"(BORDERFLOW_[A-Z0-9_]+)"', src.read_text()))
    return names


def code_topics():
    """The default topic names, from services/common/src/kafka.rs."""
    text = (ROOT / "services/common/src/kafka.rs").read_text()
    return dict(re.findall(r'pub const ([A-Z_]+): &\'static str = "(borderflow\.[a-z0-9.-]+)";', text))


# --------------------------------------------------------------------------


def check_yaml():
    problems, docs = Problems(), 0
    paths = files(DEPLOY, ".yml", ".yaml")
    for path in paths:
        try:
            docs += len(yaml_docs(path))
        except yaml.YAMLError as e:
            problems.append(f"{rel(path)}: {e}")
    problems.report(f"{len(paths)} YAML files, {docs} documents parse")


def check_json():
    problems = Problems()
    paths = files(DEPLOY, ".json")
    for path in paths:
        try:
            json.loads(path.read_text())
        except json.JSONDecodeError as e:
            problems.append(f"{rel(path)}: {e}")
    problems.report(f"{len(paths)} JSON files parse")


def check_alerts():
    """Labels, annotations and runbook of every alert; every alert tested
    firing and not firing; every rule file loaded by both configs."""
    problems = Problems()
    runbook = (PROMETHEUS / "RUNBOOK.md").read_text()
    headings = set(re.findall(r"^## (\S+)$", runbook, re.M))
    names = []
    for path, group, rule in alert_rules():
        name = rule["alert"]
        names.append(name)
        where = f"{rel(path)} {group}/{name}"
        labels, annotations = rule.get("labels", {}), rule.get("annotations", {})
        if labels.get("severity") not in SEVERITIES:
            problems.append(f"{where}: severity label must be one of {sorted(SEVERITIES)}")
        if labels.get("team") not in TEAMS:
            problems.append(f"{where}: team label must be one of {sorted(TEAMS)}")
        for key in ("summary", "description", "runbook_url"):
            if not annotations.get(key):
                problems.append(f"{where}: missing annotation {key}")
        if annotations.get("runbook_url") != RUNBOOK_URL + name.lower():
            problems.append(f"{where}: runbook_url must be {RUNBOOK_URL}{name.lower()}")
        if name not in headings:
            problems.append(f"{where}: no '## {name}' section in deploy/prometheus/RUNBOOK.md")
    if len(names) != len(set(names)):
        problems.append("duplicate alert names")
    for heading in headings - set(names):
        problems.append(f"RUNBOOK.md section {heading} has no alert")

    fired, quiet = set(), set()
    for test_file in sorted((PROMETHEUS / "tests").glob("*.yml")):
        for test in yaml.safe_load(test_file.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                (fired if case.get("exp_alerts") else quiet).add(case["alertname"])
    for name in names:
        if name not in fired:
            problems.append(f"{name}: no rule test where it fires")
        if name not in quiet:
            problems.append(f"{name}: no rule test where it stays quiet")

    for config in ("prometheus.yml", "prometheus-kubernetes.yml"):
        loaded = set(yaml.safe_load((PROMETHEUS / config).read_text()).get("rule_files", []))
        for path in rules_files():
            if path.name not in loaded:
                problems.append(f"{config}: rule_files does not load {path.name}")
    problems.report(f"{len(names)} alerts: severity/team labels, summary/description/runbook_url, "
                    f"RUNBOOK.md sections, tested firing and quiet, loaded by both configs")


def k8s_sd_free_copy(src, dst):
    """The Kubernetes scrape config with kubernetes_sd_configs swapped for
    empty static_configs, for a promtool built without Kubernetes discovery
    (Debian's): everything else (relabelling, rule files) is still checked."""
    config = yaml.safe_load(src.read_text())
    for section in config.get("scrape_configs", []) + config.get("alerting", {}).get("alertmanagers", []):
        if section.pop("kubernetes_sd_configs", None) is not None:
            section["static_configs"] = [{"targets": []}]
    rules = [str(PROMETHEUS / r) for r in config.get("rule_files", [])]
    config["rule_files"] = rules
    dst.write_text(yaml.safe_dump(config, sort_keys=False))


def grafana_vars(expr):
    expr = expr.replace("$__rate_interval", "5m").replace("$__interval", "1m").replace("$__range", "1h")
    return re.sub(r"\$\{?[A-Za-z_][A-Za-z0-9_]*(:[a-z]+)?\}?", "x", expr)


def check_dashboards(promtool):
    problems = Problems()
    uids, exprs = {}, []
    paths = sorted((GRAFANA / "dashboards").glob("*.json"))
    for path in paths:
        board = json.loads(path.read_text())
        where = rel(path)
        uid = board.get("uid")
        if not uid or uid in uids:
            problems.append(f"{where}: missing or duplicate uid {uid!r}")
        uids[uid] = where
        if "borderflow" not in board.get("tags", []):
            problems.append(f"{where}: not tagged borderflow (dashboard links use the tag)")
        variables = {v["name"] for v in board.get("templating", {}).get("list", [])}
        if "datasource" not in variables:
            problems.append(f"{where}: no datasource variable")
        ids = set()
        for panel in board.get("panels", []):
            pid, title = panel.get("id"), panel.get("title")
            if pid in ids:
                problems.append(f"{where}: duplicate panel id {pid}")
            ids.add(pid)
            pos = panel.get("gridPos", {})
            if pos.get("x", 0) + pos.get("w", 0) > 24:
                problems.append(f"{where}: panel {title!r} is wider than the grid")
            if panel.get("type") == "row":
                continue
            if not panel.get("targets"):
                problems.append(f"{where}: panel {title!r} has no query")
            for target in panel.get("targets", []):
                if target.get("datasource", {}).get("uid") != "${datasource}":
                    problems.append(f"{where}: panel {title!r} does not use the datasource variable")
                exprs.append((f"{where}: {title}", target["expr"]))
            for link in panel.get("fieldConfig", {}).get("defaults", {}).get("links", []) + [
                    l for o in panel.get("fieldConfig", {}).get("overrides", [])
                    for p in o["properties"] if p["id"] == "links" for l in p["value"]]:
                target_uid = re.match(r"/d/([^/?]+)", link["url"])
                if target_uid and target_uid.group(1) not in {json.loads(p.read_text())["uid"] for p in paths}:
                    problems.append(f"{where}: panel {title!r} links to unknown dashboard {target_uid.group(1)}")

    # Every query must be valid PromQL: promtool checks them as recording rules.
    with tempfile.TemporaryDirectory() as tmp:
        rules = {"groups": [{"name": "dashboards", "rules": [
            {"record": f"dashboard_query_{i}", "expr": grafana_vars(e)} for i, (_, e) in enumerate(exprs)]}]}
        path = Path(tmp) / "dashboard-queries.yml"
        path.write_text(yaml.safe_dump(rules, sort_keys=False))
        result = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True)
        if result.returncode != 0:
            problems.append("promtool rejects dashboard queries:\n" + result.stdout + result.stderr)

    # Provisioning agrees with the dashboards and with compose's mounts.
    datasources = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yml").read_text())["datasources"]
    if not any(d.get("uid") == "prometheus" and d.get("type") == "prometheus" for d in datasources):
        problems.append("provisioning: no Prometheus datasource with uid 'prometheus' (the dashboards' default)")
    providers = yaml.safe_load((GRAFANA / "provisioning/dashboards/borderflow.yml").read_text())["providers"]
    grafana = compose_file()["services"]["grafana"]
    for provider in providers:
        host = resolve_mount(grafana, provider["options"]["path"])
        if host is None or not (host.is_dir() and list(host.glob("*.json"))):
            problems.append(f"provider path {provider['options']['path']} is not the dashboards mounted by compose")
    problems.report(f"{len(paths)} dashboards, {len(exprs)} queries valid PromQL, unique uids and panel ids, "
                    f"links resolve, provisioning matches compose mounts")


# --------------------------------------------------------------------------


def compose_file():
    return yaml.safe_load((COMPOSE / "docker-compose.yml").read_text())


def resolve_mount(service, container_path):
    """The host path behind `container_path` through the service's bind mounts."""
    for volume in service.get("volumes", []):
        parts = volume.split(":")
        src, dst = parts[0], parts[1]
        if not src.startswith((".", "/")):
            continue
        if container_path == dst or container_path.startswith(dst.rstrip("/") + "/"):
            return (COMPOSE / src / container_path[len(dst):].lstrip("/")).resolve()
    return None


def check_compose():
    problems = Problems()
    compose = compose_file()
    services = compose["services"]
    known_env = code_env_vars()
    volumes = set(compose.get("volumes", {}))
    for name, svc in services.items():
        if "image" not in svc:
            problems.append(f"service {name}: no image")
        for dep in svc.get("depends_on", {}):
            if dep not in services:
                problems.append(f"service {name}: depends on unknown service {dep}")
        long_running = svc.get("restart") != "no"
        if long_running and "healthcheck" not in svc:
            problems.append(f"service {name}: long-running without a healthcheck")
        for volume in svc.get("volumes", []):
            src = volume.split(":")[0]
            if src.startswith((".", "/")):
                if not (COMPOSE / src).exists():
                    problems.append(f"service {name}: bind mount source {src} does not exist")
            elif src not in volumes:
                problems.append(f"service {name}: volume {src} not declared")
        for key in svc.get("environment", {}):
            if key.startswith("BORDERFLOW_") and key not in known_env:
                problems.append(f"service {name}: {key} is not read by any borderflow binary")
    # Files the containers are told to read exist behind the mounts.
    for name, path in [("prometheus", "/etc/prometheus/prometheus.yml"),
                       ("grafana", services["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]),
                       ("kafka-topics", services["kafka-topics"]["entrypoint"][-1])]:
        host = resolve_mount(services[name], path)
        if host is None or not host.is_file():
            problems.append(f"service {name}: {path} is not provided by a bind mount")
    # Scrape targets are the compose services' admin ports.
    prom = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    jobs = {j["job_name"]: j for j in prom["scrape_configs"]}
    for job, service, port in [("borderflow-ingest", "ingest", "9181"), ("borderflow-aggregator", "aggregator", "9182")]:
        targets = [t for c in jobs.get(job, {}).get("static_configs", []) for t in c["targets"]]
        if targets != [f"{service}:{port}"]:
            problems.append(f"prometheus.yml job {job}: targets {targets}, expected {service}:{port}")
        addr = services[service]["environment"].get(f"BORDERFLOW_{service.upper()}_ADMIN_ADDR", "")
        if not addr.endswith(f":{port}"):
            problems.append(f"service {service}: admin address {addr!r} is not on port {port}")
    problems.report(f"{len(services)} compose services: images, dependencies, healthchecks, volumes, "
                    f"BORDERFLOW_* variables exist in the code, mounted files exist, scrape targets match")


# --------------------------------------------------------------------------


def create_topics_script():
    """Topic -> partitions and config as deploy/compose/create-topics.sh
    creates them with its defaults."""
    script = (COMPOSE / "create-topics.sh").read_text().replace("\\\n", " ")
    values = dict(re.findall(r"^([a-z_]+)=(-?\d+)", script, re.M))
    values.update(re.findall(r"^([a-z_]+)=\$\{[A-Z_]+:-(\d+)\}", script, re.M))
    topics = {}
    for line in script.splitlines():
        if not line.startswith("topic "):
            continue
        line = re.sub(r"\$\{[A-Z_]+:-([^}]+)\}", r"\1", line)
        line = re.sub(r"\$\{?([a-z_]+)\}?", lambda m: values[m.group(1)], line)
        _, name, partitions, *configs = shlex.split(line)
        topics[name] = {"partitions": int(partitions), "config": dict(c.split("=", 1) for c in configs)}
    return topics


def kustomizations():
    return sorted(p for p in K8S.rglob("kustomization.yaml"))


def check_k8s():
    problems = Problems()
    known_env = code_env_vars()
    manifests, referenced = {}, set()
    for kustomization in kustomizations():
        k = yaml.safe_load(kustomization.read_text())
        for entry in k.get("resources", []) + k.get("components", []):
            target = (kustomization.parent / entry).resolve()
            if not target.exists():
                problems.append(f"{rel(kustomization)}: {entry} does not exist")
            referenced.add(target)
    objects = []
    for path in files(K8S, ".yaml", ".yml"):
        if path.name == "kustomization.yaml":
            continue
        docs = yaml_docs(path)
        in_secrets = K8S / "secrets" in path.parents
        if not in_secrets and path.resolve() not in referenced:
            problems.append(f"{rel(path)}: not listed in any kustomization")
        if in_secrets and path.resolve() in referenced:
            problems.append(f"{rel(path)}: secret templates must not be deployed by a kustomization")
        for doc in docs:
            meta = doc.get("metadata", {})
            if not doc.get("apiVersion") or not doc.get("kind") or not meta.get("name"):
                problems.append(f"{rel(path)}: a document lacks apiVersion, kind or metadata.name")
                continue
            objects.append((path, doc))
            manifests.setdefault(doc["kind"], {})[meta["name"]] = doc

    configmaps = manifests.get("ConfigMap", {})
    secret_names = set(manifests.get("Secret", {}))
    for k in kustomizations():
        secret_names.update(g["name"] for g in yaml.safe_load(k.read_text()).get("secretGenerator", []))
    workloads = {**manifests.get("Deployment", {}), **manifests.get("StatefulSet", {})}
    for name, cm in configmaps.items():
        for key in cm.get("data", {}):
            if key.startswith("BORDERFLOW_") and key not in known_env:
                problems.append(f"ConfigMap {name}: {key} is not read by any borderflow binary")
    for name, workload in workloads.items():
        pod = workload["spec"]["template"]
        labels = pod["metadata"]["labels"]
        if labels.get("app.kubernetes.io/name") not in JOBS:
            problems.append(f"{name}: pod label app.kubernetes.io/name must be a job of the alert rules {sorted(JOBS)}")
        if labels.get("app.kubernetes.io/part-of") != "borderflow":
            problems.append(f"{name}: pods must be labelled app.kubernetes.io/part-of=borderflow (scrape discovery)")
        if workload["spec"]["selector"]["matchLabels"].items() - labels.items():
            problems.append(f"{name}: selector does not match the pod labels")
        for container in pod["spec"]["containers"]:
            where = f"{name}/{container['name']}"
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                if probe not in container:
                    problems.append(f"{where}: no {probe}")
            if not container.get("resources", {}).get("requests"):
                problems.append(f"{where}: no resource requests")
            if "admin" not in {p["name"] for p in container.get("ports", [])}:
                problems.append(f"{where}: no container port named admin (scrape discovery)")
            sc = container.get("securityContext", {})
            if sc.get("allowPrivilegeEscalation") is not False or not sc.get("readOnlyRootFilesystem"):
                problems.append(f"{where}: must not escalate privileges and must have a read-only root")
            for source in container.get("envFrom", []):
                ref = source.get("configMapRef", {}).get("name")
                if ref and ref not in configmaps:
                    problems.append(f"{where}: envFrom ConfigMap {ref} does not exist")
            for env in container.get("env", []):
                if env["name"].startswith("BORDERFLOW_") and env["name"] not in known_env:
                    problems.append(f"{where}: {env['name']} is not read by any borderflow binary")
        for volume in pod["spec"].get("volumes", []):
            secret = volume.get("secret", {}).get("secretName")
            if secret and secret not in secret_names:
                problems.append(f"{name}: Secret {secret} has neither a template nor a generator")
    for name, svc in manifests.get("Service", {}).items():
        selector = svc["spec"].get("selector", {})
        if not any(selector.items() <= w["spec"]["template"]["metadata"]["labels"].items() for w in workloads.values()):
            problems.append(f"Service {name}: selector matches no workload")
    for name, target in manifests.get("HorizontalPodAutoscaler", {}).items():
        if target["spec"]["scaleTargetRef"]["name"] not in workloads:
            problems.append(f"HPA {name}: scale target does not exist")
    for name, pdb in manifests.get("PodDisruptionBudget", {}).items():
        sel = pdb["spec"]["selector"]["matchLabels"]
        if not any(sel.items() <= w["spec"]["template"]["metadata"]["labels"].items() for w in workloads.values()):
            problems.append(f"PDB {name}: selector matches no workload")

    # Topics: Strimzi, compose and the services agree on names; the
    # aggregator does not outnumber the inspection partitions.
    topics = {t["spec"]["topicName"]: t["spec"] for t in manifests.get("KafkaTopic", {}).values()}
    defaults = code_topics()
    if set(topics) != set(defaults.values()):
        problems.append(f"KafkaTopics {sorted(topics)} differ from the services' topics {sorted(defaults.values())}")
    common = configmaps.get("borderflow-common", {}).get("data", {})
    compose_topics = create_topics_script()
    for const, topic in defaults.items():
        if common.get(f"BORDERFLOW_TOPIC_{const}") != topic:
            problems.append(f"ConfigMap borderflow-common: BORDERFLOW_TOPIC_{const} is not {topic}")
        spec, local = topics.get(topic), compose_topics.get(topic)
        if local is None:
            problems.append(f"create-topics.sh does not create {topic}")
            continue
        if spec is None:
            continue
        for key in sorted(set(spec["config"]) | set(local["config"])):
            if key == "min.insync.replicas":
                continue  # 1 on compose's single broker, 2 of 3 replicas in Kubernetes
            ours, theirs = str(spec["config"].get(key)), local["config"].get(key)
            if ours != theirs:
                problems.append(f"{topic}: {key} is {ours} in Strimzi but {theirs} in create-topics.sh")
        if const in ("INSPECTIONS", "BY_DOCUMENT", "DOCUMENT_STATE"):
            if spec["partitions"] < local["partitions"]:
                problems.append(f"{topic}: fewer partitions in Kubernetes than in compose")
        elif spec["partitions"] != local["partitions"]:
            problems.append(f"{topic}: {spec['partitions']} partitions in Strimzi, {local['partitions']} in compose")
    inspections = topics.get(defaults.get("INSPECTIONS"), {}).get("partitions", 0)
    if inspections < 12:
        problems.append(f"{defaults.get('INSPECTIONS')}: {inspections} partitions, DESIGN §4 asks for >= 12")
    aggregator = manifests.get("StatefulSet", {}).get("borderflow-aggregator")
    if aggregator and aggregator["spec"]["replicas"] > inspections:
        problems.append("aggregator replicas exceed the inspection partitions")
    problems.report(f"{len(objects)} Kubernetes objects in {len({p for p, _ in objects})} files: apiVersion/kind/name, "
                    f"kustomization references, probes, resources, security contexts, ConfigMap/Secret references, "
                    f"selectors, BORDERFLOW_* variables exist in the code, topics agree with compose and the code")


def main():
    command = sys.argv[1]
    if command == "yaml":
        check_yaml()
    elif command == "json":
        check_json()
    elif command == "alerts":
        check_alerts()
    elif command == "dashboards":
        check_dashboards(sys.argv[2])
    elif command == "compose":
        check_compose()
    elif command == "k8s":
        check_k8s()
    elif command == "k8s-sd-free-copy":
        k8s_sd_free_copy(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        sys.exit(f"unknown check {command}")


if __name__ == "__main__":
    main()
