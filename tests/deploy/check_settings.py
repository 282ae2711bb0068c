"""Checks that the deployments agree with themselves: every service verifies tokens with the
issuer and audience auth signs with, only auth can read the signing key, each service role
has a secret of its own, a service that follows another's events has a service account whose
secret it can read, every pod carries the label the network policies admit CRM services by,
each Deployment with a database reads its own database URL from its own secret, a service
whose outgoing connections are limited may reach every CRM service it is pointed at, every
Ingress exposes the gateway's API ports and nothing else, and Kubernetes never points at the
sales system's stand-in.
Usage: check_settings.py <docker-compose config> <kustomize output>"""
import re
import sys

import yaml

SERVICES = ("auth", "customers", "pipeline", "contracts", "payments", "service", "analytics",
            "gateway")
# Services without a database: no role, no password, no database URL.
WITHOUT_DATABASE = ("gateway",)
# The one Service an Ingress may expose, on any of its ports but the metrics one.
EXPOSED = "crm-gateway"
# The services' own defaults (libs/service/common_config.cc) when a deployment sets nothing.
DEFAULTS = {"CRM_JWT_ISSUER": "crm-auth", "CRM_JWT_AUDIENCE": "crm"}
# Settings a service refuses to start with unless it also has a service account
# (services/customers/src/main.cc). The gateway calls the services with its callers' tokens:
# its addresses need no account.
NEEDS_ACCOUNT = ("CRM_ORDER_EVENTS_ADDRESS", "CRM_SERVICE_ADDRESS")
WITHOUT_ACCOUNT = ("gateway",)
STAND_IN = "salesys-fake"
problems = []


def check_tokens(where, env_by_service):
    for key, default in DEFAULTS.items():
        seen = {svc: env.get(key, default) for svc, env in env_by_service.items()}
        if len(set(seen.values())) != 1:
            problems.append(f"{where}: {key} differs between services: {seen}")


def check_account(where, svc, env, readable_secret=lambda path: True):
    needs_account = () if svc.removeprefix("crm-") in WITHOUT_ACCOUNT else NEEDS_ACCOUNT
    for key in needs_account:
        if env.get(key) and not env.get("CRM_SERVICE_CLIENT_ID"):
            problems.append(f"{where}: {svc} sets {key} without CRM_SERVICE_CLIENT_ID")
    if env.get("CRM_SERVICE_CLIENT_ID"):
        secret = env.get("CRM_SERVICE_CLIENT_SECRET_FILE", "")
        if not secret or not readable_secret(secret):
            problems.append(f"{where}: {svc}'s service account secret file is unset or not mounted")


def check_compose(path):
    with open(path) as f:
        services = yaml.safe_load(f)["services"]
    env = {svc: services[svc].get("environment", {}) for svc in SERVICES}
    check_tokens("docker-compose", env)
    for svc in SERVICES:
        if svc == "auth":
            continue
        for volume in services[svc].get("volumes", []):
            source = volume.get("source") if isinstance(volume, dict) else volume.split(":")[0]
            if source == "authkeys":
                problems.append(f"docker-compose: {svc} mounts the private signing key volume")
    for svc in SERVICES:
        check_account("docker-compose", svc, env[svc])
    passwords = {services["postgres"]["environment"]["POSTGRES_PASSWORD"]}
    for svc in SERVICES:
        if svc in WITHOUT_DATABASE:
            if any(key.endswith("_DB_URL") for key in env[svc]):
                problems.append(f"docker-compose: {svc} has no database but is given a URL")
            continue
        url = env[svc].get(f"CRM_{svc.upper()}_DB_URL", "")
        password = [p for p in url.split() if p.startswith("password=")]
        if not password:
            problems.append(f"docker-compose: {svc}'s database URL has no password")
        elif password[0] in passwords or password[0][len("password="):] in passwords:
            problems.append(f"docker-compose: {svc} shares a database password")
        else:
            passwords.add(password[0][len("password="):])


def check_kubernetes(path):
    with open(path) as f:
        text = f.read()
    if STAND_IN in text:
        problems.append(f"kubernetes: the sales system's stand-in {STAND_IN} is referenced")
    docs = [d for d in yaml.safe_load_all(text) if d]
    config_maps = {d["metadata"]["name"]: d.get("data", {}) for d in docs if d["kind"] == "ConfigMap"}
    env = {}
    for d in docs:
        if d["kind"] != "Deployment":
            continue
        name = d["metadata"]["name"]
        pod = d["spec"]["template"]["spec"]
        values = {}
        secret_env = {}
        for c in pod["containers"]:
            for source in c.get("envFrom", []):
                ref = source.get("configMapRef", {}).get("name")
                if ref is not None:
                    if ref not in config_maps:
                        problems.append(f"kubernetes: {name} uses a missing ConfigMap {ref}")
                    values.update(config_maps.get(ref, {}))
            for e in c.get("env", []):
                if "value" in e:
                    values[e["name"]] = e["value"]
                ref = e.get("valueFrom", {}).get("secretKeyRef", {}).get("name")
                if ref is not None:
                    secret_env[e["name"]] = ref
        env[name] = values
        svc = name[len("crm-"):]
        if (svc in SERVICES and svc not in WITHOUT_DATABASE
                and secret_env.get(f"CRM_{svc.upper()}_DB_URL") != f"{name}-db"):
            problems.append(f"kubernetes: {name} does not read CRM_{svc.upper()}_DB_URL "
                            f"from the {name}-db secret")
        labels = d["spec"]["template"]["metadata"].get("labels", {})
        if labels.get("app.kubernetes.io/part-of") != "crm":
            problems.append(f"kubernetes: {name}'s pods lack app.kubernetes.io/part-of: crm")
        secret_volumes = {v["name"] for v in pod.get("volumes", []) if "secret" in v}
        secret_dirs = [m["mountPath"].rstrip("/") + "/" for c in pod["containers"]
                       for m in c.get("volumeMounts", []) if m["name"] in secret_volumes]
        check_account("kubernetes", name, values,
                      lambda path: any(path.startswith(d) for d in secret_dirs))
        if name != "crm-auth":
            for v in pod.get("volumes", []):
                if v.get("secret", {}).get("secretName") == "crm-auth-keys":
                    problems.append(f"kubernetes: {name} mounts the private signing key")
    missing = [f"crm-{svc}" for svc in SERVICES if f"crm-{svc}" not in env]
    if missing:
        problems.append(f"kubernetes: no Deployment for {missing}")
    check_tokens("kubernetes", env)
    check_egress(docs, env)
    check_ingress(docs)


def check_egress(docs, env):
    services = {d["metadata"]["name"] for d in docs if d["kind"] == "Service"}
    for d in docs:
        if d["kind"] != "NetworkPolicy" or "Egress" not in d["spec"].get("policyTypes", []):
            continue
        name = d["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name")
        allowed = set()
        for rule in d["spec"].get("egress", []):
            for peer in rule.get("to", []):
                selector = peer.get("podSelector", {})
                if "app.kubernetes.io/name" in selector.get("matchLabels", {}):
                    allowed.add(selector["matchLabels"]["app.kubernetes.io/name"])
                for e in selector.get("matchExpressions", []):
                    if e["key"] == "app.kubernetes.io/name" and e["operator"] == "In":
                        allowed.update(e["values"])
        for key, value in env.get(name, {}).items():
            m = re.fullmatch(r"([a-z0-9-]+):\d+", str(value))
            if m and m.group(1) in services and m.group(1) not in allowed:
                problems.append(f"kubernetes: {name}'s egress policy refuses {key}={value}")


def check_ingress(docs):
    ingresses = [d for d in docs if d["kind"] == "Ingress"]
    if not ingresses:
        problems.append(f"kubernetes: no Ingress exposes {EXPOSED}")
    service_ports = {}
    for d in docs:
        if d["kind"] == "Service" and d["metadata"]["name"] == EXPOSED:
            for p in d["spec"]["ports"]:
                service_ports[p.get("name")] = service_ports[p["port"]] = p.get("name")
    for d in ingresses:
        name = d["metadata"]["name"]
        backends = [d["spec"]["defaultBackend"]] if "defaultBackend" in d["spec"] else []
        for rule in d["spec"].get("rules", []):
            backends += [p["backend"] for p in rule.get("http", {}).get("paths", [])]
        for backend in backends:
            service = backend.get("service", {})
            port = service.get("port", {})
            port = port.get("name", port.get("number"))
            if service.get("name") != EXPOSED:
                problems.append(f"kubernetes: Ingress {name} exposes {backend}, not {EXPOSED}")
            elif port not in service_ports or service_ports[port] == "metrics":
                problems.append(f"kubernetes: Ingress {name} exposes {EXPOSED}'s port {port}")


check_compose(sys.argv[1])
check_kubernetes(sys.argv[2])
for p in problems:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
