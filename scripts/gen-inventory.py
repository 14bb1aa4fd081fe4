#!/usr/bin/env python3
"""Writes scenarios/inventory-example.csv: a synthetic canonical inventory of 2,000 devices (never real data).

Deterministic (no randomness): the counts per site, path, state and attribute are fixed by the row number,
so `cofleet inventory summarize scenarios/inventory-example.csv` prints the same figures on every machine.
Run from the repository root: python3 scripts/gen-inventory.py
`python3 scripts/gen-inventory.py ROWS FILE` writes ROWS rows to FILE instead (the 1M-row load benchmark in
docs/performance.md).
"""
import sys

SITES = ["HQ", "Plant-North", "Branch-South"]
COLUMNS = ["device_id", "name", "site", "os_build", "join", "cm_client", "intune_enrolled", "network",
           "last_seen", "online_profile", "bitlocker", "firewall", "defender"]


def row(i):
    site = SITES[0] if i % 10 < 5 else SITES[1] if i % 10 < 8 else SITES[2]
    k = i % 20
    if k < 3:  # already co-managed
        join, cm, intune = "hybrid", "active", "true"
    elif k < 14:  # existing clients to enroll
        join, cm, intune = "domain", "active", "false"
    elif k < 16:  # inactive clients
        join, cm, intune = "domain", "inactive", "false"
    else:  # new Autopilot devices
        join, cm, intune = "azure_ad", "none", "false"
    network = "internet" if cm == "none" or i % 7 == 0 else ("vpn" if i % 11 == 0 else "intranet")
    profile = ["always_on", "office_hours", "office_hours", "office_hours", "intermittent"][i % 5]
    build = ["10.0.19045", "10.0.19045", "10.0.22631", "19044"][i % 4]
    bitlocker = "false" if i % 13 == 0 else "true"
    firewall = "" if i % 3 == 0 else "true"  # unknown: drawn from the scenario's share
    defender = "false" if i % 31 == 0 else "true"
    last_seen = "2027-01-0%dT09:00:00Z" % (1 + i % 3)
    return [f"dev-{i:05d}", f"PC{i:05d}", site, build, join, cm, intune, network, last_seen, profile,
            bitlocker, firewall, defender]


ROWS, FILE = (int(sys.argv[1]), sys.argv[2]) if len(sys.argv) == 3 else (2000, "scenarios/inventory-example.csv")
with open(FILE, "w", newline="") as f:
    f.write(",".join(COLUMNS) + "\n")
    for i in range(ROWS):
        f.write(",".join(row(i)) + "\n")
