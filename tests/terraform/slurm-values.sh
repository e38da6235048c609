#!/usr/bin/env bash
# Renders the Slurm cluster's chart values and login service offline, through
# terraform/kubernetes/modules/slurm_values (no provider), and checks that the
# slurmd image, the login key and the login CIDR land where the Slinky chart
# and the load balancer controller read them, that the login load balancer
# carries the cluster's tags, that 0.0.0.0/0 is refused unless
# allow_open_login is set, and that a tag the controller could not parse is
# refused. One line per check, then "N passed, M failed".
#   tests/terraform/slurm-values.sh
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fixture="$here/slurm_values_fixture"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Offline: only the machine's provider mirror, never the registry (the module
# needs no provider, so init installs nothing).
cat >"$tmp/terraformrc" <<'RC'
provider_installation {
  filesystem_mirror {
    path    = "/opt/tf-plugins"
    include = ["registry.terraform.io/*/*"]
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
RC
export TF_CLI_CONFIG_FILE="$tmp/terraformrc"
export TF_DATA_DIR="$tmp/data"
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
unset TF_VAR_image_repository TF_VAR_image_tag TF_VAR_ssh_key TF_VAR_login_allow_cidr TF_VAR_allow_open_login TF_VAR_tags

image_repository="111122223333.dkr.ecr.us-west-2.amazonaws.com/slurm-on-eks/slurmd"
image_tag="25.05-test"
ssh_key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHRlc3Qta2V5LW5vdC11c2VkLWFueXdoZXJlLTAwMDAw slurm-login"
cidr="203.0.113.7/32"

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

tf() { terraform -chdir="$fixture" "$@"; }

# apply NAME [-var ...]: applies the fixture into its own state file.
apply() {
    local state="$tmp/$1.tfstate"
    shift
    tf apply -auto-approve -input=false -no-color -state="$state" \
        -var "image_repository=$image_repository" -var "image_tag=$image_tag" -var "ssh_key=$ssh_key" "$@"
}

if tf init -input=false -no-color -backend=false >"$tmp/init.log" 2>&1; then
    ok "terraform init (offline, no provider)"
else
    fail "terraform init (offline, no provider)"
    sed 's/^/     /' "$tmp/init.log"
    finish
fi

if apply main -var "login_allow_cidr=$cidr" >"$tmp/apply.log" 2>&1; then
    ok "terraform apply with login_allow_cidr=$cidr"
else
    fail "terraform apply with login_allow_cidr=$cidr"
    sed 's/^/     /' "$tmp/apply.log"
    finish
fi
tf output -state="$tmp/main.tfstate" -raw values_yaml >"$tmp/values.yaml"
tf output -state="$tmp/main.tfstate" -raw login_service_yaml >"$tmp/login-service.yaml"

# Each line the checker prints is "ok ..." or "FAIL ...".
while IFS= read -r line; do
    case "$line" in
        "ok "*) ok "${line#ok }" ;;
        *) fail "${line#FAIL }" ;;
    esac
done < <(
    IMAGE_REPOSITORY="$image_repository" IMAGE_TAG="$image_tag" SSH_KEY="$ssh_key" CIDR="$cidr" \
        python3 - "$tmp/values.yaml" "$tmp/login-service.yaml" 2>&1 <<'PY'
import os, sys
import yaml

def check(name, fn):
    try:
        result = fn()
    except Exception as e:  # a missing key is a failed check, not a crash
        print(f"FAIL {name}: {type(e).__name__}: {e}")
        return
    if result is True:
        print(f"ok {name}")
    else:
        print(f"FAIL {name}: {result}")

def expect(got, want):
    return True if got == want else f"got {got!r}, want {want!r}"

docs = {}
for key, path in (("values", sys.argv[1]), ("service", sys.argv[2])):
    try:
        with open(path) as f:
            docs[key] = yaml.safe_load(f)
        print(f"ok {os.path.basename(path)} parses as YAML")
    except Exception as e:
        print(f"FAIL {os.path.basename(path)} parses as YAML: {e}")
        docs[key] = {}

v, svc = docs["values"], docs["service"]
node = lambda: v["nodesets"]["hp-node"]
login = lambda: v["loginsets"]["slinky"]

check("values: nodesets.hp-node.slurmd.image.repository is the image repository",
      lambda: expect(node()["slurmd"]["image"]["repository"], os.environ["IMAGE_REPOSITORY"]))
check("values: nodesets.hp-node.slurmd.image.tag is the image tag",
      lambda: expect(node()["slurmd"]["image"]["tag"], os.environ["IMAGE_TAG"]))
check("values: nodesets.hp-node asks for a GPU and an EFA device",
      lambda: expect({k: node()["slurmd"]["resources"]["limits"].get(k) for k in ("nvidia.com/gpu", "vpc.amazonaws.com/efa")},
                     {"nvidia.com/gpu": 1, "vpc.amazonaws.com/efa": 1}))
check("values: loginsets.slinky is enabled",
      lambda: expect(login()["enabled"], True))
check("values: loginsets.slinky.rootSshAuthorizedKeys holds the ssh key",
      lambda: expect(login()["rootSshAuthorizedKeys"].splitlines(), [os.environ["SSH_KEY"]]))
check("values: /fsx is mounted from the claim in login and compute pods",
      lambda: expect([login()["login"]["volumeMounts"], node()["slurmd"]["volumeMounts"][:1],
                      login()["podSpec"]["volumes"][0]["persistentVolumeClaim"]["claimName"]],
                     [[{"name": "fsx", "mountPath": "/fsx"}]] * 2 + ["fsx-claim"]))
check("values: accounting is on and slurmdbd stores into the layer's MariaDB",
      lambda: expect([v["accounting"]["enabled"], v["accounting"]["storageConfig"]],
                     [True, {"host": "slurm-mariadb", "port": 3306, "database": "slurm_acct_db", "username": "slurm",
                             "passwordKeyRef": {"name": "slurm-mariadb", "key": "password"}}]))
check("values: compute pods get a memory-backed /dev/shm",
      lambda: expect([[m for m in node()["slurmd"]["volumeMounts"] if m["mountPath"] == "/dev/shm"],
                      [v.get("emptyDir", {}).get("medium") for v in node()["podSpec"]["volumes"] if v["name"] == "shm"]],
                     [[{"name": "shm", "mountPath": "/dev/shm"}], ["Memory"]]))

ann = lambda: svc["metadata"]["annotations"]
p = "service.beta.kubernetes.io/aws-load-balancer-"
check("login service: type LoadBalancer of class service.k8s.aws/nlb",
      lambda: expect([svc["spec"]["type"], svc["spec"]["loadBalancerClass"]], ["LoadBalancer", "service.k8s.aws/nlb"]))
check("login service: spec.loadBalancerSourceRanges is exactly the CIDR",
      lambda: expect(svc["spec"]["loadBalancerSourceRanges"], [os.environ["CIDR"]]))
check("login service: NLB internet-facing, IP targets, health check on 22, client IP kept",
      lambda: expect({k: ann().get(p + k) for k in ("type", "scheme", "nlb-target-type", "healthcheck-port", "target-group-attributes")},
                     {"type": "external", "scheme": "internet-facing", "nlb-target-type": "ip",
                      "healthcheck-port": "22", "target-group-attributes": "preserve_client_ip.enabled=true"}))
check("login service: port 22 to the login pods",
      lambda: expect([svc["spec"]["ports"][0]["port"], svc["spec"]["ports"][0]["targetPort"],
                      svc["spec"]["selector"]], [22, 22, {"loginset.slinky.slurm.net/name": "slurm-login-slinky"}]))
check("login service: its load balancer, target group and security groups get the cluster's tags, slinky's own unchangeable",
      lambda: expect(dict(kv.split("=", 1) for kv in ann()[p + "additional-resource-tags"].split(",")),
                     {"slinky:cluster": "slurm-test", "managed-by": "slinky", "environment": "test"}))
check("nothing rendered is open to 0.0.0.0/0",
      lambda: True if "0.0.0.0/0" not in yaml.safe_dump(v) + yaml.safe_dump(svc) else "0.0.0.0/0 found")
PY
)

if apply open -var "login_allow_cidr=0.0.0.0/0" >"$tmp/open.log" 2>&1; then
    fail "login_allow_cidr=0.0.0.0/0 without allow_open_login is refused (apply succeeded)"
elif grep -q "allow_open_login" "$tmp/open.log"; then
    ok "login_allow_cidr=0.0.0.0/0 without allow_open_login is refused"
else
    fail "login_allow_cidr=0.0.0.0/0 without allow_open_login is refused (failed for another reason)"
    sed 's/^/     /' "$tmp/open.log"
fi

if apply open-allowed -var "login_allow_cidr=0.0.0.0/0" -var "allow_open_login=true" >"$tmp/open-allowed.log" 2>&1 &&
    tf output -state="$tmp/open-allowed.tfstate" -raw login_service_yaml |
    python3 -c 'import sys, yaml; sys.exit(yaml.safe_load(sys.stdin)["spec"]["loadBalancerSourceRanges"] != ["0.0.0.0/0"])'; then
    ok "login_allow_cidr=0.0.0.0/0 with allow_open_login=true is rendered"
else
    fail "login_allow_cidr=0.0.0.0/0 with allow_open_login=true is rendered"
    sed 's/^/     /' "$tmp/open-allowed.log"
fi

digest="sha256:$(printf '%064d' 7)"
if apply digest -var "login_allow_cidr=$cidr" -var "image_digest=$digest" >"$tmp/digest.log" 2>&1 &&
    tf output -state="$tmp/digest.tfstate" -raw values_yaml |
    EXPECTED="$image_tag@$digest" python3 -c 'import os, sys, yaml; sys.exit(yaml.safe_load(sys.stdin)["nodesets"]["hp-node"]["slurmd"]["image"]["tag"] != os.environ["EXPECTED"])'; then
    ok "with image_digest set, compute pods pull tag@digest"
else
    fail "with image_digest set, compute pods pull tag@digest"
    sed 's/^/     /' "$tmp/digest.log"
fi

if apply bad -var "login_allow_cidr=203.0.113.7" >"$tmp/bad.log" 2>&1; then
    fail "login_allow_cidr without a prefix length is refused (apply succeeded)"
elif grep -q "valid CIDR" "$tmp/bad.log"; then
    ok "login_allow_cidr without a prefix length is refused"
else
    fail "login_allow_cidr without a prefix length is refused (failed for another reason)"
    sed 's/^/     /' "$tmp/bad.log"
fi

# The load balancer controller reads the tags as "key=value,key=value".
if apply badtag -var "login_allow_cidr=$cidr" -var 'tags={team = "a,b"}' >"$tmp/badtag.log" 2>&1; then
    fail "a tag value with ',' is refused (apply succeeded)"
elif tr -s ' \n' ' ' <"$tmp/badtag.log" | grep -q "must not contain"; then
    ok "a tag value with ',' is refused"
else
    fail "a tag value with ',' is refused (failed for another reason)"
    sed 's/^/     /' "$tmp/badtag.log"
fi

finish
