#!/usr/bin/env python3
# A bundle with N questionnaires sharing one photo (the largest manifests the 1 MiB cap allows
# hold about 7,500): tools/big-manifest.py N OUT_DIR. Used by `make bench` (manifest).
import json, sys, os, shutil
src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Samples", "S-20261120-0001")
n = int(sys.argv[1]); out = sys.argv[2]
shutil.rmtree(out, ignore_errors=True); shutil.copytree(src, out)
m = json.load(open(src + "/session.json"))
q0 = m["questionnaires"][0]
qs = []
for i in range(n):
    q = {"id": f"Q{i}", "started_at": q0["started_at"], "submitted_at": q0["submitted_at"], "photos": [], "answers": []}
    qs.append(q)
m["questionnaires"] = qs
m["session_id"] = f"S-QUAD-{n}"
json.dump(m, open(out + "/session.json", "w"))
print(os.path.getsize(out + "/session.json"))
