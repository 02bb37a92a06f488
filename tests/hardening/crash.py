# crash.py: the load and the check of tests/hardening/crash.sh (crash consistency)
#   crash.py load PORT IMAGE STOPFILE LOG   mixed writes from 3 threads until STOPFILE
#   crash.py check RESULTS LOG              the store against what was answered
# The load logs one line per request: OP STATUS ARGS (status 0: no answer,
# the backend was killed under it).  The check needs nothing else.
import http.client, json, os, random, re, sys, threading, time, uuid

ID = re.compile(r"[A-Za-z0-9_-]{22}\Z")


def request(port, method, path, body=None, ctype=None):
    """(status, parsed JSON or None); status 0 when the connection failed."""
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        h = {"Content-Type": ctype} if ctype else {}
        c.request(method, path, body, h)
        r = c.getresponse()
        raw = r.read()
        c.close()
    except Exception:
        return 0, None
    try:
        return r.status, json.loads(raw)
    except ValueError:
        return r.status, None


def multipart(image, sample):
    b = uuid.uuid4().hex
    parts = [b"--" + b.encode() + b'\r\nContent-Disposition: form-data; name="image"; '
             b'filename="f.jpg"\r\nContent-Type: image/jpeg\r\n\r\n' + image + b"\r\n"]
    if sample:
        parts.append(b"--" + b.encode() + b'\r\nContent-Disposition: form-data; '
                     b'name="sample"\r\n\r\n' + sample.encode() + b"\r\n")
    return b"".join(parts) + b"--" + b.encode() + b"--\r\n", \
        "multipart/form-data; boundary=" + b


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.results, self.samples = [], []

    def pick(self, what):
        with self.lock:
            v = getattr(self, what)
            return random.choice(v) if v else None


def worker(port, image, stop, log, st, seed):
    rnd = random.Random(seed)

    def note(*f):
        with st.lock:
            log.write(" ".join(str(x) for x in f) + "\n")
            log.flush()
    J = "application/json"
    while not os.path.exists(stop):
        op = rnd.choices(["analyze", "review", "attach", "detach", "delete", "sample"],
                         [40, 20, 10, 10, 15, 5])[0]
        rid, sid = st.pick("results"), st.pick("samples")
        if op == "sample" or (op in ("attach", "detach") and not sid):
            s, j = request(port, "POST", "/api/samples",
                           json.dumps({"code": "CRASH-%d" % rnd.randrange(1000000)}), J)
            sid = j.get("id") if s in (200, 201) and j else "-"
            note("sample", s, sid)
            if s in (200, 201):
                with st.lock:
                    st.samples.append(sid)
        elif op == "analyze" or not rid:
            into = sid if sid and rnd.random() < 0.5 else None
            body, ct = multipart(image, into)
            s, j = request(port, "POST", "/api/analyze", body, ct)
            rid = j.get("id") if s == 200 and j else "-"
            note("analyze", s, rid, into or "-")
            if s == 200:
                with st.lock:
                    st.results.append(rid)
        elif op == "review":
            s, j = request(port, "GET", "/api/results/%s/review" % rid)
            v = j.get("version", 0) if s == 200 and j else 0
            s, j = request(port, "PUT", "/api/results/%s/review" % rid,
                           json.dumps({"version": v, "by": "crash", "changes": []}), J)
            note("review", s, rid, v + 1)
        elif op == "attach":
            s, j = request(port, "POST", "/api/samples/%s/results" % sid,
                           json.dumps({"result": rid}), J)
            note("attach", s, sid, rid)
        elif op == "detach":
            s, j = request(port, "DELETE", "/api/samples/%s/results/%s" % (sid, rid))
            note("detach", s, sid, rid)
        else:
            s, j = request(port, "DELETE", "/api/results/%s" % rid)
            note("delete", s, rid)
            if s in (200, 404):
                with st.lock:
                    if rid in st.results:
                        st.results.remove(rid)
        if s == 0 or s >= 500:
            time.sleep(0.05)	# a killed backend: lighttpd's pause


def load(port, image, stop, logpath):
    data = open(image, "rb").read()
    st = State()
    with open(logpath, "w") as log:
        ts = [threading.Thread(target=worker, args=(int(port), data, stop, log, st, k))
              for k in range(3)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()


def complete(d):
    """'' when result directory d is whole, else why not."""
    try:
        r = json.load(open(os.path.join(d, "result.json")))
        names = {u.rsplit("/", 1)[1] for u in r["urls"].values()}
        have = set(os.listdir(d))
        reviews = {f for f in have if re.fullmatch(r"review-\d+\.json", f)}
        if have - reviews != names:
            return "files %s, result.json names %s" % (sorted(have), sorted(names))
        for f in names:
            b = open(os.path.join(d, f), "rb").read()
            if f.endswith(".jpg") and (b[:2] != b"\xff\xd8" or b[-2:] != b"\xff\xd9"):
                return "%s cut short" % f
        for k in range(1, len(reviews) + 1):
            v = json.load(open(os.path.join(d, "review-%d.json" % k)))
            if v.get("version") != k:
                return "review-%d.json says version %s" % (k, v.get("version"))
    except Exception as e:
        return "%s: %s" % (type(e).__name__, e)
    return ""


def check(root, logpath):
    bad = []
    ops = [l.split() for l in open(logpath)]
    deleted = {a[2] for a in ops if a[0] == "delete" and a[1] == "200"}
    maybe = {a[2] for a in ops if a[0] == "delete" and a[1] not in ("200", "404")}
    detached = {(a[2], a[3]) for a in ops if a[0] == "detach" and a[1] != "404"}
    names = os.listdir(root)
    results = {n for n in names if ID.match(n) and os.path.isdir(os.path.join(root, n))}
    left = [n for n in names if n.startswith(".") and n not in (".auth",)]
    for n in sorted(results):
        why = complete(os.path.join(root, n))
        if why:
            bad.append("partial result %s: %s" % (n, why))
    answered = [a for a in ops if a[0] == "analyze" and a[1] == "200"]
    for a in answered:
        rid = a[2]
        if rid in deleted and rid in results:
            bad.append("result %s deleted (200) but still there" % rid)
        if rid not in deleted and rid not in maybe and rid not in results:
            bad.append("result %s answered 200 but missing" % rid)
    for a in ops:
        if a[0] == "review" and a[1] == "200" and a[2] in results and \
                not os.path.exists(os.path.join(root, a[2], "review-%s.json" % a[3])):
            bad.append("review %s v%s answered 200 but missing" % (a[2], a[3]))
    sdir = os.path.join(root, "samples")
    samples = {}
    for f in (os.listdir(sdir) if os.path.isdir(sdir) else []):
        if f.startswith("."):
            if f != ".lock":
                left.append("samples/" + f)
            continue
        try:
            samples[f[:-5]] = json.load(open(os.path.join(sdir, f)))
        except Exception as e:
            bad.append("sample %s unreadable: %s" % (f, e))
    for sid, s in samples.items():
        ids = s.get("results", [])
        if len(ids) != len(set(ids)):
            bad.append("sample %s lists a field twice" % sid)
        if set(s.get("field_selection", {})) != set(ids):
            bad.append("sample %s: marking and fields differ" % sid)
        for rid in ids:
            if rid not in results and rid not in deleted and rid not in maybe:
                bad.append("sample %s lists %s, which no delete removed and "
                           "does not exist" % (sid, rid))
    for a in ops:
        if (a[0] == "analyze" and a[1] == "200" and a[3] != "-") or \
                (a[0] == "attach" and a[1] == "200"):
            sid, rid = (a[3], a[2]) if a[0] == "analyze" else (a[2], a[3])
            if sid in samples and rid not in samples[sid].get("results", []) and \
                    (sid, rid) not in detached and rid not in deleted and rid not in maybe:
                bad.append("%s of %s into %s answered 200, not listed" % (a[0], rid, sid))
    for n in results:
        for f in os.listdir(os.path.join(root, n)):
            if f.startswith("."):
                left.append(n + "/" + f)
    if left:
        bad.append("left behind after the sweep: %s" % " ".join(sorted(left)[:10]))
    kinds = {}
    for a in ops:
        k = "%s %s" % (a[0], a[1])
        kinds[k] = kinds.get(k, 0) + 1
    print("# requests: %s" % ", ".join("%s x%d" % kv for kv in sorted(kinds.items())))
    print("# results %d, samples %d, answered analyses %d" % (len(results), len(samples),
                                                              len(answered)))
    for b in bad[:30]:
        print("# INCONSISTENT: " + b)
    print("inconsistencies %d" % len(bad))
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "load":
        load(*sys.argv[2:6])
    else:
        sys.exit(check(sys.argv[2], sys.argv[3]))
