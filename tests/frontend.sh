#!/bin/sh
# frontend.sh: the page's shape holds: ES modules only (no classic script, no global namespace object, no import from outside the server), no file over 800 lines, en and es catalogues with the same keys
srcdir=${top_srcdir:-$(dirname "$0")/..}
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
exec python3 - "$srcdir" <<'PY'
import glob, json, os, re, sys
top = sys.argv[1]
bad = 0
def fail(msg):
    global bad
    print('not ok - ' + msg)
    bad += 1
html = open(os.path.join(top, 'htdocs', 'index.html'), encoding='utf-8').read()
scripts = re.findall(r'<script\b[^>]*>', html)
if not scripts:
    fail('index.html loads no script')
for s in scripts:
    if 'type="module"' not in s:
        fail('index.html: a classic script: ' + s)
files = sorted(glob.glob(os.path.join(top, 'htdocs', 'js', '*.js')))
for f in files:
    name = os.path.relpath(f, top)
    text = open(f, encoding='utf-8').read()
    lines = text.count('\n')
    if lines > 800:
        fail('%s: %d lines (over 800)' % (name, lines))
    if re.search(r'\bwindow\.BV\b|(?<![\w.$])BV\.', text):
        fail(name + ': uses the old global namespace object BV')
    if not text.startswith('/*'):
        fail(name + ': no first-line comment')
    for m in re.finditer(r'^\s*import\b[^;]*?from\s+[\'"]([^\'"]+)[\'"]', text, re.M):
        if not m.group(1).startswith('./'):
            fail('%s: imports %s (only ./ modules of this page)' % (name, m.group(1)))
        elif not os.path.exists(os.path.join(top, 'htdocs', 'js', m.group(1)[2:])):
            fail('%s: imports %s, which is not there' % (name, m.group(1)))
cats = {}
for lang in ('en', 'es'):
    p = os.path.join(top, 'htdocs', 'i18n', lang + '.json')
    try:
        cats[lang] = json.load(open(p, encoding='utf-8'))
    except (OSError, ValueError) as e:
        fail('i18n/%s.json: %s' % (lang, e))
        cats[lang] = {}
    for k, v in cats[lang].items():
        if not isinstance(v, str) or not v:
            fail('i18n/%s.json: %s is not a text' % (lang, k))
only = sorted(set(cats['en']) ^ set(cats['es']))
if only:
    fail('keys in one catalogue only: ' + ', '.join(only[:20]))
print('frontend: %d modules, %d en and %d es strings, %d problem(s)' %
      (len(files), len(cats['en']), len(cats['es']), bad))
sys.exit(1 if bad else 0)
PY
