"""The Kubernetes manifests (deploy/k8s), checked offline: no cluster, no network.

Each kustomization is rendered by the real kustomize that ``kubectl kustomize`` embeds (kubectl is
on every machine image of this project), then every object is validated against the Kubernetes
JSON schemas bundled in the kubernetes-validate package (strict: an unknown field fails), for the
oldest and the newest Kubernetes release we claim. Then the project's own rules: probes on the
right paths, resources and a locked-down security context on every container, no secret value
anywhere, and every setting a container reads is one ``server/settings.py`` knows, enough for
``Settings`` to accept ``env=prod``.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml  # type: ignore[import-untyped]

from server.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
KUSTOMIZATIONS = ["base", "overlays/example"]
# The oldest release still widely offered by managed clusters, and the newest the package knows.
KUBERNETES_VERSIONS = ["1.27", kubernetes_validate.latest_version()]
SECRET = "palmcity-secrets"
# What a PalmCity pod may reach: DNS, PostgreSQL, PgBouncer, Redis, HTTPS outside.
EGRESS_PORTS = {53, 5432, 6432, 6379, 443}
# Settings whose values are secrets: they may only come from a secretKeyRef.
SECRET_SETTINGS = {
    "PALMCITY_DATABASE_URL",
    "PALMCITY_REDIS_URL",
    "PALMCITY_PII_KEYS",
    "PALMCITY_BLIND_INDEX_KEY",
    "PALMCITY_JWT_KEYS",
    "PALMCITY_CERTIFICATE_KEYS",
    "PALMCITY_CREDENTIAL_KEYS",
    "PALMCITY_WECHAT_SECRET",
    "PALMCITY_IDENTITY_CLIENT_SECRET",
    "PALMCITY_WECHATPAY_APIV3_KEY",
    "PALMCITY_PUBLIC_PAYMENT_KEY",
    "PALMCITY_HEALTH_CARD_APP_SECRET",
    "PALMCITY_POPULATION_APP_SECRET",
}
# Long base64 runs: what a key, seed or password pasted into a manifest looks like.
KEY_LIKE = re.compile(r"[A-Za-z0-9+/_-]{32,}={0,2}")


@functools.cache
def render(kustomization: str) -> tuple[dict[str, Any], ...]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl (with its built-in kustomize) is needed to render deploy/k8s"
    done = subprocess.run(
        [kubectl, "kustomize", str(K8S / kustomization)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return tuple(doc for doc in yaml.safe_load_all(done.stdout) if doc)


def of_kind(objects: tuple[dict[str, Any], ...], kind: str) -> list[dict[str, Any]]:
    return [each for each in objects if each["kind"] == kind]


def named(objects: tuple[dict[str, Any], ...], kind: str, name: str) -> dict[str, Any]:
    (found,) = [each for each in of_kind(objects, kind) if each["metadata"]["name"] == name]
    return found


def pod_specs(objects: tuple[dict[str, Any], ...]) -> Iterator[tuple[str, dict[str, Any]]]:
    for each in objects:
        if each["kind"] in ("Deployment", "Job"):
            yield each["metadata"]["name"], each["spec"]["template"]["spec"]


def containers(objects: tuple[dict[str, Any], ...]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, spec in pod_specs(objects):
        for container in spec.get("initContainers", []) + spec["containers"]:
            yield f"{name}/{container['name']}", container


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def settings_env_names() -> set[str]:
    """Every environment variable Settings reads: PALMCITY_<FIELD>, or a field's aliases."""
    names: set[str] = set()
    for field_name, field in Settings.model_fields.items():
        alias = field.validation_alias
        choices = getattr(alias, "choices", None)
        names |= {str(c) for c in choices} if choices else {f"PALMCITY_{field_name.upper()}"}
    return names


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection attempted while validating fails the test: the schemas must be bundled."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"validation tried to reach the network: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_object_validates_against_the_bundled_schemas(kustomization: str, no_network: None) -> None:
    objects = render(kustomization)
    assert {each["kind"] for each in objects} >= {
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Job",
        "ConfigMap",
        "NetworkPolicy",
        "Ingress",
        "PersistentVolumeClaim",
    }
    for version in KUBERNETES_VERSIONS:
        for each in objects:
            try:
                kubernetes_validate.validate(each, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                where = "/".join(str(p) for p in error.path)
                pytest.fail(
                    f"{each['kind']}/{each['metadata']['name']} on {version}: {where}: {error.message}"
                )


def test_kustomizations_use_only_local_files() -> None:
    # A remote base would be fetched at render time: nothing may leave the repository.
    for path in K8S.rglob("kustomization.yaml"):
        spec = yaml.safe_load(path.read_text())
        for entry in spec.get("resources", []):
            assert "://" not in entry and not entry.startswith("github.com"), (path, entry)


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_api_probes_ask_readyz_and_healthz_on_the_serving_port(kustomization: str) -> None:
    objects = render(kustomization)
    api = named(objects, "Deployment", "palmcity-api")["spec"]["template"]["spec"]["containers"][0]
    ports = {port["name"]: port["containerPort"] for port in api["ports"]}
    assert ports == {"http": 8000}
    assert api["args"][api["args"].index("--port") + 1] == "8000"
    assert api["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    # /readyz asks PostgreSQL, then Redis, each for up to 2 s (api/system.py): the probe waits longer.
    assert api["readinessProbe"]["timeoutSeconds"] > 4
    assert api["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert api["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    # The Service sends traffic to that port, and selects the API's pods.
    service = named(objects, "Service", "palmcity-api")
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    labels = named(objects, "Deployment", "palmcity-api")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_worker_liveness_reads_the_heartbeat_it_writes(kustomization: str) -> None:
    objects = render(kustomization)
    worker = named(objects, "Deployment", "palmcity-worker")["spec"]["template"]["spec"]
    container = worker["containers"][0]
    command = container["command"]
    assert command[:3] == ["python", "-m", "server.worker"]
    heartbeat = command[command.index("--heartbeat") + 1]
    assert heartbeat in " ".join(container["livenessProbe"]["exec"]["command"])
    assert heartbeat in container["startupProbe"]["exec"]["command"]
    # The heartbeat's folder is a writable volume (the root filesystem is read-only).
    mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
    assert str(Path(heartbeat).parent) in mounts
    # Longer than the worker's shutdown: 10 s for running jobs, 15 s for the receiver.
    assert worker["terminationGracePeriodSeconds"] >= 30


@pytest.mark.parametrize("age_seconds", [0, 120])
def test_worker_liveness_command_passes_a_fresh_heartbeat_and_fails_a_stale_one(
    age_seconds: int, tmp_path: Path
) -> None:
    container = named(render("base"), "Deployment", "palmcity-worker")["spec"]["template"]["spec"]
    command = container["containers"][0]["livenessProbe"]["exec"]["command"]
    heartbeat = tmp_path / "alive"
    heartbeat.touch()
    os.utime(heartbeat, (time.time() - age_seconds,) * 2)
    # The probe as the kubelet runs it, with the heartbeat in a temporary folder.
    probe = [part.replace("/tmp/palmcity-worker.alive", str(heartbeat)) for part in command]
    assert probe[0] == "python"
    done = subprocess.run([sys.executable, *probe[1:]], capture_output=True, timeout=30)
    assert done.returncode == (0 if age_seconds < 60 else 1), done.stderr


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_container_has_requests_limits_and_a_locked_down_context(kustomization: str) -> None:
    objects = render(kustomization)
    for name, spec in pod_specs(objects):
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True and pod["runAsUser"] == 10001, name  # the image's user
        assert pod["seccompProfile"]["type"] == "RuntimeDefault", name
        assert spec["automountServiceAccountToken"] is False, name
    for name, container in containers(objects):
        resources = container["resources"]
        for kind in ("cpu", "memory"):
            assert kind in resources["requests"] and kind in resources["limits"], (name, kind)
        assert _mebibytes(resources["limits"]["memory"]) >= _mebibytes(resources["requests"]["memory"]), name
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False, name
        assert context["readOnlyRootFilesystem"] is True, name
        assert context["capabilities"]["drop"] == ["ALL"], name
        assert any(mount["mountPath"] == "/tmp" for mount in container["volumeMounts"]), name


def _mebibytes(quantity: str) -> float:
    units = {"Mi": 1.0, "Gi": 1024.0}
    return float(quantity[:-2]) * units[quantity[-2:]]


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_no_secret_values_in_the_manifests(kustomization: str) -> None:
    objects = render(kustomization)
    assert not of_kind(objects, "Secret"), "Secrets are created in the cluster, never committed"
    for each in of_kind(objects, "ConfigMap"):
        assert not SECRET_SETTINGS & each["data"].keys(), each["data"].keys()
    for name, container in containers(objects):
        for variable in container.get("env", []):
            if variable["name"] in SECRET_SETTINGS:
                assert variable["valueFrom"]["secretKeyRef"]["name"] == SECRET, (name, variable)
            assert "value" not in variable, (name, variable)  # settings come from references only
    for text in strings(objects):
        assert not KEY_LIKE.search(text), f"looks like a key or a password: {text[:60]}..."


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_setting_is_a_reference_settings_knows(kustomization: str) -> None:
    objects = render(kustomization)
    known = settings_env_names()
    config_maps = {each["metadata"]["name"]: each["data"] for each in of_kind(objects, "ConfigMap")}
    for name, container in containers(objects):
        for source in container["envFrom"]:
            data = config_maps[source["configMapRef"]["name"]]  # the generated (hashed) name exists
            assert set(data) <= known, (name, set(data) - known)
        for variable in container["env"]:
            assert variable["name"] in known, (name, variable["name"])
            assert variable["valueFrom"]["secretKeyRef"]["key"] == variable["name"], (name, variable)


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_the_settings_given_are_enough_for_production(
    kustomization: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ConfigMap plus a Secret with the keys the containers reference: Settings accepts env=prod."""
    objects = render(kustomization)
    api = named(objects, "Deployment", "palmcity-api")["spec"]["template"]["spec"]["containers"][0]
    (config,) = of_kind(objects, "ConfigMap")
    for name in [n for n in os.environ if n.startswith("PALMCITY_")] + ["DATABASE_URL", "REDIS_URL"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in config["data"].items():
        monkeypatch.setenv(name, value)
    required = [v["name"] for v in api["env"] if not v["valueFrom"]["secretKeyRef"].get("optional")]
    for name, value in _example_secret(config["data"]).items():
        if name in required:
            monkeypatch.setenv(name, value)
    assert set(required) == set(_example_secret(config["data"]))
    settings = Settings(_env_file=None)
    assert settings.env == "prod" and not settings.sandbox and not settings.uses_sqlite
    assert settings.jwt_key_seeds and settings.certificate_key_seeds and settings.credential_key_seeds
    assert settings.pii_key_versions
    # Uploads land on the API's shared volume, not on its read-only root filesystem.
    mounts = {mount["mountPath"] for mount in api["volumeMounts"]}
    assert str(settings.upload_dir) in mounts


def _example_secret(config: dict[str, str]) -> dict[str, str]:
    """A Secret as docs/operations.md says to make one (fresh random keys, never stored)."""

    def seed() -> str:
        return base64.urlsafe_b64encode(os.urandom(32)).decode()

    return {
        "PALMCITY_DATABASE_URL": "postgres://palmcity:pw@pgbouncer:6432/palmcity?statement_cache_size=0",
        "PALMCITY_REDIS_URL": "redis://:pw@redis:6379/0",
        "PALMCITY_PII_KEYS": f"1:{seed()}",
        "PALMCITY_BLIND_INDEX_KEY": seed(),
        "PALMCITY_JWT_KEYS": json.dumps({config["PALMCITY_JWT_ACTIVE_KID"]: seed()}),
        "PALMCITY_CERTIFICATE_KEYS": json.dumps({config["PALMCITY_CERTIFICATE_ACTIVE_KID"]: seed()}),
        "PALMCITY_CREDENTIAL_KEYS": json.dumps({config["PALMCITY_CREDENTIAL_ACTIVE_KID"]: seed()}),
        "PALMCITY_WECHAT_SECRET": seed(),
        "PALMCITY_IDENTITY_CLIENT_SECRET": seed(),
    }


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_network_policy_admits_only_the_ingress_and_lets_out_only_the_data_services(
    kustomization: str,
) -> None:
    objects = render(kustomization)
    policies = {each["metadata"]["name"]: each["spec"] for each in of_kind(objects, "NetworkPolicy")}
    deny = policies["palmcity-default-deny"]
    assert deny["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in deny and "egress" not in deny
    for name, each in [(e["metadata"]["name"], e) for e in objects if e["kind"] in ("Deployment", "Job")]:
        labels = each["spec"]["template"]["metadata"]["labels"]
        assert deny["podSelector"]["matchLabels"].items() <= labels.items(), name
    admitted = [spec for spec in policies.values() if spec.get("ingress")]
    assert len(admitted) == 1
    (rule,) = admitted[0]["ingress"]
    assert admitted[0]["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "palmcity-api"}
    (peer,) = rule["from"]
    assert peer["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "ingress-nginx"}
    assert [port["port"] for port in rule["ports"]] == [8000]
    for spec in policies.values():
        for egress in spec.get("egress", []):
            assert {port["port"] for port in egress["ports"]} <= EGRESS_PORTS, egress
            for to in egress["to"]:
                if "ipBlock" in to:  # the outside world: HTTPS only, never the private ranges
                    assert {port["port"] for port in egress["ports"]} == {443}
                    assert "10.0.0.0/8" in to["ipBlock"]["except"]


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_ingress_limits_each_client_ip_and_hides_the_internal_routes(kustomization: str) -> None:
    objects = render(kustomization)
    ingresses = {each["metadata"]["name"]: each for each in of_kind(objects, "Ingress")}
    public = ingresses["palmcity"]
    assert int(public["metadata"]["annotations"]["nginx.ingress.kubernetes.io/limit-rps"]) > 0
    routed: list[tuple[str, str]] = []
    for each in ingresses.values():
        for rule in each["spec"]["rules"]:
            assert rule["host"] in each["spec"]["tls"][0]["hosts"]
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                assert backend == {"name": "palmcity-api", "port": {"name": "http"}}
                routed.append((path["path"], path["pathType"]))
    assert ("/api/", "Prefix") in routed
    for internal in ("/metrics", "/readyz", "/docs", "/docs/openapi.json"):
        assert not any(
            internal == path or (kind == "Prefix" and internal.startswith(path)) for path, kind in routed
        ), internal
    # Only the payment platforms' notifications pass without the per-IP limit.
    for name, each in ingresses.items():
        if "nginx.ingress.kubernetes.io/limit-rps" not in each["metadata"].get("annotations", {}):
            paths = [p["path"] for r in each["spec"]["rules"] for p in r["http"]["paths"]]
            assert paths == ["/api/v1/payments/notify/"], name


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_autoscaler_and_disruption_budgets_point_at_the_deployments(kustomization: str) -> None:
    objects = render(kustomization)
    deployments = {each["metadata"]["name"]: each for each in of_kind(objects, "Deployment")}
    (hpa,) = of_kind(objects, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "palmcity-api"
    assert hpa["spec"]["minReplicas"] >= 2
    assert "replicas" not in deployments["palmcity-api"]["spec"], "the autoscaler owns the API's count"
    budgets = of_kind(objects, "PodDisruptionBudget")
    assert len(budgets) == len(deployments)
    for budget in budgets:
        target = deployments[budget["metadata"]["name"]]
        labels = target["spec"]["template"]["metadata"]["labels"]
        assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_example_overlay_sets_namespace_image_replicas_and_hostname() -> None:
    objects = render("overlays/example")
    assert {each["metadata"].get("namespace") for each in objects} == {"palmcity"}
    images = {container["image"] for _name, container in containers(objects)}
    (image,) = images
    assert ":" in image and not image.endswith(":latest"), image
    assert named(objects, "Deployment", "palmcity-worker")["spec"]["replicas"] == 3
    hosts = {rule["host"] for each in of_kind(objects, "Ingress") for rule in each["spec"]["rules"]}
    (host,) = hosts
    (config,) = of_kind(objects, "ConfigMap")
    assert config["data"]["PALMCITY_PUBLIC_BASE_URL"] == f"https://{host}"
