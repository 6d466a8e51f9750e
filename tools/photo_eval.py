#!/usr/bin/env python3
"""Near-duplicate evaluation on real photos (issue 16), run by `make bench photos`.

    python3 tools/photo_eval.py MSREVIEW PHOTOS_DIR WORK_DIR

Makes the edits a fraudster makes to each photo of PHOTOS_DIR with ImageMagick, jpegtran and
exiv2 (into WORK_DIR, never into the repository), runs `msreview photos match --json` over the
originals and then every edited copy, and prints a Markdown table: recall per edit and grade,
and false matches over every pair of different pictures. Two originals that are one picture
(same pixels in two files) count as one picture.
"""
import collections, json, os, subprocess, sys

EDITS = [
    # name, how the copy is made (IN, OUT are the paths; W, H the original's size)
    ("re-save at quality 70", "convert IN -quality 70 OUT"),
    ("resize 50 %", "convert IN -resize 50% OUT"),
    ("brightness +10 %", "convert IN -brightness-contrast 10x0 OUT"),
    ("greyscale", "convert IN -colorspace Gray OUT"),
    ("EXIF stripped", "jpegtran -copy none -outfile OUT IN"),
    ("watermark", "convert IN -gravity southeast -fill 'rgba(255,255,255,0.6)' -pointsize PT -annotate +PAD+PAD 'SAMPLE' OUT"),
    ("crop 5 %", "convert IN -gravity center -crop 95%x95%+0+0 +repage OUT"),
    ("crop 10 %", "convert IN -gravity GRAV -crop 90%x90%+0+0 +repage OUT"),
    ("rotate 2°", "convert IN -virtual-pixel edge -distort SRT 2 OUT"),
    ("rotate 3°", "convert IN -virtual-pixel edge -distort SRT -3 OUT"),
    ("mirror", "convert IN -flop OUT"),
    ("orientation applied", None),  # below: the phone's re-save that turns the pixels
    ("CMYK", "convert IN -colorspace CMYK OUT"),
    ("stray bytes", None),  # below: two bytes before a marker, as a careless tool leaves them
]
GRAVITIES = ["center", "northwest", "northeast", "southwest", "southeast"]


def run(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True)


def size(path):
    r = run(f"identify -format '%w %h' '{path}[0]'")
    try:
        w, h = r.stdout.split()[:2]
        return int(w), int(h)
    except ValueError:
        return None


def orientation(path):
    r = run(f"exiv2 -g Exif.Image.Orientation -Pv '{path}'")
    try:
        return int(r.stdout.strip().split()[0])
    except (ValueError, IndexError):
        return 1


def stray_bytes(src, dst):
    """Two bytes inserted between the top-level segments, before the first table or frame
    marker (DQT, DHT, SOFn): libjpeg warns "extraneous bytes before marker" and decodes the same
    pixels. The segments are walked by their lengths, so EXIF's embedded thumbnail is skipped."""
    data = open(src, "rb").read()
    p = 2
    while p + 4 <= len(data) and data[p] == 0xFF:
        marker = data[p + 1]
        if marker in (0xDB, 0xC4) or 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC) or marker == 0xDA:
            open(dst, "wb").write(data[:p] + b"\x00\x00" + data[p:])
            return True
        p += 2 + int.from_bytes(data[p + 2:p + 4], "big")
    return False


def make_edit(name, how, src, dst, i):
    if os.path.exists(dst):
        return True
    if name == "stray bytes":
        return stray_bytes(src, dst)
    if name == "orientation applied":
        # A photo stored as a phone does (sensor pixels + Orientation) against its re-save with
        # the turn applied: a real one when the original has an Orientation, else one made by
        # turning the pixels back and writing Orientation 6 (the same picture upright).
        if orientation(src) != 1:
            return run(f"convert '{src}' -auto-orient '{dst}'").returncode == 0 and os.path.exists(dst)
        ok = run(f"convert '{src}' -rotate 270 '{dst}'").returncode == 0
        return ok and run(f"exiv2 -M'set Exif.Image.Orientation Short 6' '{dst}'").returncode == 0
    wh = size(src)
    if not wh:
        return False
    w, h = wh
    cmd = (how.replace("IN", f"'{src}'").replace("OUT", f"'{dst}'").replace("GRAV", GRAVITIES[i % len(GRAVITIES)])
           .replace("PT", str(max(8, h // 12))).replace("PAD", str(max(2, h // 40))))
    return run(cmd).returncode == 0 and os.path.exists(dst)


def main():
    msr, photos, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    originals = sorted(os.path.join(photos, f) for f in os.listdir(photos) if f.lower().endswith(".jpg"))
    copies = []  # (path, original index, edit)
    failed = {}
    for e, (name, how) in enumerate(EDITS):
        for i, src in enumerate(originals):
            dst = os.path.join(work, f"e{e:02d}-{i:03d}.jpg")
            if make_edit(name, how, src, dst, i):
                copies.append((dst, i, name))
            else:
                failed[name] = failed.get(name, 0) + 1
    files = originals + [c[0] for c in copies]
    r = subprocess.run([msr, "photos", "match", "--json"] + files, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"msreview photos match failed: {r.stderr}")
    doc = json.loads(r.stdout)
    excluded = {p["file"]: p["excluded"] for p in doc["photos"] if p["excluded"]}
    # Which picture each file shows: an original's own number, a copy its original's; originals
    # matched `definitely` to an earlier original are that one's picture.
    is_original = set(originals)
    # Originals libjpeg reads only past corrupt data (more than one warning: fuzzed test files,
    # not photos) are not pictures anyone reuses: they and their copies are left out.
    corrupt = {p["file"] for p in doc["photos"] if p["file"] in is_original and p["damage"] and "more warning" in p["damage"]}
    for f in corrupt:
        excluded.setdefault(f, "corrupt: " + next(p["damage"] for p in doc["photos"] if p["file"] == f))
    for path, i, _ in copies:
        if originals[i] in corrupt:
            excluded.setdefault(path, "copy of a corrupt file")
    picture = {f: i for i, f in enumerate(originals)}
    twins = []
    for m in doc["matches"]:
        a, b = m["earlier"], m["later"]
        if a in is_original and b in is_original and m["grade"] == "definitely" and a not in excluded and b not in excluded:
            picture[b] = picture[a]
            twins.append((os.path.basename(a), os.path.basename(b)))
    for path, i, _ in copies:
        picture[path] = picture[originals[i]]
    best = {}  # copy → best grade against an original of its picture
    false = {"definitely": 0, "probably": 0, "maybe": 0}
    order = {"definitely": 0, "probably": 1, "maybe": 2}
    for m in doc["matches"]:
        a, b = m["earlier"], m["later"]
        if a in excluded or b in excluded:
            continue
        if picture[a] != picture[b]:
            false[m["grade"]] += 1
        elif a in is_original and b not in is_original and (b not in best or order[m["grade"]] < order[best[b]]):
            best[b] = m["grade"]
    usable_originals = [f for f in originals if f not in excluded]
    n = len(files) - len(excluded)
    groups = {}
    for f in files:
        if f not in excluded:
            groups[picture[f]] = groups.get(picture[f], 0) + 1
    same_pairs = sum(k * (k - 1) // 2 for k in groups.values())
    different_pairs = n * (n - 1) // 2 - same_pairs
    rows = []
    worst = 1.0
    for name, _ in EDITS:
        mine = [(p, i) for p, i, e in copies if e == name and originals[i] not in excluded]
        counted = [(p, i) for p, i in mine if p not in excluded]
        grades = [best.get(p) for p, _ in counted]
        total = len(mine)
        caught = sum(1 for g in grades if g)
        per = {g: sum(1 for x in grades if x == g) for g in ("definitely", "probably", "maybe")}
        recall = caught / total if total else 0
        worst = min(worst, recall)
        rows.append(f"| {name} | {total} | {per['definitely']} | {per['probably']} | {per['maybe']} | "
                    f"**{100 * recall:.1f} %** | {total - len(counted)} |")
    print(f"Originals: {len(originals)} files, {len(usable_originals)} with prints "
          f"({len(originals) - len(usable_originals)} left out: "
          + "; ".join(f"{n} {why}" for why, n in sorted(collections.Counter(v.split(':')[0] for k, v in excluded.items() if k in is_original).items())) + "). "
          + f"Edited copies: {len(copies)}" + (f" ({sum(failed.values())} edits ImageMagick could not make)" if failed else "")
          + ". Originals that are one picture: " + (", ".join(f"{a} = {b}" for a, b in twins) or "none") + ".\n")
    print("| edit | copies | definitely | probably | maybe | caught | copy left out |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    print(f"\nLowest recall: **{100 * worst:.1f} %**. Pairs of different pictures: **{different_pairs:,}** "
          f"({n:,} files with prints, every pair compared through the index; {doc['candidates']:,} index candidates in all). "
          f"False matches: definitely **{false['definitely']}**, probably **{false['probably']}**, maybe **{false['maybe']}** "
          f"= {false['maybe'] / different_pairs * 10000 if different_pairs else 0:.2f} per 10,000 pairs.")


if __name__ == "__main__":
    main()
