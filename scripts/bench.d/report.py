"""Prints scripts/bench's figures: sandbox wall times side by side, the same runs stretched to real-AWS step
durations, and slinky's own peak memory. Reads what scripts/bench left in its work folder; asserts nothing.

Stretching (the method, also printed): each run is re-timed with every step that has an entry in the table
taking its real-AWS duration instead of the sandbox's.
  seed order: its commands run one after another, so the stretched time is the measured wall time, minus the
    sandbox time of each command with a table entry, plus that entry (the final apply also gets the kubernetes
    entry: the seed installs the same helm releases inside it).
  slinky: steps run as soon as their dependencies are done, so the stretched time is the measured wall time,
    minus the longest dependency path through the recorded step durations (the journal's), plus the longest
    path once the table's durations are put in. The dependencies are those of Sources/SlinkyCore/Steps/Pipelines.swift.
"""
import glob
import json
import os
import sys

work, table = sys.argv[1], json.loads(sys.argv[2])

results = {}
for line in open(f"{work}/results.tsv"):
    label, seconds, status = line.rstrip("\n").split("\t")
    results[label] = (float(seconds), int(status))

# Install and cleanup dependencies as Pipelines.swift declares them (main steps also wait for the prelude).
INSTALL = {
    "preflight": [], "identity": ["preflight"],
    "ecr-repository": ["identity"], "image": ["ecr-repository"], "ssh-key": ["identity"],
    "blueprint": ["image", "ssh-key"], "terraform-init": ["identity"], "terraform-vpc": ["terraform-init"],
    "terraform-eks": ["terraform-vpc"], "terraform-apply": ["terraform-eks", "blueprint"],
    "kubernetes": ["terraform-apply"], "example-job": ["terraform-apply"], "access": ["kubernetes"],
}
CLEANUP_CHAIN = ["preflight", "identity", "terraform-init", "release-kubernetes", "destroy-fsx", "destroy-controller_iam",
                 "destroy-karpenter", "destroy-eks", "sweep", "destroy-vpc", "destroy-all"]
CLEANUP = {step: CLEANUP_CHAIN[:i][-1:] for i, step in enumerate(CLEANUP_CHAIN)}


def longest_path(graph, durations):
    finish = {}

    def end(step):
        if step not in finish:
            finish[step] = max((end(d) for d in graph.get(step, []) if d in durations), default=0.0) + durations.get(step, 0.0)
        return finish[step]

    return max((end(s) for s in durations), default=0.0)


def slinky_stretched(journal_path, phase, graph, wall):
    journal = json.load(open(journal_path))
    measured = {step: record.get("durationSeconds") or 0.0 for step, record in journal[phase].items()}
    stretched = {step: float(table.get(step, seconds)) for step, seconds in measured.items()}
    return wall - longest_path(graph, measured) + longest_path(graph, stretched)


def seed_stretched(tsv, wall, extra=None):
    # Several commands can share a key (the push is `docker login`, `docker tag` and `docker push`): the
    # table's duration stands for all of them together, so it replaces their summed sandbox time once.
    sandbox = {}
    for line in open(tsv):
        key, start, end = line.rstrip("\n").split("\t")
        sandbox[key] = sandbox.get(key, 0.0) + float(end) - float(start)
    total = wall
    for key, seconds in sandbox.items():
        parts = key.split("+")
        if any(k in table for k in parts):
            total += sum(float(table[k]) for k in parts if k in table) - seconds
    return total + sum(float(table[k]) for k in (extra or []))


def row(name, seed, slinky):
    ratio = f"{slinky / seed:5.2f}" if seed > 0 else "  -  "
    print(f"  {name:34} {seed:9.1f} s {slinky:9.1f} s   {ratio}")


print("\nslinky beside the seed's order (setup.sh + install.sh / cleanup.sh as one plain script), local sandbox")
print(f"  {'':34} {'seed order':>11} {'slinky':>11}   slinky/seed")
pairs = [("first install", "seed: first install", "slinky: first install"),
         ("re-run (nothing changed)", "seed: re-run", "slinky: re-run"),
         ("install failing at the VPC apply", "seed: install failing at vpc", "slinky: install failing at vpc"),
         ("resume after that failure", "seed: resume", "slinky: resume"),
         ("cleanup", "seed: cleanup", "slinky: cleanup"),
         ("cleanup of the resumed cluster", "seed: cleanup (resumed cluster)", "slinky: cleanup (resumed cluster)")]
for name, seed_label, slinky_label in pairs:
    if seed_label in results and slinky_label in results:
        row(name, results[seed_label][0], results[slinky_label][0])
failed = [f"{label} (exit {status})" for label, (_, status) in results.items()
          if status != 0 and "failing" not in label]
if failed:
    print("  runs that failed: " + ", ".join(failed))

print("\nthe same, stretched to real-AWS step durations (table in scripts/bench; method below)")
print(f"  {'':34} {'seed order':>11} {'slinky':>11}   slinky/seed")
seed_install = seed_stretched(f"{work}/seed-install.tsv", results["seed: first install"][0], extra=["kubernetes"])
slinky_install = slinky_stretched(f"{work}/slinky-install-journal.json", "install", INSTALL, results["slinky: first install"][0])
row("first install", seed_install, slinky_install)
seed_cleanup = seed_stretched(f"{work}/seed-cleanup.tsv", results["seed: cleanup"][0])
slinky_cleanup = slinky_stretched(f"{work}/slinky-cleanup-journal.json", "cleanup", CLEANUP, results["slinky: cleanup"][0])
row("cleanup", seed_cleanup, slinky_cleanup)
print("  method: every step with a table entry takes that duration instead of the sandbox's. The seed order is")
print("  sequential: its wall time minus each such command's sandbox time plus the entry (its final apply also gets")
print("  the kubernetes entry: it installs the same helm releases). slinky runs a step once its dependencies are")
print("  done: its wall time minus the longest dependency path through the journal's step durations plus the")
print("  longest path with the table's durations (dependencies of Pipelines.swift). The image build and push")
print("  then run beside the VPC and EKS applies; cleanup is a chain in both, so it stays near 1.")

print("\nno-op re-runs (slinky, release build)")
for label, (seconds, status) in results.items():
    if label.startswith("slinky: re-run"):
        print(f"  {label[len('slinky: '):]:34} {seconds:9.2f} s   exit {status}")

# aws CLI start-ups of a no-op re-run (recorded by count_aws_calls in scripts/bench), and the longest chain of
# them that ran one after another: each link costs a whole start-up of the CLI, whatever runs beside it.
for calls_file in sorted(glob.glob(os.path.join(work, "aws-calls-*.tsv"))):
    name = os.path.basename(calls_file)[len("aws-calls-"):-len(".tsv")]
    calls = []
    with open(calls_file) as f:
        for line in f:
            start, end, arguments = line.rstrip("\n").split("\t", 2)
            calls.append((float(start), float(end), arguments))
    calls.sort(key=lambda call: call[1])
    chain = []
    for i, (start, _, _) in enumerate(calls):
        chain.append(1 + max([chain[j] for j in range(i) if calls[j][1] <= start] or [0]))
    operations = ", ".join(" ".join(arguments.split()[:2]) for _, _, arguments in sorted(calls))
    print(f"  {name:34} {len(calls)} aws CLI start-ups, {max(chain or [0])} one after another: {operations}")

print("\nshared state (bucket in moto's S3)")
for label, (seconds, status) in results.items():
    if label.startswith("slinky:") and ("shared" in label or "fresh" in label or "state init" in label) and "re-run" not in label:
        print(f"  {label[len('slinky: '):]:34} {seconds:9.2f} s   exit {status}")

print("\nslinky's own peak memory (getrusage RUSAGE_SELF ru_maxrss and /proc/self/status VmHWM, written by slinky")
print("as it exits when SLINKY_REPORT_PEAK_MEMORY is set: this process only, not terraform, aws or docker)")
for label in results:
    if not label.startswith("slinky:"):
        continue
    try:
        lines = open(f"{work}/{label}.log", errors="replace").read().splitlines()
    except OSError:
        continue
    peak = next((l for l in reversed(lines) if l.startswith("slinky peak memory")), None)
    if peak:
        print(f"  {label[len('slinky: '):]:34} {peak.split('):', 1)[1].strip()}")
