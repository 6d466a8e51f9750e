#!/usr/bin/env python3
"""`make soak`: load against one store for SOAK_SECONDS (default 300), then the checks.

- 8 reviewer processes loop: pull a session, save a draft, save again, submit; now and then an
  export or a scorecard run. Every command is a real `msreview` process.
- an importer imports more generated bundles in slices while they work;
- a killer sends SIGKILL to a random running msreview process every 1–4 s.

Afterwards: PRAGMA integrity_check; no session reviewed twice as work; every submit that was
acknowledged (exit 0) is stored exactly as submitted; counts add up; a final import completes.
The figures go into docs/reliability.md (between the soak markers)."""
import json, os, random, re, signal, subprocess, sys, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MSR = os.path.join(ROOT, ".build", "release", "msreview")
OUT = os.path.join(ROOT, "bench-out", "soak")
SECONDS = int(os.environ.get("SOAK_SECONDS", "300"))
WORKERS = 8
FIRST, LATER = 6000, 2000
random.seed(9)

lock = threading.Lock()
running = {}          # pid -> Popen, for the killer
stats = {"pull": 0, "show": 0, "draft": 0, "submit": 0, "export": 0, "scorecards": 0, "import": 0,
         "killed": 0, "errors": 0, "nothing_to_claim": 0}
error_lines = []
acked = []            # (reviewer, session, answers) of acknowledged submits
attempted_submits = []  # (reviewer, session) of submits killed before an answer


def run(args, reviewer=None):
    cmd = [MSR, "--db", DB] + (["--reviewer", reviewer] if reviewer else []) + args
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with lock:
        running[p.pid] = p
    out, err = p.communicate()
    with lock:
        running.pop(p.pid, None)
    return p.returncode, out, err


def count(key, n=1):
    with lock:
        stats[key] += n


def failed(rc, err, what):
    if rc == -signal.SIGKILL:
        count("killed")
        return True
    if rc != 0:
        count("errors")
        with lock:
            error_lines.append(f"{what}: {err.strip()}")
        return True
    return False


def answers_for(checklist):
    """Random valid answers; items that need evidence when failing, or are critical, pass."""
    out = {}
    for section in checklist["sections"]:
        for item in section["items"]:
            kind, safe = item["kind"], item["evidence"] or item["critical"] != "none"
            if kind == "yesno":
                out[item["id"]] = "yes" if safe or random.random() < 0.8 else "no"
            else:
                top = int(kind.split()[1])
                out[item["id"]] = top if safe else random.randint(1 if kind.startswith("scale") else 0, top)
    return out


def worker(name, checklists, deadline, tmp):
    i = 0
    while time.time() < deadline:
        i += 1
        if i % 12 == 0:
            rc, _, err = run(["export", "items", "--out", os.path.join(tmp, f"{name}.csv")], name)
            if not failed(rc, err, "export"):
                count("export")
            continue
        if i % 17 == 0:
            rc, _, err = run(["scorecards", "--json"], name)
            if not failed(rc, err, "scorecards"):
                count("scorecards")
            continue
        rc, out, err = run(["pull", "--count", "1", "--json"], name)
        if failed(rc, err, "pull"):
            continue
        claimed = json.loads(out).get("claimed", [])
        if not claimed:
            count("nothing_to_claim")
            time.sleep(0.2)
            continue
        count("pull")
        session = claimed[0]
        rc, out, err = run(["show", session, "--json"], name)
        if failed(rc, err, "show"):
            continue
        count("show")
        full = answers_for(checklists[json.loads(out)["checklist"]])
        half = dict(list(full.items())[: len(full) // 2])
        path = os.path.join(tmp, f"{name}.json")
        for doc, submit in ((half, False), (full, True)):
            with open(path, "w") as f:
                json.dump({"answers": doc}, f)
            rc, _, err = run(["score", session, "--answers", path] + (["--submit"] if submit else []), name)
            if failed(rc, err, "score"):
                if submit and rc == -signal.SIGKILL:
                    with lock:
                        attempted_submits.append((name, session))
                # A killed or failed save: the claim stays ours; move on (it is retried by nobody).
                break
            if submit:
                count("submit")
                with lock:
                    acked.append((name, session, dict(full)))
            else:
                count("draft")


def importer(deadline, spool_slices):
    for s in spool_slices:
        if time.time() > deadline:
            break
        rc, out, err = run(["import", s, "--json"])
        if not failed(rc, err, "import"):
            count("import")
        time.sleep(1)


def killer(deadline):
    kills = 0
    while time.time() < deadline:
        time.sleep(random.uniform(1, 4))
        with lock:
            victims = [p for p in running.values() if p.poll() is None]
        if victims:
            v = random.choice(victims)
            try:
                os.kill(v.pid, signal.SIGKILL)
                kills += 1
            except ProcessLookupError:
                pass
    return kills


def main():
    global DB
    subprocess.run(["rm", "-rf", OUT], check=True)
    os.makedirs(OUT)
    DB = os.path.join(OUT, "soak.sqlite")
    tmp = os.path.join(OUT, "tmp")
    os.makedirs(tmp)
    def must(args, reviewer=None):
        rc, out, err = run(args, reviewer)
        if rc != 0:
            sys.exit(f"soak setup failed: {args}: {err}")
        return out
    # 8,000 bundles of one seed (distinct ids): 6,000 to start with, 2,000 imported during the run.
    must(["samples", "generate", "--count", str(FIRST + LATER), "--out", os.path.join(OUT, "all"), "--seed", "21", "--audio-seconds", "1"])
    bundles = sorted(os.listdir(os.path.join(OUT, "all")), key=lambda b: int(b.rsplit("-", 1)[1]))
    os.makedirs(os.path.join(OUT, "first"))
    for b in bundles[:FIRST]:
        os.rename(os.path.join(OUT, "all", b), os.path.join(OUT, "first", b))
    must(["import", os.path.join(OUT, "first")])
    must(["reviewers", "add", "lead", "--role", "lead"], "lead")
    must(["checklists", "load", os.path.join(ROOT, "Checklists")], "lead")
    names = [f"r{i}" for i in range(1, WORKERS + 1)]
    for n in names:
        must(["reviewers", "add", n], "lead")
    checklists = {c: json.loads(must(["checklists", "show", c, "--json"], "lead"))
                  for c in ("bank-branch", "pharmacy", "fuel-station", "public-services")}
    slices = []
    for k in range(FIRST, FIRST + LATER, 200):
        d = os.path.join(OUT, f"slice-{(k - FIRST) // 200:02d}")
        os.makedirs(d)
        for b in bundles[k:k + 200]:
            os.rename(os.path.join(OUT, "all", b), os.path.join(d, b))
        slices.append(d)

    start = time.time()
    deadline = start + SECONDS
    threads = [threading.Thread(target=worker, args=(n, checklists, deadline, tmp)) for n in names]
    threads.append(threading.Thread(target=importer, args=(deadline, slices)))
    kill_result = []
    threads.append(threading.Thread(target=lambda: kill_result.append(killer(deadline))))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.time() - start

    # Finish the imports (slices a kill interrupted or the clock cut off), then check.
    for s in slices:
        must(["import", s])
    import sqlite3
    con = sqlite3.connect(DB)
    integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    sessions = con.execute("SELECT count(*) FROM sessions").fetchone()[0]
    twice = con.execute("""SELECT count(*) FROM (SELECT session_id FROM reviews WHERE purpose = 'work'
                           AND status IN ('submitted', 'approved') GROUP BY session_id HAVING count(*) > 1)""").fetchone()[0]
    open_twice = con.execute("""SELECT count(*) FROM (SELECT session_id FROM reviews WHERE purpose = 'work'
                           AND status IN ('claimed', 'draft', 'returned') GROUP BY session_id HAVING count(*) > 1)""").fetchone()[0]
    stored_submitted = con.execute("SELECT count(*) FROM reviews WHERE status = 'submitted'").fetchone()[0]
    differ = 0
    for reviewer, session, answers in acked:
        row = con.execute("SELECT id FROM reviews WHERE session_id = ? AND reviewer = ? AND status = 'submitted'", (session, reviewer)).fetchone()
        if row is None:
            differ += 1
            continue
        stored = {item: answer for item, answer in con.execute("SELECT item_id, answer FROM review_answers WHERE review_id = ?", (row[0],))}
        if stored != {k: str(v) for k, v in answers.items()}:
            differ += 1
    unexplained = stored_submitted - len(acked) - len(attempted_submits)
    lost = differ + max(0, unexplained) + (0 if integrity == "ok" else 1) + twice + open_twice + (0 if sessions == FIRST + LATER else 1)
    ops = sum(stats[k] for k in ("pull", "show", "draft", "submit", "export", "scorecards", "import"))
    report = {
        "seconds": round(wall), "operations": ops, **stats, "kills_sent": kill_result[0] if kill_result else 0,
        "integrity": integrity, "sessions": sessions, "reviewed_twice": twice, "claimed_twice": open_twice,
        "acknowledged_submits": len(acked), "stored_submitted": stored_submitted,
        "submits_killed_in_flight": len(attempted_submits), "acknowledged_but_different_or_missing": differ, "lost": lost,
    }
    print(json.dumps(report, indent=1))
    for line in error_lines[:10]:
        print("error:", line, file=sys.stderr)
    write_report(report)
    sys.exit(0 if lost == 0 else 1)


def write_report(r):
    path = os.path.join(ROOT, "docs", "reliability.md")
    text = open(path, encoding="utf-8").read()
    section = f"""Last run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores, {r['seconds']} s (`make soak SOAK_SECONDS={SECONDS}`).
A store of {FIRST:,} generated sessions; 8 reviewer processes pulling, reading, saving drafts,
submitting, exporting and building scorecards; an importer adding {LATER:,} more in slices of 200; a killer
sending SIGKILL to a random running msreview process every 1–4 s.

| measure | value |
| --- | --- |
| operations acknowledged | {r['operations']:,} (pulls {r['pull']:,}, shows {r['show']:,}, drafts {r['draft']:,}, submits {r['submit']:,}, exports {r['export']:,}, scorecards {r['scorecards']:,}, imports {r['import']:,}) |
| processes killed mid-command | {r['killed']:,} (of {r['kills_sent']:,} SIGKILLs sent) |
| commands that failed otherwise | {r['errors']:,} |
| `PRAGMA integrity_check` | {r['integrity']} |
| sessions at the end | {r['sessions']:,} ({FIRST:,} + {LATER:,}) |
| sessions with two submitted work reviews | {r['reviewed_twice']} |
| sessions claimed by two reviewers at once | {r['claimed_twice']} |
| acknowledged submits | {r['acknowledged_submits']:,}; stored submitted reviews {r['stored_submitted']:,}; submits killed in flight {r['submits_killed_in_flight']} |
| acknowledged submits stored differently or missing | {r['acknowledged_but_different_or_missing']} |
| **anything lost** | **{r['lost']}** |
"""
    start, end = "<!-- soak:start -->", "<!-- soak:end -->"
    i, j = text.index(start) + len(start), text.index(end)
    open(path, "w", encoding="utf-8").write(text[:i] + "\n" + section + text[j:])


if __name__ == "__main__":
    main()
