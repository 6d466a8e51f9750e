#!/usr/bin/env python3
"""Hostile inputs at each of msreview's caps (issue 15), built fresh: tools/caps.py MSR OUT_DIR
prints a Markdown table of what each did (outcome, wall time, peak memory) beside a well-known
tool reading the same input. Used by `make bench` (caps); docs/reliability.md quotes it."""
import io, json, os, shutil, struct, subprocess, sys, tarfile, time, wave

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SAMPLE = os.path.join(ROOT, "Samples", "S-20261120-0001")
MiB, GiB = 1 << 20, 1 << 30

class Zeros(io.RawIOBase):
    def __init__(self, n): self.n = n
    def readable(self): return True
    def readinto(self, b):
        k = min(len(b), self.n); b[:k] = bytes(k); self.n -= k; return k

def bundle_dir(out, sid, edit=None):
    """The first sample, renamed `sid`; `edit(manifest, dir)` changes it."""
    d = os.path.join(out, sid)
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(SAMPLE, d)
    m = json.load(open(d + "/session.json"))
    m["session_id"] = sid
    if edit: edit(m, d)
    json.dump(m, open(d + "/session.json", "w"), ensure_ascii=False)
    return d

def tar_of(out, sid, before=(), after=(), gz=True, listed=True):
    """A tar(.gz) of a valid bundle with extra members (name, size) of zeros before and after
    the manifest."""
    d = bundle_dir(out, sid)
    path = os.path.join(out, sid + (".tar.gz" if gz else ".tar"))
    with tarfile.open(path, "w:gz" if gz else "w", **({"compresslevel": 1} if gz else {})) as t:
        t.add(d, sid, recursive=False)
        def extra(items):
            for name, size in items:
                info = tarfile.TarInfo(f"{sid}/{name}"); info.size = size
                t.addfile(info, io.BufferedReader(Zeros(size)) if size else None)
        extra(before)
        t.add(d + "/session.json", sid + "/session.json")
        if listed:
            for sub in ("audio", "photos"):
                for f in sorted(os.listdir(f"{d}/{sub}")): t.add(f"{d}/{sub}/{f}", f"{sid}/{sub}/{f}")
        extra(after)
    shutil.rmtree(d)
    return path

def claimed_huge(out):
    path = os.path.join(out, "S-CAP-CLAIM.tar")
    info = tarfile.TarInfo("S-CAP-CLAIM/audio/big.wav"); info.size = 3 * GiB
    open(path, "wb").write(info.tobuf(format=tarfile.GNU_FORMAT))
    return path

def many_members(out, n):
    return tar_of(out, f"S-CAP-MEMBERS-{n}", after=[(f"x/{i}", 0) for i in range(n)], gz=False)

def long_audio(out):
    """Six hours and one minute of 4 kHz mono 16-bit silence: decodes past the 6-hour cap."""
    def edit(m, d):
        os.remove(d + "/audio/rec-001.ogg")
        w = wave.open(d + "/audio/rec-001.wav", "wb")
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(4000)
        chunk = bytes(2 * 4000 * 60)
        for _ in range(6 * 60 + 1): w.writeframes(chunk)
        w.close()
        m["recordings"][0]["file"] = "audio/rec-001.wav"
        m["recordings"][0].pop("sha256", None)
    return bundle_dir(out, "S-CAP-6H", edit)

def huge_photo(out):
    """The sample photo with its frame header patched to 12,000 × 9,000 (108 megapixels)."""
    def edit(m, d):
        p = d + "/photos/p-001.jpg"
        b = bytearray(open(p, "rb").read())
        i = 2
        while i < len(b):
            marker, length = b[i + 1], struct.unpack(">H", b[i + 2:i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                b[i + 5:i + 9] = struct.pack(">HH", 9000, 12000)
                break
            i += 2 + length
        open(p, "wb").write(b)
        for ph in m["photos"]: ph.pop("sha256", None)
    return bundle_dir(out, "S-CAP-108MP", edit)

def big_manifest(out):
    def edit(m, d): m["device_id"] = m["device_id"] + " " * (MiB + 1)
    return bundle_dir(out, "S-CAP-MANIFEST", edit)

def run(cmd, env=None):
    t = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True,
                       env={**os.environ, **(env or {})})
    wall = time.perf_counter() - t
    lines = [l for l in r.stderr.strip().splitlines() if not l.startswith("Command exited")]
    rss = int(lines[-1]) if lines and lines[-1].isdigit() else 0
    return r.returncode, r.stdout, "\n".join(lines[:-1]), wall, rss

def reference(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t

def import_outcome(msr, out, bundle):
    db = os.path.join(out, "caps.sqlite")
    for p in (db, db + "-wal", db + "-shm"):
        if os.path.exists(p): os.remove(p)
    shutil.rmtree(db[:-7] + ".media", ignore_errors=True)
    code, stdout, _, wall, rss = run([msr, "--db", db, "import", bundle, "--json"])
    r = json.loads(stdout)
    if r.get("rejected"):
        error = r["rejected"][0]["error"]
        what = "rejected: " + (error if len(error) <= 100 else error[:60] + "…" + error[-36:])
    elif r.get("imported"):
        sid = bundle_id(bundle)
        shown = json.loads(subprocess.run([msr, "--db", db, "show", sid, "--json"], capture_output=True, text=True).stdout)
        integrity = [f"`{f['code']}` {f['detail']}" for f in shown["findings"] if f["severity"] == "integrity"]
        warn = [w for w in r.get("warnings", []) if "not named" in w]
        what = "imported" + (", finding " + integrity[0] if integrity else "") + \
            (", warning: " + warn[0].split(": ", 1)[1][:60] + "…" if warn else "")
    else:
        what = f"exit {code}"
    return what, wall, rss

def bundle_id(path):
    name = os.path.basename(path)
    for ending in (".tar.gz", ".tar"):
        if name.endswith(ending): return name[:-len(ending)]
    return name

def main():
    msr, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    rows = []
    def row(case, size, outcome, wall, rss, ref_name, ref):
        rows.append(f"| {case} | {size} | {outcome} | {wall:.2f} s | {rss / 1024:.0f} MiB | {ref_name} {ref:.2f} s |")
        print(rows[-1], file=sys.stderr)

    def bundle_case(case, path, ref_cmd, ref_name):
        size = os.path.getsize(path) if os.path.isfile(path) else sum(
            os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(path) for f in fs)
        what, wall, rss = import_outcome(msr, out, path)
        row(case, f"{size / MiB:.1f} MiB", what.replace("|", "\\|"), wall, rss, ref_name, reference(ref_cmd.format(path=path)))
        shutil.rmtree(path, ignore_errors=True) if os.path.isdir(path) else os.remove(path)

    bundle_case("1 GiB unlisted member before the manifest (.tar.gz)",
                tar_of(out, "S-CAP-UNLISTED", before=[("cache/dump.bin", GiB)]), "gzip -dc {path}", "`gzip -dc`")
    bundle_case("3 × 800 MiB unlisted members (.tar.gz): over the 2 GiB a bundle may unpack to",
                tar_of(out, "S-CAP-TOTAL", after=[(f"cache/{i}.bin", 800 * MiB) for i in range(3)]), "gzip -dc {path}", "`gzip -dc`")
    bundle_case("a member whose header claims 3 GiB (over 1 GiB a member)", claimed_huge(out), "tar -tf {path}", "`tar -tf`")
    bundle_case("9,990 unlisted members (under the 10,000 cap)", many_members(out, 9990), "tar -tf {path}", "`tar -tf`")
    bundle_case("10,001 members", many_members(out, 10001), "tar -tf {path}", "`tar -tf`")
    bundle_case("a name component of 300 bytes", tar_of(out, "S-CAP-NAME", after=[("n" * 300, 1)], gz=False), "tar -tf {path}", "`tar -tf`")
    bundle_case("a manifest of 1 MiB + 1 byte", big_manifest(out), "cat {path}/session.json", "`cat`")
    bundle_case("6 h 01 min of audio (4 kHz WAV; cap 6 h)", long_audio(out), "sha256sum {path}/audio/rec-001.wav", "`sha256sum`")
    bundle_case("a JPEG whose header says 12,000 × 9,000 (cap 100 MP)", huge_photo(out), "sha256sum {path}/photos/p-001.jpg", "`sha256sum`")

    # Endless files a command reads: /dev/zero as config, checklist and answers.
    cfg = os.path.join(out, "cfg", "msreview")
    os.makedirs(cfg, exist_ok=True)
    if not os.path.lexists(cfg + "/config"): os.symlink("/dev/zero", cfg + "/config")
    db = os.path.join(out, "caps.sqlite")
    code, _, err, wall, rss = run([msr, "--db", db, "sessions"], env={"XDG_CONFIG_HOME": os.path.dirname(cfg)})
    row("config file = /dev/zero (cap 64 KiB)", "endless", f"exit {code}: {err[len('msreview: '):][:70]}", wall, rss, "`head -c 64K`", reference("head -c 65536 /dev/zero"))
    code, _, err, wall, rss = run([msr, "--db", db, "--reviewer", "lena", "checklists", "load", "/dev/zero"])
    row("checklist = /dev/zero (cap 1 MiB)", "endless", f"exit {code}: {err[len('msreview: '):][:70]}", wall, rss, "`head -c 1M`", reference("head -c 1048576 /dev/zero"))
    code, _, err, wall, rss = run([msr, "--db", db, "--reviewer", "lena", "score", "S-X", "--answers", "/dev/zero"])
    row("answers = /dev/zero (cap 4 MiB)", "endless", f"exit {code}: {err[len('msreview: '):][:70]}", wall, rss, "`head -c 4M`", reference("head -c 4194304 /dev/zero"))
    print("| input | size | outcome | time | peak memory | same input, well-known tool |")
    print("| --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))

if __name__ == "__main__":
    main()
