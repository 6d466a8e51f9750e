#!/usr/bin/env python3
"""`make fuzz`: builds the libFuzzer targets (Sources/msreview-fuzz, address sanitizer on) and runs
each for FUZZ_SECONDS, starting from the committed seed corpus (Fuzz/corpus/TARGET) plus the
regressions (Fuzz/regressions/TARGET). New interesting inputs go to .build-fuzz/corpus (not
committed); a crash is written to .build-fuzz/crashes and makes the run fail — copy it into
Fuzz/regressions/TARGET, where the tests replay it forever. The figures of the run are written
into docs/reliability.md (between the fuzz markers)."""
import os, re, shutil, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = ["manifest", "exif", "checklist", "tar", "csv", "text"]
SECONDS = int(os.environ.get("FUZZ_SECONDS", "300"))
BUILD = os.path.join(ROOT, ".build-fuzz")

def main():
    targets = sys.argv[1:] or TARGETS
    subprocess.run(["swift", "build", "--build-path", BUILD, "--product", "msreview-fuzz",
                    "-Xswiftc", "-sanitize=fuzzer,address", "-Xswiftc", "-DFUZZING",
                    "-Xcc", "-fsanitize=fuzzer-no-link,address"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    binary = os.path.join(BUILD, "debug", "msreview-fuzz")
    rows, failed = [], False
    for t in targets:
        work = os.path.join(BUILD, "corpus", t)
        crashes = os.path.join(BUILD, "crashes")
        os.makedirs(work, exist_ok=True)
        os.makedirs(crashes, exist_ok=True)
        seeds = [os.path.join(ROOT, "Fuzz", d, t) for d in ("corpus", "regressions")]
        env = dict(os.environ, MSR_FUZZ_TARGET=t, ASAN_OPTIONS="detect_leaks=0:abort_on_error=1")
        print(f"fuzz: {t} for {SECONDS} s …", file=sys.stderr)
        start = time.time()
        p = subprocess.run([binary, f"-max_total_time={SECONDS}", "-timeout=10", "-rss_limit_mb=2048",
                            "-max_len=65536", "-print_final_stats=1",
                            f"-artifact_prefix={crashes}/{t}-", work] + [s for s in seeds if os.path.isdir(s)],
                           env=env, capture_output=True, text=True, cwd=BUILD)
        wall = time.time() - start
        log = p.stderr
        with open(os.path.join(BUILD, f"{t}.log"), "w") as f:
            f.write(log)
        runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", log)
        cov = re.findall(r"cov: (\d+) ft: (\d+)", log)
        corpus = len(os.listdir(work))
        crashed = p.returncode != 0
        failed |= crashed
        rows.append((t, int(runs.group(1)) if runs else 0, wall, cov[-1][0] if cov else "?", corpus,
                     "CRASH — see .build-fuzz/crashes" if crashed else "none"))
    write_report(rows)
    for r in rows:
        print(f"{r[0]:10} {r[1]:>12,} runs in {r[2]:.0f} s, coverage {r[3]}, corpus {r[4]}, crashes: {r[5]}")
    sys.exit(1 if failed else 0)

def write_report(rows):
    path = os.path.join(ROOT, "docs", "reliability.md")
    text = open(path, encoding="utf-8").read()
    total_runs = sum(r[1] for r in rows)
    hours = sum(r[2] for r in rows) / 3600
    table = ["| target | what it feeds | executions | time | edges covered | corpus kept | crashes |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    what = {"manifest": "`Manifest.parse` (JSON parser and every field rule), then the manifest-only anti-fraud rules",
            "exif": "`PhotoFile.exifTime` (libexif) and `PhotoFile.inspect` (libjpeg-turbo)",
            "checklist": "`Checklist.parse` and scoring of the parsed checklist",
            "tar": "a whole import of the bytes as a .tar/.tar.gz bundle (libarchive, validation, media, store)",
            "csv": "`CSV.row` of cells split at 0x1E, read back by an RFC 4180 reader: same cells, no unguarded formula",
            "text": "`TerminalText.visible`: nothing unsafe comes out, safe text unchanged, stable"}
    # Rows of targets not run this time stay as they were.
    old = {}
    for line in text[text.index("<!-- fuzz:start -->"):text.index("<!-- fuzz:end -->")].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and cells[0] in what:
            old[cells[0]] = line
    ran = {r[0] for r in rows}
    for t in TARGETS:
        if t in ran:
            _, runs, wall, cov, corpus, crashes = next(r for r in rows if r[0] == t)
            table.append(f"| {t} | {what[t]} | {runs:,} | {wall / 60:.1f} min | {cov} | {corpus} | {crashes} |")
        elif t in old:
            table.append(old[t])
    machine = subprocess.run(["uname", "-sr"], capture_output=True, text=True).stdout.strip()
    section = (f"Last run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores ({machine}), "
               f"{SECONDS} s per target ({', '.join(r[0] for r in rows)}): {total_runs:,} executions in {hours:.2f} hours.\n\n" + "\n".join(table) + "\n")
    start, end = "<!-- fuzz:start -->", "<!-- fuzz:end -->"
    i, j = text.index(start) + len(start), text.index(end)
    open(path, "w", encoding="utf-8").write(text[:i] + "\n" + section + text[j:])

if __name__ == "__main__":
    main()
