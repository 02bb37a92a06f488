#!/bin/sh
# layers.sh: the source tree keeps its layers: no include from a higher floor, no include or store call loop
#
# Floors come from each folder's README.md ("# src/X — floor N: ..."): a
# file includes headers of its own folder and of folders on lower floors,
# never a sibling folder on its own floor nor one above.  src/tools/ (no
# floor) may include every folder but server/ and routes/; nothing else
# includes tools/.  Files are grouped into modules (x.c with x.h); the
# include graph between modules and the call graph between the store's
# files must have no loop.  Each offending edge is printed.
srcdir=${top_srcdir:-$(dirname "$0")/..}
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
exec python3 - "$srcdir/src" <<'PY'
import os, re, sys

src = sys.argv[1]
floors = {}
for d in sorted(os.listdir(src)):
    readme = os.path.join(src, d, 'README.md')
    if not os.path.isfile(readme):
        continue
    head = open(readme, encoding='utf-8').readline()
    m = re.search(r'floor (\d+)', head)
    floors[d] = int(m.group(1)) if m else None
if not floors or all(v is None for v in floors.values()):
    print('layers: no floors found under %s' % src)
    sys.exit(99)

files = {}
for d in floors:
    for f in sorted(os.listdir(os.path.join(src, d))):
        if f.endswith('.c') or f.endswith('.h'):
            files['%s/%s' % (d, f)] = open(os.path.join(src, d, f),
                                           encoding='utf-8', errors='replace').read()

def module(path):
    return re.sub(r'\.[ch]$', '', path)

def may_include(a, b):
    """May a file in folder a include a header of folder b?"""
    if a == b:
        return True
    if b == 'tools':
        return False
    if a == 'tools':
        return b not in ('server', 'routes')
    fa, fb = floors.get(a), floors.get(b)
    return fa is not None and fb is not None and fb < fa

bad = 0
graph = {}
inc = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
for path, text in files.items():
    folder = path.split('/')[0]
    for target in inc.findall(text):
        if '/' not in target:
            continue                    # a neighbour in tests/ or a local
        tfolder = target.split('/')[0]
        if tfolder not in floors:
            continue
        if not may_include(folder, tfolder):
            print('upward include: %s -> %s (%s floor %s, %s floor %s)' % (
                path, target, folder, floors.get(folder), tfolder,
                floors.get(tfolder)))
            bad += 1
        if target in files and module(target) != module(path):
            graph.setdefault(module(path), set()).add(module(target))

def loops(graph, what):
    """Print each strongly connected component of more than one node."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)
    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1
        stack.append(v); on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    for comp in out:
        print('%s loop: %s' % (what, ' '.join(comp)))
        for a in comp:
            for b in sorted(graph.get(a, ())):
                if b in comp:
                    print('  %s -> %s' % (a, b))
    return len(out)

bad += loops(graph, 'include')

# The store's call graph: a function defined (at column 0) in one store
# file and called from another.
defs = {}
for path, text in files.items():
    if path.startswith('store/') and path.endswith('.c'):
        for m in re.finditer(r'^(.*)\n([a-z_][a-z0-9_]*)\(', text, re.M):
            if not re.match(r'\s*static\b', m.group(1)):
                defs.setdefault(m.group(2), path)
calls = {}
ident = re.compile(r'\b([a-z_][a-z0-9_]*)\s*\(')
for path, text in files.items():
    if not (path.startswith('store/') and path.endswith('.c')):
        continue
    body = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    for name in set(ident.findall(body)):
        owner = defs.get(name)
        if owner and owner != path:
            calls.setdefault(path, set()).add(owner)
            if os.environ.get('LAYERS_VERBOSE'):
                print('call: %s -> %s (%s)' % (path, owner, name))
bad += loops(calls, 'store call')

nfiles = len(files)
nedges = sum(len(v) for v in graph.values())
print('layers: %d files, %d module include edges, %d problem(s)' % (
    nfiles, nedges, bad))
sys.exit(1 if bad else 0)
PY
