#!/bin/sh
# microscope-pack.sh: checked fields exported from one box and imported on another; a model exported and imported; damaged, cut, mismatched files refused with nothing changed
# Box A: three drawn smears from microscope "clinic-1", each reviewed
# (its least confident counted red cell deleted) and marked checked; its
# fields and its model are exported.  Box B (a fresh server, empty store)
# imports them as microscope "district-1": the same measured error must
# come out of the same fields.  Then files that must be refused: one byte
# changed, cut short, the wrong kind, a model whose layers or classes
# differ; after each, B's fields, versions and kept models are unchanged.
set -u

lib=$top_srcdir/tests/lib/server.sh
. "$top_srcdir/tests/lib/check.sh"
bv_need curl python3
gen=${top_builddir:?}/tests/gen-smear
[ -x "$gen" ] || { echo "ERROR: $gen not built"; exit 99; }
. "$lib"
work=$(mktemp -d /tmp/bv-pack.XXXXXX)
trap 'bv_server_stop; rm -rf "$work"' EXIT INT TERM

post_file() {	# post_file PATH FILE
	api POST "$1" -H 'Content-Type: application/octet-stream' --data-binary "@$2"
}
# the error this box measures for microscope $1 (RBC), and its field count
measured() {
	api GET "/api/microscopes/$1"
	json "$work/body" '(j["fields"], j["measured"]["classes"]["RBC"]["reviewed"], j["measured"]["classes"]["RBC"]["counted"], j["measured"]["classes"]["RBC"]["bias"])'
}
# what must not change on a refused import into microscope $1
snapshot() {
	api GET "/api/microscopes/$1"
	s1=$(json "$work/body" '(j["fields"], len(j["versions"]))')
	api GET /api/results
	s2=$(md5sum < "$work/body")
	s3=$(ls -R "$BV_RESULTS/microscopes" 2>/dev/null | md5sum)
	echo "$s1 $s2 $s3"
}

# ---- box A ---------------------------------------------------------------
bv_server_start
for s in 1 2 3; do
	"$gen" "$s" "$work/smear$s.jpg" >/dev/null || exit 99
	c=$(curl -s -o "$work/r$s.json" -w '%{http_code}' -F "image=@$work/smear$s.jpg" \
	    -F microscope=clinic-1 "$BV_URL/api/analyze")
	[ "$c" = 200 ] || { bad "upload $s -> $c"; continue; }
	id=$(json "$work/r$s.json" 'j["id"]')
	k=$(json "$work/r$s.json" 'min((d["confidence"], k) for k, d in enumerate(j["detections"]) if d["class"] == "RBC" and d["confidence"] >= j["thresholds"]["RBC"])[1]')
	api PUT "/api/results/$id/review" -H 'Content-Type: application/json' \
	    --data-binary "{\"version\":0,\"by\":\"Dr Somebody\",\"checked\":true,\"changes\":[{\"op\":\"delete\",\"detection\":$k}]}"
	[ "$code" = 200 ] || bad "review $s -> $code"
done
a=$(measured clinic-1)
api GET /api/microscopes/clinic-1/fields
cp "$work/body" "$work/fields.bvpack"
[ "$code" = 200 ] && [ "$(head -c 9 "$work/fields.bvpack")" = "BVPACK 1" ] &&
    ok "box A exports its checked fields ($(wc -c < "$work/fields.bvpack") bytes)" || bad "export -> $code"
# no patient facts and no reviewer's name travel
python3 - "$work/fields.bvpack" <<'PY' && ok "the pack holds 3 fields, images and labels, no sample, id or reviewer" || bad "pack contents"
import json, sys
b = open(sys.argv[1], 'rb').read()
nl = b.index(b'\n', 9)
ml = int(b[9:nl].split()[0])
man = json.loads(b[nl + 1:nl + 1 + ml])
off = nl + 1 + ml
mem = {}
for m in man['members']:
    mem[m['name']] = b[off:off + m['size']]
    off += m['size']
assert off == len(b) and man['kind'] == 'fields' and len(man['fields']) == 3, man
for d in man['fields']:
    r = json.loads(mem[d + '/result.json'])
    v = json.loads(mem[d + '/review.json'])
    assert 'sample' not in r and 'id' not in r and 'urls' not in r, r.keys()
    assert v['by'] == 'export' and v['checked'] is True and len(v['changes']) == 1
    assert mem[d + '/plain.jpg'][:2] == b'\xff\xd8'
PY
api GET /api/microscopes/clinic-1/model
cp "$work/body" "$work/model.bvpack"
[ "$code" = 200 ] && ok "box A exports its model ($(wc -c < "$work/model.bvpack") bytes)" || bad "model export -> $code"
bv_server_stop

# ---- box B ---------------------------------------------------------------
bv_server_start
post_file /api/microscopes/district-1/fields "$work/fields.bvpack"
[ "$code" = 200 ] && [ "$(json "$work/body" 'j["imported"]')" = 3 ] &&
    ok "box B imports 3 checked fields" || bad "import -> $code: $(head -c 300 "$work/body")"
b=$(measured district-1)
[ "$a" = "$b" ] && ok "the same measured error on both boxes: $b" || bad "measured: A $a, B $b"

# damaged, cut short, wrong kind: refused, nothing changed
before=$(snapshot district-1)
python3 -c "
import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[len(b) // 2] ^= 0x40
open(sys.argv[2], 'wb').write(b)" "$work/fields.bvpack" "$work/flip.bvpack"
post_file /api/microscopes/district-1/fields "$work/flip.bvpack"
[ "$code" = 400 ] && grep -q sha256 "$work/body" && grep -q microscope_pack_damaged "$work/body" &&
    ok "one byte changed -> 400 ($(json "$work/body" 'j["error"]["message"]'))" || bad "flipped -> $code $(head -c 300 "$work/body")"
head -c $(( $(wc -c < "$work/fields.bvpack") - 1000 )) "$work/fields.bvpack" > "$work/cut.bvpack"
post_file /api/microscopes/district-1/fields "$work/cut.bvpack"
[ "$code" = 400 ] && grep -q "cut short" "$work/body" &&
    ok "cut short -> 400 ($(json "$work/body" 'j["error"]["message"]'))" || bad "cut -> $code $(head -c 300 "$work/body")"
post_file /api/microscopes/district-1/fields "$work/model.bvpack"
[ "$code" = 400 ] && ok "a model sent as fields -> 400" || bad "model as fields -> $code"
post_file /api/microscopes/district-1/model "$work/fields.bvpack"
[ "$code" = 400 ] && ok "fields sent as a model -> 400" || bad "fields as model -> $code"
[ "$(snapshot district-1)" = "$before" ] && ok "nothing changed by the refused files" || bad "state changed"

# models for another network: other layers, other classes
python3 - "$work/model.bvpack" "$work" <<'PY'
import json, sys, hashlib
b = open(sys.argv[1], 'rb').read()
nl = b.index(b'\n', 9); ml = int(b[9:nl].split()[0])
man = json.loads(b[nl + 1:nl + 1 + ml]); off = nl + 1 + ml
mem = []
for m in man['members']:
    mem.append([m['name'], b[off:off + m['size']]]); off += m['size']
def write(path, man, mem):
    man = dict(man)
    man['members'] = [{'name': n, 'size': len(d), 'sha256': hashlib.sha256(d).hexdigest()} for n, d in mem]
    js = json.dumps(man).encode()
    open(path, 'wb').write(b'BVPACK 1\n%d %s\n' % (len(js), hashlib.sha256(js).hexdigest().encode()) + js + b''.join(d for _, d in mem))
layers = [[n, d.replace(b'filters=16', b'filters=24', 1) if n == 'model.cfg' else d] for n, d in mem]
write(sys.argv[2] + '/layers.bvpack', man, layers)
cls = dict(man); cls['classes'] = ['RBC', 'WBC', 'Platelets', 'Sickle'][:len(man['classes'])]
cls['classes'][-1] = 'Sickle'
write(sys.argv[2] + '/classes.bvpack', cls, mem)
PY
post_file /api/microscopes/district-1/model "$work/layers.bvpack"
[ "$code" = 409 ] && grep -q microscope_model_other_network "$work/body" &&
    ok "a model with other layers -> 409 ($(json "$work/body" 'j["error"]["message"]'))" || bad "layers -> $code $(head -c 300 "$work/body")"
post_file /api/microscopes/district-1/model "$work/classes.bvpack"
[ "$code" = 409 ] && ok "a model with other classes -> 409 ($(json "$work/body" 'j["error"]["message"]'))" || bad "classes -> $code $(head -c 300 "$work/body")"
[ "$(snapshot district-1)" = "$before" ] && ok "nothing changed by the refused models" || bad "state changed by a refused model"

post_file /api/microscopes/district-1/model "$work/model.bvpack"
[ "$code" = 200 ] && [ "$(json "$work/body" '(j["kept"], j["versions"][-1]["kind"], j["versions"][-1]["adopted"], j["adaptation"])')" = "(1, 'model', False, 0)" ] &&
    ok "the model is kept as version 1, not in use until adopted" || bad "model import -> $code $(head -c 300 "$work/body")"
d=$(json "$work/body" 'j["versions"][-1]["dir"]')
python3 - "$work/model.bvpack" "$BV_RESULTS/microscopes/$d" <<'PY' && ok "its files are the exported ones, byte for byte" || bad "kept files differ"
import json, sys
b = open(sys.argv[1], 'rb').read()
nl = b.index(b'\n', 9); ml = int(b[9:nl].split()[0])
man = json.loads(b[nl + 1:nl + 1 + ml]); off = nl + 1 + ml
for m in man['members']:
    assert open(sys.argv[2] + '/' + m['name'], 'rb').read() == b[off:off + m['size']], m['name']
    off += m['size']
PY
[ -z "$(ls -A "$BV_RESULTS/microscopes/models" | grep '^\.tmp')" ] && ok "no temporary folder left" || bad "temporary left"

echo "1..$n"
[ "$fails" = 0 ]
