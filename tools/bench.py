#!/usr/bin/env python3
"""`make bench`: measures msreview against well-known tools in the same run and writes
BENCHMARKS.md. Each benchmark is a function returning a Markdown section; run a subset with
`python3 tools/bench.py import`.
"""
import json, os, platform, shutil, statistics, subprocess, sys, time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "bench-out")
MSR = os.path.join(ROOT, ".build", "release", "msreview")

def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, check=True, capture_output=True, text=True, **kw)

def timed(cmd, runs=3):
    """Median wall time of `cmd` over `runs` runs, and every run's time."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times), times

def peak_rss_kb(cmd):
    r = subprocess.run(f"/usr/bin/time -f %M {cmd}", shell=True, capture_output=True, text=True)
    try:
        return int(r.stderr.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None

def machine():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    sha_ni = "sha_ni" in open("/proc/cpuinfo").read()
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, {platform.system()} {platform.release()}, "
            f"SHA-NI {'yes' if sha_ni else 'no'}")

def bench_import():
    """Issue 2: import of 2,000 generated bundles vs `openssl dgst -sha256` over the same files."""
    n = 2000
    spool = os.path.join(OUT, "import-spool")
    db = os.path.join(OUT, "import.sqlite")
    if not os.path.isdir(spool) or len(os.listdir(spool)) != n:
        shutil.rmtree(spool, ignore_errors=True)
        sh(f"{MSR} samples generate --count {n} --seed 1 --out {spool}")
    files = [os.path.join(dp, f) for dp, _, fs in os.walk(spool) for f in fs]
    total = sum(os.path.getsize(f) for f in files)
    listing = os.path.join(OUT, "import-files.txt")
    with open(listing, "w") as f:
        f.write("\0".join(files))

    # Every run writes to a path of its own and nothing is deleted until the end: ext4 slows
    # inode allocation right after mass deletes, which would bill our import for the bench's rm.
    counter = iter(range(1000))
    def fresh_store():
        return os.path.join(OUT, f"import-run-{next(counter)}", "import.sqlite")

    def fresh_copy():
        return os.path.join(OUT, f"cp-run-{next(counter)}")

    openssl_cmd = f"xargs -0 openssl dgst -sha256 < {listing}"
    for d in os.listdir(OUT):
        if d.startswith(("import-run-", "cp-run-")):
            shutil.rmtree(os.path.join(OUT, d))
    # Warm the page cache once so every command reads from memory.
    timed(openssl_cmd, runs=1)
    t_ssl, ssl_runs = timed(openssl_cmd, runs=5)
    def timed_fresh(make_cmd, make_path, runs=3):
        """Like timed(), each run writing to a new path (made outside the timing)."""
        times = [timed(make_cmd(make_path()), runs=1)[0] for _ in range(runs)]
        return statistics.median(times), times

    t_cp, cp_times = timed_fresh(lambda dest: f"cp -r {spool} {dest}", fresh_copy)
    t_imp, imp_runs = timed_fresh(lambda store: f"{MSR} --db {store} import {spool}", fresh_store)
    rss = peak_rss_kb(f"{MSR} --db {fresh_store()} import {spool}")
    # Re-import of the same spool: everything unchanged (hash only, no copy).
    store = fresh_store()
    sh(f"{MSR} --db {store} import {spool}")
    t_again, _ = timed(f"{MSR} --db {store} import {spool}", runs=3)
    for d in os.listdir(OUT):
        if d.startswith(("import-run-", "cp-run-")):
            shutil.rmtree(os.path.join(OUT, d))
    ratio = t_imp / t_ssl
    mb = total / 1e6
    return f"""## Import (issue 2)

{n} generated bundles (`msreview samples generate --count {n} --seed 1`): {len(files)} files,
{mb:.1f} MB (FLAC/WAV audio, JPEG photos, manifests). Import reads, hashes (libcrypto SHA-256),
copies into the content-addressed media store, probes audio headers (libsndfile), decodes every
JPEG (libjpeg-turbo) and reads EXIF (libexif), and commits the rows (SQLite, WAL,
`synchronous=FULL`, `syncfs` before each batch commit). Page cache warm for both commands.

| command | median wall time | throughput |
| --- | --- | --- |
| `{openssl_cmd.replace(OUT, 'bench-out')}` | {t_ssl:.3f} s | {mb / t_ssl:.0f} MB/s |
| `cp -r` of the spool (the copy alone, no hashing) | {t_cp:.3f} s | {mb / t_cp:.0f} MB/s |
| `msreview import` (fresh store) | {t_imp:.3f} s | {n / t_imp:.0f} bundles/s, {mb / t_imp:.0f} MB/s |
| `msreview import` again (all unchanged) | {t_again:.3f} s | {n / t_again:.0f} bundles/s |

**Import / openssl = {ratio:.2f}×** (target: within 3×); **import / (openssl + cp -r) = {t_imp / (t_ssl + t_cp):.2f}×**.
Peak RSS of the import: {rss / 1024 if rss else float('nan'):.1f} MiB.
Runs: openssl {', '.join(f'{t:.3f}' for t in ssl_runs)} s; cp {', '.join(f'{t:.3f}' for t in cp_times)} s;
import {', '.join(f'{t:.3f}' for t in imp_runs)} s.

Import must also *write* every byte (its own copy of the evidence), which `openssl dgst` does
not: `cp -r` of the same spool is the floor of that part on this machine, so the fair floor
for a copying import is openssl + cp.
"""

BENCHES = {"import": bench_import}

def main():
    names = sys.argv[1:] or list(BENCHES)
    os.makedirs(OUT, exist_ok=True)
    sections = {}
    path = os.path.join(ROOT, "BENCHMARKS.md")
    # Keep sections of benchmarks not run this time.
    if os.path.exists(path):
        current, buf = None, []
        for line in open(path, encoding="utf-8"):
            if line.startswith("<!-- bench:"):
                if current:
                    sections[current] = "".join(buf)
                current, buf = line.strip()[len("<!-- bench:"):-len(" -->")].strip(), []
            elif current:
                buf.append(line)
        if current:
            sections[current] = "".join(buf)
    for name in names:
        print(f"bench: {name} …", file=sys.stderr)
        sections[name] = BENCHES[name]()
    with open(path, "w", encoding="utf-8") as f:
        f.write("# Benchmarks\n\nWritten by `make bench` (tools/bench.py); every figure is measured beside a well-known\n"
                "tool in the same run, on the machine below. Timed assertions are never part of `make test`.\n\n")
        f.write(f"Machine: {machine()}. Last run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n\n")
        for name in BENCHES:
            if name in sections:
                f.write(f"<!-- bench: {name} -->\n{sections[name].rstrip()}\n\n")
    print(open(path, encoding="utf-8").read())

if __name__ == "__main__":
    main()
