"""Checks what the production overlay promises (deploy/k8s/overlays/production): every container
of every Deployment and Job has CPU and memory requests and limits; every service serves and
calls gRPC over TLS with its certificate, key and CA (and, but for the gateway, requires client
certificates) from files of a mounted Secret; no probe is the kubelet's plaintext gRPC probe
(the gRPC ports speak TLS) but grpc.health.v1 over the pod's Unix socket, or the gateway's
HTTP /healthz; each service with a database has a migration Job running its image with
--migrate-only and its own database URL, and does not migrate at start itself; the migration
pods mount no secret (no signing key, no service account), may reach nothing but DNS and
PostgreSQL, and the ConfigMaps they read are applied with them; each Deployment has an autoscaler that owns its
replica count and a disruption budget; images are pinned; the gateway's gRPC Ingress speaks TLS
to it; the sales system's stand-in is not deployed.
Usage: check_production.py <kustomize output of the production overlay>"""
import sys

import yaml

SERVICES = ("auth", "customers", "pipeline", "contracts", "payments", "service", "analytics",
            "gateway")
WITHOUT_DATABASE = ("gateway",)
# The gateway's callers (the ingress controller, internal systems) present tokens, not
# client certificates.
WITHOUT_CLIENT_CA = ("gateway",)
TLS_FILES = ("CRM_TLS_CERT", "CRM_TLS_KEY", "CRM_TLS_CA")
STAND_IN = "salesys-fake"
problems = []


def containers(pod):
    return pod.get("initContainers", []) + pod.get("containers", [])


def check_resources(kind, name, pod):
    for c in containers(pod):
        res = c.get("resources", {})
        for part in ("requests", "limits"):
            for what in ("cpu", "memory"):
                if what not in res.get(part, {}):
                    problems.append(f"{kind} {name}: container {c['name']} has no {what} {part}")


def environment(container, config_maps):
    env = {}
    for source in container.get("envFrom", []):
        env.update(config_maps.get(source.get("configMapRef", {}).get("name"), {}))
    for e in container.get("env", []):
        env[e["name"]] = e.get("value", e.get("valueFrom"))
    return env


def secret_dirs(pod, container):
    secrets = {v["name"] for v in pod.get("volumes", []) if "secret" in v}
    return [m["mountPath"].rstrip("/") + "/" for m in container.get("volumeMounts", [])
            if m["name"] in secrets]


def check_probes(name, container, env):
    socket = env.get("CRM_GRPC_UNIX_SOCKET")
    for kind in ("readinessProbe", "livenessProbe", "startupProbe"):
        probe = container.get(kind)
        if probe is None:
            if kind != "livenessProbe":
                problems.append(f"Deployment {name}: no {kind}")
            continue
        if "grpc" in probe:
            problems.append(f"Deployment {name}: {kind} is the kubelet's plaintext gRPC probe, "
                            "but the gRPC port speaks TLS")
        command = probe.get("exec", {}).get("command", [])
        if command:
            if not socket:
                problems.append(f"Deployment {name}: {kind} runs a command without "
                                "CRM_GRPC_UNIX_SOCKET")
            elif (not command[0].endswith("crmctl") or command[-1] != "health"
                  or f"--addr=unix:{socket}" not in command):
                problems.append(f"Deployment {name}: {kind} is not crmctl health on {socket}")


def main(path):
    with open(path) as f:
        text = f.read()
    if STAND_IN in text:
        problems.append(f"the sales system's stand-in {STAND_IN} is referenced")
    docs = [d for d in yaml.safe_load_all(text) if d]
    config_maps = {d["metadata"]["name"]: d.get("data", {}) for d in docs if d["kind"] == "ConfigMap"}
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d

    deployments = by_kind.get("Deployment", {})
    jobs = by_kind.get("Job", {})
    for kind, items in (("Deployment", deployments), ("Job", jobs)):
        for name, d in items.items():
            pod = d["spec"]["template"]["spec"]
            check_resources(kind, name, pod)
            for c in containers(pod):
                image = c.get("image", "")
                tag = image.rsplit("/", 1)[-1].partition(":")[2]
                if not tag or tag == "latest":
                    problems.append(f"{kind} {name}: image {image} is not pinned to a release")

    for svc in SERVICES:
        name = f"crm-{svc}"
        d = deployments.get(name)
        if d is None:
            problems.append(f"no Deployment {name}")
            continue
        pod = d["spec"]["template"]["spec"]
        container = pod["containers"][0]
        env = environment(container, config_maps)
        dirs = secret_dirs(pod, container)
        wanted = TLS_FILES if svc in WITHOUT_CLIENT_CA else TLS_FILES + ("CRM_TLS_CLIENT_CA",)
        for key in wanted:
            value = env.get(key)
            if not value:
                problems.append(f"{name}: {key} is not set")
            elif not any(str(value).startswith(d) for d in dirs):
                problems.append(f"{name}: {key}={value} is not in a mounted Secret")
        check_probes(name, container, env)
        if "replicas" in d["spec"]:
            problems.append(f"{name}: spec.replicas is set; its autoscaler owns the count")
        hpa = by_kind.get("HorizontalPodAutoscaler", {}).get(name)
        if hpa is None or hpa["spec"]["scaleTargetRef"].get("name") != name:
            problems.append(f"{name}: no HorizontalPodAutoscaler")
        elif hpa["spec"].get("minReplicas", 1) < 2:
            problems.append(f"{name}: its autoscaler allows fewer than 2 replicas")
        pdb = by_kind.get("PodDisruptionBudget", {}).get(name)
        if pdb is None or pdb["spec"]["selector"]["matchLabels"] != d["spec"]["selector"]["matchLabels"]:
            problems.append(f"{name}: no PodDisruptionBudget for its pods")
        if svc in WITHOUT_DATABASE:
            continue
        if str(env.get("CRM_MIGRATE")).lower() != "false":
            problems.append(f"{name}: migrates at start (CRM_MIGRATE is not false); the Job does")
        job = jobs.get(f"{name}-migrate")
        if job is None:
            problems.append(f"no migration Job {name}-migrate")
            continue
        job_pod = job["spec"]["template"]["spec"]
        job_container = job_pod["containers"][0]
        if "--migrate-only" not in job_container.get("args", []) + job_container.get("command", []):
            problems.append(f"Job {name}-migrate does not run --migrate-only")
        if job_container.get("image") != container.get("image"):
            problems.append(f"Job {name}-migrate runs {job_container.get('image')}, "
                            f"not {name}'s {container.get('image')}")
        url = f"CRM_{svc.upper()}_DB_URL"
        ref = {e["name"]: e.get("valueFrom", {}).get("secretKeyRef", {}).get("name")
               for e in job_container.get("env", [])}
        if ref.get(url) != f"{name}-db":
            problems.append(f"Job {name}-migrate does not read {url} from the {name}-db secret")
        # Applied alone before the rest (docs/operations.md#rolling-out-a-release), with what
        # carries app.kubernetes.io/component config or migrate: the rendered ConfigMaps it
        # reads must carry it too.
        read = {v["configMap"]["name"] for v in job_pod.get("volumes", []) if "configMap" in v}
        for c in containers(job_pod):
            read |= {e["valueFrom"]["configMapKeyRef"]["name"] for e in c.get("env", [])
                     if "configMapKeyRef" in e.get("valueFrom", {})}
            read |= {s["configMapRef"]["name"] for s in c.get("envFrom", []) if "configMapRef" in s}
        for ref in read & config_maps.keys():
            component = by_kind["ConfigMap"][ref]["metadata"].get("labels", {}).get(
                "app.kubernetes.io/component")
            if component not in ("config", "migrate"):
                problems.append(f"Job {name}-migrate reads ConfigMap {ref}, which is not applied "
                                "with it (app.kubernetes.io/component config or migrate)")
        secrets = [v["secret"].get("secretName") for v in job_pod.get("volumes", []) if "secret" in v]
        if secrets:
            problems.append(f"Job {name}-migrate mounts secrets {secrets}: it needs none")
        if job_pod.get("restartPolicy") not in ("Never", "OnFailure"):
            problems.append(f"Job {name}-migrate: restartPolicy must be Never or OnFailure")
        labels = job["spec"]["template"]["metadata"].get("labels", {})
        if labels.get("app.kubernetes.io/part-of") == "crm":
            problems.append(f"Job {name}-migrate's pods carry part-of: crm, which the services' "
                            "policies admit")
        egress = [p for p in by_kind.get("NetworkPolicy", {}).values()
                  if "Egress" in p["spec"].get("policyTypes", [])
                  and p["spec"]["podSelector"].get("matchLabels", {}).items() <= labels.items()]
        if not egress:
            problems.append(f"Job {name}-migrate's pods have no egress policy")

    grpc_ingress = by_kind.get("Ingress", {}).get("crm-gateway-grpc")
    if grpc_ingress is not None:
        protocol = grpc_ingress["metadata"].get("annotations", {}).get(
            "nginx.ingress.kubernetes.io/backend-protocol")
        if protocol != "GRPCS":
            problems.append(f"Ingress crm-gateway-grpc speaks {protocol} to the gateway's TLS port")

    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


sys.exit(main(sys.argv[1]))
