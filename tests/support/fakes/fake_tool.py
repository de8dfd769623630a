# Fake `k3d` and `helm` for ssp's tests. Written into a temp bin dir by `fakes/mod.rs`, once
# per tool name; which tool it plays is taken from the name it was called by.
#
# Every call appends one JSON line to <root>/fake-calls.jsonl: tool, argv, stdin (only what the
# real tool would read: helm's `--values -`), the files it was pointed at (k3d `--config`, helm
# `--values`), selected environment, exit code. The fake cluster and release state lives in
# <root>/fake-state.json, which the test reads and writes through the Rust handle.
#
# Output reproduces the real tools (k3d v5.8.3, helm v3.19.0):
# - k3d logs through logrus with ForceColors: Info on stdout, Warn/Error/Fatal on stderr, as
#   `\x1b[36mINFO\x1b[0m[0000] msg` (plain `INFO[0000] msg` when LOG_COLORS=false); messages
#   from k3d's cmd/cluster/*.go and pkg/client/cluster.go; `cluster list -o json` uses the
#   field names of k3d's pkg/types (Go field names where the struct has no json tag).
# - `k3d cluster create` updates the default kubeconfig (first entry of $KUBECONFIG, else
#   ~/.kube/config) and switches its current context, unless `--kubeconfig-update-default=false`
#   / `--kubeconfig-switch-context=false` or the config file's `updateDefaultKubeconfig: false` /
#   `switchCurrentContext: false` say otherwise (cmd/cluster/clusterCreate.go); `cluster delete`
#   removes the cluster's entries again. The merged file is written as JSON (valid YAML, read
#   by kubectl and kube-rs); an existing file must be JSON or our own YAML layout.
# - helm prints its release summary (pkg/cli/output) and errors as `Error: …` on stderr with
#   exit code 1 (`UPGRADE FAILED`, `INSTALLATION FAILED`, `release: not found`).
# - When the test connected the fakes to the API double (state `api`), `helm upgrade/install`
#   applies the release's objects to it as helm 3's kube client does (pkg/kube/client.go: GET,
#   then POST when absent or PATCH `application/strategic-merge-patch+json` when present, in
#   helm's InstallOrder, labels `app.kubernetes.io/managed-by: Helm` and the
#   `meta.helm.sh/release-*` annotations, a `sh.helm.release.v1.<name>.v<rev>` Secret), and
#   `helm uninstall` deletes them. The objects are those the test set (state
#   `release_objects`) or, with state `render_chart`, the chart rendered by Helm's own engine
#   (PyPI `helm-python-sdk`, `Chart.load(path).render(values, name=, namespace=)`), hooks left
#   out. `helm template` renders the same way. `--wait` is recorded, not performed.
import base64
import fcntl
import json
import os
import re
import signal
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE = os.path.join(ROOT, "fake-state.json")
LOG = os.path.join(ROOT, "fake-calls.jsonl")
LOCK = os.path.join(ROOT, "fake.lock")
TOOL = os.path.basename(sys.argv[0])
ARGV = sys.argv[1:]
ENV_KEYS = ("KUBECONFIG", "HOME", "NO_COLOR", "LOG_COLORS", "DOCKER_HOST")
ENV_PREFIXES = ("HELM_", "K3D_", "SSP_")

K3D_VERSION = "v5.8.3"
K3S_VERSION = "v1.31.5-k3s1"
HELM_VERSION = "v3.19.0"
HELM_COMMIT = "3d8990f0836691f0229297773f3524598f46bda6"


def load():
    try:
        with open(STATE) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def save(state):
    tmp = STATE + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f, indent=2)
    os.replace(tmp, STATE)


class Call:
    def __init__(self):
        self.stdin = None
        self.files = {}
        self.out = []
        self.err = []

    def stdout(self, text):
        self.out.append(text)

    def stderr(self, text):
        self.err.append(text)


def flag_values(args, *names):
    """Values of a flag given as `--f v`, `--f=v` or `-f v`, in order."""
    values = []
    i = 0
    while i < len(args):
        a = args[i]
        for n in names:
            if a == n and i + 1 < len(args):
                values.append(args[i + 1])
                i += 1
                break
            if a.startswith(n + "="):
                values.append(a[len(n) + 1:])
                break
        i += 1
    return values


def positionals(args, value_flags):
    """Arguments that are neither flags nor flag values."""
    out = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            out.extend(args[i + 1:])
            break
        if a.startswith("-"):
            if "=" not in a and a in value_flags:
                i += 1
        else:
            out.append(a)
        i += 1
    return out


# ---- k3d -------------------------------------------------------------------------------------

LEVELS = {"INFO": ("36", "out"), "WARN": ("33", "err"), "ERRO": ("31", "err"), "FATA": ("31", "err")}


def k3d_log(call, level, msg):
    color, stream = LEVELS[level]
    if os.environ.get("LOG_COLORS", "").lower() in ("false", "0", "f"):
        line = "%s[0000] %s\n" % (level, msg)
    else:
        line = "\x1b[%sm%s\x1b[0m[0000] %s\n" % (color, level, msg)
    (call.stdout if stream == "out" else call.stderr)(line)


def k3d_cluster_json(name, c):
    running = c.get("state") == "running"
    servers = int(c.get("servers", 1))
    agents = int(c.get("agents", 0))
    image = c.get("image", "docker.io/rancher/k3s:" + K3S_VERSION)

    def node(role, idx, img):
        suffix = "serverlb" if role == "loadbalancer" else "%s-%d" % (role, idx)
        return {
            "name": "k3d-%s-%s" % (name, suffix),
            "role": role,
            "image": img,
            "Cmd": [],
            "serverOpts": {"kubeAPI": {"HostIP": "0.0.0.0", "HostPort": str(c.get("api_port", 6443)), "host": "0.0.0.0"}}
            if role == "server" else {"kubeAPI": None},
            "agentOpts": {},
            "Networks": ["k3d-" + name],
            "ExtraHosts": None,
            "GPURequest": "",
            "Memory": "",
            "State": {"Running": running, "Status": "running" if running else "exited", "Started": ""},
            "IP": {"IP": "", "Static": False},
            "K3dEntrypoint": False,
            "created": c.get("created", "2025-01-01T00:00:00Z"),
            "runtimeLabels": {"k3d.cluster": name, "k3d.role": role},
        }

    nodes = [node("server", i, image) for i in range(servers)]
    nodes += [node("agent", i, image) for i in range(agents)]
    nodes.append(node("loadbalancer", 0, "ghcr.io/k3d-io/k3d-proxy:5.8.3"))
    return {
        "name": name,
        "network": {"name": "k3d-" + name, "id": "", "Members": None},
        "nodes": nodes,
        "InitNode": None,
        "imageVolume": "k3d-%s-images" % name,
        "volumes": ["k3d-%s-images" % name],
        "serversRunning": servers if running else 0,
        "serversCount": servers,
        "agentsRunning": agents if running else 0,
        "agentsCount": agents,
        "hasLoadbalancer": True,
    }


def config_field(text, pattern):
    m = re.search(pattern, text, re.M)
    return m.group(1).strip().strip("'\"") if m else None


def k3d(call, state):
    clusters = state.setdefault("clusters", {})
    args = ARGV
    if not args or args[0] in ("version", "--version"):
        if "-o" in args or "--output" in args or any(a.startswith("--output=") for a in args):
            call.stdout(json.dumps({"k3d": K3D_VERSION, "k3s": K3S_VERSION}) + "\n")
        else:
            call.stdout("k3d version %s\nk3s version %s (default)\n" % (K3D_VERSION, K3S_VERSION))
        return 0
    value_flags = {"-c", "--cluster", "-o", "--output", "--config", "--timeout", "-p", "--port", "--image", "-i",
                   "--servers", "-s", "--agents", "-a", "--api-port", "--registry-config", "--k3s-arg", "-e", "--env",
                   "--mode", "-m"}
    pos = positionals(args, value_flags)
    verb = pos[:2]
    if verb == ["cluster", "list"] or verb == ["cluster", "ls"] or verb == ["cluster", "get"]:
        names = pos[2:]
        chosen = [(n, clusters[n]) for n in sorted(clusters) if not names or n in names]
        for n in names:
            if n not in clusters:
                k3d_log(call, "FATA", "No nodes found for given cluster")
                return 1
        output = (flag_values(args, "-o", "--output") or [""])[-1]
        if output == "json":
            call.stdout(json.dumps([k3d_cluster_json(n, c) for n, c in chosen], separators=(",", ":")) + "\n")
        else:
            rows = [("NAME", "SERVERS", "AGENTS", "LOADBALANCER")]
            for n, c in chosen:
                info = k3d_cluster_json(n, c)
                rows.append((n, "%d/%d" % (info["serversRunning"], info["serversCount"]),
                             "%d/%d" % (info["agentsRunning"], info["agentsCount"]), "true"))
            for r in rows:
                call.stdout("   ".join(r) + "\n")
        return 0
    if verb == ["cluster", "create"]:
        config = (flag_values(args, "--config", "-c") or [None])[-1]
        text = ""
        if config:
            try:
                with open(config) as f:
                    text = f.read()
            except OSError as e:
                k3d_log(call, "FATA", "Failed to read config file %s: %s" % (config, e))
                return 1
            call.files[config] = text
        name = pos[2] if len(pos) > 2 else config_field(text, r"^metadata:\s*\n(?:[ \t]+.*\n)*?[ \t]+name:\s*(\S+)") or "k3s-default"
        if name in clusters:
            k3d_log(call, "FATA", "Failed to create cluster '%s' because a cluster with that name already exists" % name)
            return 1
        servers = (flag_values(args, "--servers", "-s") or [config_field(text, r"^servers:\s*(\d+)") or "1"])[-1]
        agents = (flag_values(args, "--agents", "-a") or [config_field(text, r"^agents:\s*(\d+)") or "0"])[-1]
        image = (flag_values(args, "--image", "-i") or [config_field(text, r"^image:\s*(\S+)") or "docker.io/rancher/k3s:" + K3S_VERSION])[-1]
        clusters[name] = {"state": "running", "servers": int(servers), "agents": int(agents), "image": image,
                          "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "images": []}
        k3d_log(call, "INFO", "Prep: Network")
        k3d_log(call, "INFO", "Created network 'k3d-%s'" % name)
        k3d_log(call, "INFO", "Created image volume k3d-%s-images" % name)
        k3d_log(call, "INFO", "Creating node 'k3d-%s-server-0'" % name)
        k3d_log(call, "INFO", "Creating LoadBalancer 'k3d-%s-serverlb'" % name)
        k3d_log(call, "INFO", "Starting cluster '%s'" % name)
        update = bool_option(args, "--kubeconfig-update-default", text, "updateDefaultKubeconfig")
        switch = update and bool_option(args, "--kubeconfig-switch-context", text, "switchCurrentContext")
        if update:
            k3d_log(call, "INFO", "Updating default kubeconfig with a new context for cluster %s" % name)
            merge_kubeconfig(state, name, switch)
        k3d_log(call, "INFO", "Cluster '%s' created successfully!" % name)
        k3d_log(call, "INFO", "You can now use it like this:")
        if update and not switch:
            call.stdout("kubectl config use-context k3d-%s\n" % name)
        elif not switch:
            call.stdout("export KUBECONFIG=$(%s kubeconfig write %s)\n" % (sys.argv[0], name))
        call.stdout("kubectl cluster-info\n")
        return 0
    if verb in (["cluster", "start"], ["cluster", "stop"]):
        names = pos[2:] or ["k3s-default"]
        for n in names:
            if n not in clusters:
                k3d_log(call, "FATA", "No nodes found for given cluster")
                return 1
        for n in names:
            if verb[1] == "start":
                k3d_log(call, "INFO", "Using the k3d-tools node to gather environment information")
                k3d_log(call, "INFO", "Starting cluster '%s'" % n)
                k3d_log(call, "INFO", "Starting servers...")
                clusters[n]["state"] = "running"
                k3d_log(call, "INFO", "Started cluster '%s'" % n)
            else:
                k3d_log(call, "INFO", "Stopping cluster '%s'" % n)
                clusters[n]["state"] = "stopped"
                k3d_log(call, "INFO", "Stopped cluster '%s'" % n)
        return 0
    if verb in (["cluster", "delete"], ["cluster", "del"], ["cluster", "rm"]):
        names = pos[2:] or ["k3s-default"]
        for n in names:
            if n not in clusters:
                k3d_log(call, "INFO", "No nodes found for cluster '%s', nothing to delete." % n)
                continue
            k3d_log(call, "INFO", "Deleting cluster '%s'" % n)
            del clusters[n]
            k3d_log(call, "INFO", "Removing cluster details from default kubeconfig...")
            remove_from_kubeconfig(n)
            k3d_log(call, "INFO", "Removing standalone kubeconfig file (if there is one)...")
            k3d_log(call, "INFO", "Successfully deleted cluster %s!" % n)
        return 0
    if verb in (["kubeconfig", "get"], ["kubeconfig", "merge"], ["kubeconfig", "write"]):
        names = pos[2:] or ["k3s-default"]
        for n in names:
            if n not in clusters:
                k3d_log(call, "FATA", "No nodes found for given cluster")
                return 1
        kubeconfig = state.get("kubeconfig") or default_kubeconfig(names[0])
        if verb[1] == "get":
            call.stdout(kubeconfig)
        else:
            out = (flag_values(args, "-o", "--output") or [os.path.join(os.environ.get("HOME", ROOT), ".config", "k3d", "kubeconfig-%s.yaml" % names[0])])[-1]
            os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
            with open(out, "w") as f:
                f.write(kubeconfig)
            call.stdout(out + "\n")
        return 0
    if verb[:2] == ["image", "import"] or verb[:2] == ["image", "load"]:
        images = pos[2:]
        names = flag_values(args, "-c", "--cluster") or ["k3s-default"]
        if not images:
            k3d_log(call, "FATA", "No images specified!")
            return 1
        for n in names:
            if n not in clusters:
                k3d_log(call, "FATA", "failed to get cluster %s: No nodes found for given cluster" % n)
                return 1
        for n in names:
            k3d_log(call, "INFO", "Importing image(s) into cluster '%s'" % n)
            k3d_log(call, "INFO", "Loading %d image(s) from runtime into nodes..." % len(images))
            for img in images:
                if img not in clusters[n].setdefault("images", []):
                    clusters[n]["images"].append(img)
            k3d_log(call, "INFO", "Successfully imported image(s)")
        k3d_log(call, "INFO", "Successfully imported %d image(s) into %d cluster(s)" % (len(images), len(names)))
        return 0
    call.stderr('Error: unknown command "%s" for "k3d"\nRun \'k3d --help\' for usage.\n' % " ".join(pos[:2]))
    return 1


def kubeconfig_doc(state, name):
    """The cluster's kubeconfig as a dict (the test's, else k3d's default layout)."""
    if state.get("kubeconfig_json"):
        return json.loads(json.dumps(state["kubeconfig_json"]))
    ctx = "k3d-" + name
    return {"apiVersion": "v1", "kind": "Config", "preferences": {}, "current-context": ctx,
            "clusters": [{"name": ctx, "cluster": {"server": "https://0.0.0.0:6443"}}],
            "contexts": [{"name": ctx, "context": {"cluster": ctx, "user": "admin@" + ctx}}],
            "users": [{"name": "admin@" + ctx, "user": {}}]}


def default_kubeconfig_path():
    env = os.environ.get("KUBECONFIG", "")
    if env:
        return env.split(os.pathsep)[0]
    return os.path.join(os.environ.get("HOME", ROOT), ".kube", "config")


def read_kubeconfig(path):
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return {"apiVersion": "v1", "kind": "Config", "preferences": {}, "clusters": [], "contexts": [], "users": []}
    if not text.strip():
        return {"apiVersion": "v1", "kind": "Config", "clusters": [], "contexts": [], "users": []}
    try:
        return json.loads(text)
    except ValueError:
        return yaml_kubeconfig(text)


def yaml_kubeconfig(text):
    """Parses the block-style kubeconfig layout k3d and the API double write (no YAML library
    is assumed on the machine)."""
    doc = {"clusters": [], "contexts": [], "users": []}
    section = None
    item = None
    sub = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        key, _, value = line.strip().lstrip("- ").partition(":")
        value = value.strip()
        if indent == 0 and not line.startswith("-"):
            section = key if key in ("clusters", "contexts", "users") else None
            if section is None:
                doc[key] = {} if value == "{}" else value
            continue
        if section is None:
            continue
        if line.strip().startswith("- "):
            item = {}
            doc[section].append(item)
            sub = None
        if value == "" and key in ("cluster", "context", "user"):
            sub = item.setdefault(key, {})
        elif key == "name" and (sub is None or indent <= 2):
            item["name"] = value
        elif sub is not None:
            sub[key] = {} if value == "{}" else value
        elif key in ("cluster", "context", "user") and value == "{}":
            item[key] = {}
    return doc


def write_kubeconfig(path, doc):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def merge_kubeconfig(state, name, switch):
    path = default_kubeconfig_path()
    doc = read_kubeconfig(path)
    new = kubeconfig_doc(state, name)
    for section in ("clusters", "contexts", "users"):
        names = {e["name"] for e in new.get(section, [])}
        doc[section] = [e for e in doc.get(section) or [] if e.get("name") not in names] + new.get(section, [])
    if switch or not doc.get("current-context"):
        doc["current-context"] = new.get("current-context", "k3d-" + name)
    write_kubeconfig(path, doc)


def remove_from_kubeconfig(name):
    path = default_kubeconfig_path()
    if not os.path.exists(path):
        return
    doc = read_kubeconfig(path)
    ctx = "k3d-" + name
    doc["clusters"] = [e for e in doc.get("clusters") or [] if e.get("name") != ctx]
    doc["contexts"] = [e for e in doc.get("contexts") or [] if e.get("name") != ctx]
    doc["users"] = [e for e in doc.get("users") or [] if e.get("name") != "admin@" + ctx]
    if doc.get("current-context") == ctx:
        doc["current-context"] = ""
    write_kubeconfig(path, doc)


def bool_option(args, flag, text, key):
    for a in args:
        if a == flag or a == flag + "=true":
            return True
        if a == flag + "=false":
            return False
    found = config_field(text, r"^\s+%s:\s*(\S+)" % key)
    return found != "false"


def default_kubeconfig(name):
    ctx = "k3d-" + name
    return ("apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://0.0.0.0:6443\n  name: %s\n"
            "contexts:\n- context:\n    cluster: %s\n    user: admin@%s\n  name: %s\ncurrent-context: %s\n"
            "preferences: {}\nusers:\n- name: admin@%s\n  user: {}\n") % (ctx, ctx, ctx, ctx, ctx, ctx)



# ---- helm against the API double -------------------------------------------------------------

INSTALL_ORDER = ["Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
                 "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
                 "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
                 "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding",
                 "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
                 "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService"]


class ApiFailure(Exception):
    pass


def api_request(api, method, path, body=None, content_type="application/json"):
    import urllib.error
    import urllib.request
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(api["server"] + path, data=data, method=method)
    req.add_header("Accept", "application/json")
    req.add_header("User-Agent", "Helm/%s" % HELM_VERSION[1:])
    if api.get("token"):
        req.add_header("Authorization", "Bearer " + api["token"])
    if data is not None:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read() or b"null")
        except ValueError:
            return e.code, None


def merge_values(base, override):
    for k, v in override.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            merge_values(base[k], v)
        else:
            base[k] = v
    return base


def render_chart(chart, values_docs, sets, name, namespace, revision):
    """Manifests (template path -> YAML) rendered by Helm's engine, and the parsed objects."""
    import helm_python
    values = {}
    for text in values_docs:
        merge_values(values, helm_python.values_from_yaml(text) or {})
    for expr in sets:
        merge_values(values, helm_python.parse_set_string_values(expr))
    rendered = helm_python.Chart.load(chart).render(values, name=name, namespace=namespace, revision=revision,
                                                    is_install=revision == 1, is_upgrade=revision > 1)
    objects = []
    for path in sorted(rendered):
        if path.endswith("NOTES.txt"):
            continue
        for doc in re.split(r"(?m)^---\s*$", rendered[path]):
            if not re.search(r"(?m)^kind:", doc):
                continue
            obj = helm_python.values_from_yaml(doc)
            if obj:
                objects.append((path, obj))
    return rendered, objects


def release_objects(state, chart, values, sets, name, namespace, revision):
    if state.get("render_chart"):
        _, objects = render_chart(chart, [v["content"] for v in values], sets, name, namespace, revision)
        return [o for _, o in objects if not ((o.get("metadata") or {}).get("annotations") or {}).get("helm.sh/hook")]
    return [json.loads(json.dumps(o)) for o in state.get("release_objects", [])]


def resource_of(api, obj):
    key = "%s/%s" % (obj.get("apiVersion", ""), obj.get("kind", ""))
    res = api["resources"].get(key)
    if res is None:
        raise ApiFailure('unable to build kubernetes objects from release manifest: resource mapping not found for '
                         'name: "%s" namespace: "" from "": no matches for kind "%s" in version "%s"'
                         % (obj.get("metadata", {}).get("name", ""), obj.get("kind", ""), obj.get("apiVersion", "")))
    return res


def object_path(res, namespace):
    if res["namespaced"]:
        return "%s/namespaces/%s/%s" % (res["prefix"], namespace, res["plural"])
    return "%s/%s" % (res["prefix"], res["plural"])


def apply_release(api, state, rel, objects, create_namespace):
    name, namespace, revision = rel["name"], rel["namespace"], rel["revision"]
    if create_namespace:
        code, _ = api_request(api, "GET", "/api/v1/namespaces/" + namespace)
        if code == 404:
            api_request(api, "POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    order = {k: i for i, k in enumerate(INSTALL_ORDER)}
    objects.sort(key=lambda o: order.get(o.get("kind"), len(order)))
    applied = []
    for obj in objects:
        res = resource_of(api, obj)
        meta = obj.setdefault("metadata", {})
        ns = meta.get("namespace") or namespace
        if res["namespaced"]:
            meta["namespace"] = ns
        meta.setdefault("labels", {})
        meta["labels"] = meta["labels"] or {}
        meta["labels"]["app.kubernetes.io/managed-by"] = "Helm"
        meta["annotations"] = meta.get("annotations") or {}
        meta["annotations"]["meta.helm.sh/release-name"] = name
        meta["annotations"]["meta.helm.sh/release-namespace"] = namespace
        collection = object_path(res, ns)
        code, body = api_request(api, "GET", collection + "/" + meta["name"])
        if code == 404:
            code, body = api_request(api, "POST", collection, obj)
        elif code == 200:
            code, body = api_request(api, "PATCH", collection + "/" + meta["name"], obj,
                                     "application/strategic-merge-patch+json")
        if code >= 400:
            raise ApiFailure((body or {}).get("message", "the server returned %d" % code))
        applied.append(collection + "/" + meta["name"])
    secrets = "/api/v1/namespaces/%s/secrets" % namespace
    if revision > 1:
        api_request(api, "PATCH", "%s/sh.helm.release.v1.%s.v%d" % (secrets, name, revision - 1),
                    {"metadata": {"labels": {"status": "superseded"}}}, "application/merge-patch+json")
    record = {"name": name, "namespace": namespace, "version": revision, "info": {"status": "deployed"},
              "chart": rel["chart"]}
    secret = {"apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
              "metadata": {"name": "sh.helm.release.v1.%s.v%d" % (name, revision), "namespace": namespace,
                           "labels": {"name": name, "owner": "helm", "status": "deployed", "version": str(revision)}},
              "data": {"release": base64.b64encode(json.dumps(record).encode()).decode()}}
    code, body = api_request(api, "POST", secrets, secret)
    if code >= 400:
        raise ApiFailure((body or {}).get("message", "the server returned %d" % code))
    rel["objects"] = sorted(set(applied) | set(rel.get("objects", [])))
    rel["release_secrets"] = rel.get("release_secrets", []) + ["%s/%s" % (secrets, secret["metadata"]["name"])]


def uninstall_release(api, rel):
    for path in reversed(rel.get("objects", [])):
        api_request(api, "DELETE", path, {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"})
    for path in rel.get("release_secrets", []):
        api_request(api, "DELETE", path)


# ---- helm ------------------------------------------------------------------------------------

HELM_VALUE_FLAGS = {"-n", "--namespace", "--kube-context", "--kubeconfig", "-f", "--values", "--set", "--set-string",
                    "--set-file", "--timeout", "--version", "-o", "--output", "--template", "--description",
                    "--post-renderer", "--repo", "--max", "--history-max"}


def helm_time():
    return time.strftime("%a %b %e %H:%M:%S %Y", time.localtime())


def helm_summary(call, rel, notes=True):
    call.stdout("NAME: %s\nLAST DEPLOYED: %s\nNAMESPACE: %s\nSTATUS: %s\nREVISION: %d\nTEST SUITE: None\n"
                % (rel["name"], rel["updated"], rel["namespace"], rel["status"], rel["revision"]))
    if notes and rel.get("notes"):
        call.stdout("NOTES:\n%s\n" % rel["notes"])


def helm(call, state):
    releases = state.setdefault("releases", {})
    args = ARGV
    pos = positionals(args, HELM_VALUE_FLAGS)
    namespace = (flag_values(args, "-n", "--namespace") or [os.environ.get("HELM_NAMESPACE") or "default"])[-1]
    if not pos or pos[0] == "version":
        template = flag_values(args, "--template")
        if template:
            call.stdout(template[-1].replace("{{.Version}}", HELM_VERSION).replace("{{ .Version }}", HELM_VERSION)
                        .replace("{{.GitCommit}}", HELM_COMMIT))
        elif "--short" in args:
            call.stdout("%s+g%s\n" % (HELM_VERSION, HELM_COMMIT[:7]))
        else:
            call.stdout('version.BuildInfo{Version:"%s", GitCommit:"%s", GitTreeState:"clean", GoVersion:"go1.24.7"}\n'
                        % (HELM_VERSION, HELM_COMMIT))
        return 0
    key = namespace + "/" + (pos[1] if len(pos) > 1 else "")
    if pos[0] in ("upgrade", "install"):
        install = pos[0] == "install" or "--install" in args or "-i" in args
        if len(pos) < 3:
            call.stderr('Error: "helm %s" requires 2 arguments\n\nUsage:  helm %s [RELEASE] [CHART] [flags]\n' % (pos[0], pos[0]))
            return 1
        name, chart = pos[1], pos[2]
        values = []
        for v in flag_values(args, "-f", "--values"):
            if v == "-":
                if call.stdin is None:
                    call.stdin = sys.stdin.read()
                values.append({"source": "-", "content": call.stdin})
            else:
                try:
                    with open(v) as f:
                        content = f.read()
                except OSError:
                    call.stderr("Error: open %s: no such file or directory\n" % v)
                    return 1
                call.files[v] = content
                values.append({"source": v, "content": content})
        existing = releases.get(key)
        if existing is None and not install:
            call.stderr('Error: UPGRADE FAILED: "%s" has no deployed releases\n' % name)
            return 1
        if pos[0] == "install" and existing is not None:
            call.stderr("Error: INSTALLATION FAILED: cannot re-use a name that is still in use\n")
            return 1
        revision = existing["revision"] + 1 if existing else 1
        rel = {"name": name, "namespace": namespace, "chart": chart, "revision": revision, "status": "deployed",
               "updated": helm_time(), "values": values, "set": flag_values(args, "--set"),
               "notes": state.get("release_notes", "")}
        if existing:
            rel["objects"] = existing.get("objects", [])
            rel["release_secrets"] = existing.get("release_secrets", [])
        if state.get("api"):
            try:
                objects = release_objects(state, chart, values, rel["set"], name, namespace, revision)
                apply_release(state["api"], state, rel, objects, "--create-namespace" in args)
            except ApiFailure as e:
                rel["status"] = "failed"
                releases[key] = rel
                call.stderr("Error: %s FAILED: %s\n" % ("UPGRADE" if existing else "INSTALLATION", e))
                return 1
            except Exception as e:  # rendering errors from Helm's engine
                call.stderr("Error: %s FAILED: %s\n" % ("UPGRADE" if existing else "INSTALLATION", e))
                return 1
        releases[key] = rel
        if existing is None and pos[0] == "upgrade":
            call.stdout('Release "%s" does not exist. Installing it now.\n' % name)
        elif existing is not None:
            call.stdout('Release "%s" has been upgraded. Happy Helming!\n' % name)
        helm_summary(call, rel)
        return 0
    if pos[0] in ("uninstall", "delete", "del", "un"):
        name = pos[1] if len(pos) > 1 else ""
        if key not in releases:
            call.stderr("Error: uninstall: Release not loaded: %s: release: not found\n" % name)
            return 1
        if state.get("api"):
            uninstall_release(state["api"], releases[key])
        del releases[key]
        call.stdout('release "%s" uninstalled\n' % name)
        return 0
    if pos[0] == "status":
        rel = releases.get(key)
        if rel is None:
            call.stderr("Error: release: not found\n")
            return 1
        output = (flag_values(args, "-o", "--output") or ["table"])[-1]
        if output == "json":
            call.stdout(json.dumps({
                "name": rel["name"],
                "info": {"first_deployed": rel["updated"], "last_deployed": rel["updated"], "deleted": "",
                         "description": "Install complete" if rel["revision"] == 1 else "Upgrade complete",
                         "status": rel["status"], "notes": rel.get("notes", "")},
                "config": {}, "version": rel["revision"], "namespace": rel["namespace"],
            }, separators=(",", ":")) + "\n")
        else:
            helm_summary(call, rel)
        return 0
    if pos[0] == "template":
        if len(pos) < 3:
            call.stderr('Error: "helm template" requires at least 1 argument\n')
            return 1
        docs = []
        for v in flag_values(args, "-f", "--values"):
            if v == "-":
                call.stdin = sys.stdin.read()
                docs.append(call.stdin)
            else:
                with open(v) as f:
                    docs.append(f.read())
                call.files[v] = docs[-1]
        try:
            rendered, _ = render_chart(pos[2], docs, flag_values(args, "--set"), pos[1], namespace, 1)
        except Exception as e:
            call.stderr("Error: %s\n" % e)
            return 1
        for path in sorted(rendered):
            if path.endswith("NOTES.txt") or not rendered[path].strip():
                continue
            call.stdout("---\n# Source: %s\n%s\n" % (path, rendered[path].strip("\n")))
        return 0
    if pos[0] in ("list", "ls"):
        rels = [r for k, r in sorted(releases.items()) if "--all-namespaces" in args or "-A" in args or r["namespace"] == namespace]
        output = (flag_values(args, "-o", "--output") or ["table"])[-1]
        if output == "json":
            call.stdout(json.dumps([{"name": r["name"], "namespace": r["namespace"], "revision": str(r["revision"]),
                                     "updated": r["updated"], "status": r["status"], "chart": os.path.basename(r["chart"].rstrip("/")),
                                     "app_version": ""} for r in rels], separators=(",", ":")) + "\n")
        else:
            call.stdout("NAME\tNAMESPACE\tREVISION\tUPDATED\tSTATUS\tCHART\tAPP VERSION\n")
            for r in rels:
                call.stdout("%s\t%s\t%d\t%s\t%s\t%s\t\n" % (r["name"], r["namespace"], r["revision"], r["updated"], r["status"], r["chart"]))
        return 0
    call.stderr('Error: unknown command "%s" for "helm"\nRun \'helm --help\' for usage.\n' % pos[0])
    return 1


# ---- failures on demand ------------------------------------------------------------------------

def injected_failure(state):
    """The first failure rule in the state matching this call (consumed when it has a count)."""
    for rule in state.get("failures", []):
        if rule.get("tool") != TOOL:
            continue
        words = rule.get("args_prefix", [])
        if ARGV[:len(words)] != words:
            continue
        if rule.get("times") is not None:
            if rule["times"] <= 0:
                continue
            rule["times"] -= 1
        return rule
    return None


def record(call, code):
    env = {k: v for k, v in os.environ.items() if k in ENV_KEYS or k.startswith(ENV_PREFIXES)}
    entry = {"tool": TOOL, "argv": ARGV, "stdin": call.stdin, "files": call.files, "env": env,
             "cwd": os.getcwd(), "pid": os.getpid(), "exit_code": code}
    with open(LOG, "a") as f:
        f.write(json.dumps(entry) + "\n")


def run_real_helm(path, call, lock):
    """Records the call, then runs the real helm with the same arguments, environment and stdin
    (its output passed through): the recording is all that is fake."""
    import subprocess
    stdin = None
    if "-" in flag_values(ARGV, "-f", "--values"):
        stdin = call.stdin = sys.stdin.read()
    for v in flag_values(ARGV, "-f", "--values"):
        if v != "-":
            try:
                with open(v) as f:
                    call.files[v] = f.read()
            except OSError:
                pass
    # Signals reach helm as if ssp had started it directly; the shim ends when helm does. One
    # arriving before helm is started is kept and passed on as soon as it is.
    running = {"child": None, "pending": None}

    def forward(signum, _frame):
        if running["child"] is not None:
            running["child"].send_signal(signum)
        else:
            running["pending"] = signum

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, forward)
    # Recorded (exit code null) before helm runs, so a test can see the call while it runs; the
    # exit code is filled in afterwards.
    record(call, None)
    fcntl.flock(lock, fcntl.LOCK_UN)
    child = subprocess.Popen([path] + ARGV, stdin=subprocess.PIPE if stdin is not None else sys.stdin)
    running["child"] = child
    if running["pending"] is not None:
        child.send_signal(running["pending"])
    if stdin is not None:
        try:
            child.stdin.write(stdin.encode())
            child.stdin.close()
        except BrokenPipeError:
            pass
    child.wait()
    done = child
    with open(LOCK, "a") as again:
        fcntl.flock(again, fcntl.LOCK_EX)
        with open(LOG) as f:
            entries = [json.loads(line) for line in f if line.strip()]
        for entry in entries:
            if entry["pid"] == os.getpid() and entry["tool"] == TOOL and entry["exit_code"] is None:
                entry["exit_code"] = done.returncode
        with open(LOG, "w") as f:
            f.write("".join(json.dumps(e) + "\n" for e in entries))
    return done.returncode


def main():
    with open(LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = load()
        call = Call()
        rule = injected_failure(state)
        if rule is not None:
            if "--values" in ARGV or "-f" in ARGV:
                if "-" in flag_values(ARGV, "-f", "--values"):
                    call.stdin = sys.stdin.read()
            if rule.get("hang"):
                # Recorded (exit code null) before hanging until a signal ends the process, so a
                # test can interrupt the caller while it waits on this tool.
                save(state)
                record(call, None)
                fcntl.flock(lock, fcntl.LOCK_UN)
                sys.stdout.write(rule.get("stdout", ""))
                sys.stdout.flush()
                signal.signal(signal.SIGINT, signal.SIG_DFL)  # die by the signal, as a Go binary does
                while True:
                    time.sleep(3600)
            call.stdout(rule.get("stdout", ""))
            call.stderr(rule.get("stderr", ""))
            code = int(rule.get("exit_code", 1))
        elif TOOL == "helm" and state.get("real_helm"):
            return run_real_helm(state["real_helm"], call, lock)
        else:
            code = (k3d if TOOL == "k3d" else helm)(call, state)
        save(state)
        record(call, code)
    sys.stdout.write("".join(call.out))
    sys.stderr.write("".join(call.err))
    sys.stdout.flush()
    sys.stderr.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
