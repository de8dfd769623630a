# The fake `k3d` and the recording shim around the real `helm`, for ssp's tests. Written into a
# temp bin dir by `fakes/mod.rs`, once per tool name; which tool it plays is taken from the name
# it was called by.
#
# Every call appends one JSON line to <root>/fake-calls.jsonl: tool, argv, stdin (only what the
# real tool would read: helm's `--values -`), the files it was pointed at (k3d `--config`, helm
# `--values`), selected environment, exit code. The fake cluster state lives in
# <root>/fake-state.json, which the test reads and writes through the Rust handle.
#
# `helm` is the real helm v3.19.0 (state `real_helm`: its path): the call is recorded, then helm
# runs with the same arguments, environment and stdin, signals passed on (see run_real_helm).
#
# `k3d` reproduces k3d v5.8.3:
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
        # Replaced whole, never truncated in place: a test reading the log meanwhile (polling for a
        # call) must not see it empty or cut.
        tmp = LOG + ".tmp"
        with open(tmp, "w") as f:
            f.write("".join(json.dumps(e) + "\n" for e in entries))
        os.replace(tmp, LOG)
    return done.returncode


def main():
    with open(LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = load()
        call = Call()
        if TOOL == "helm":
            if not state.get("real_helm"):
                sys.stderr.write("fake helm: no real helm configured (FakeTools::use_real_helm)\n")
                return 1
            return run_real_helm(state["real_helm"], call, lock)
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
        else:
            code = k3d(call, state)
        save(state)
        record(call, code)
    sys.stdout.write("".join(call.out))
    sys.stderr.write("".join(call.err))
    sys.stdout.flush()
    sys.stderr.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
