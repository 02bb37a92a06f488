#!/bin/sh
# errors.sh: every error the API sends comes from the one table (src/base/errors.c), and the page words each code in en and es
#
# 1. No file under src/ but base/http.[ch] calls http_error() or
#    http_error_i18n() (a status and code typed at the call site) or sets
#    resp->error_code to a literal: routes name an enum err_code, which
#    the compiler holds to the table.
# 2. Every code of the table has its "err.<code>" message in both the
#    English and the Spanish catalogue (htdocs/i18n/en.json, es.json).
srcdir=${top_srcdir:-$(dirname "$0")/..}
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
exec python3 - "$srcdir" <<'PY'
import os, re, sys

top = sys.argv[1]
src = os.path.join(top, 'src')
bad = 0
call = re.compile(r'\bhttp_error(_i18n)?\s*\(')
lit = re.compile(r'error_code\s*=\s*"')
for d, _, fs in os.walk(src):
    for f in fs:
        if not (f.endswith('.c') or f.endswith('.h')):
            continue
        p = os.path.join(d, f)
        rel = os.path.relpath(p, src)
        if rel in ('base/http.c', 'base/http.h'):
            continue
        text = open(p, encoding='utf-8', errors='replace').read()
        for m in list(call.finditer(text)) + list(lit.finditer(text)):
            line = text.count('\n', 0, m.start()) + 1
            print('error outside the table: src/%s:%d: %s' % (rel, line,
                  text[m.start():text.find('\n', m.start())].strip()))
            bad += 1

table = open(os.path.join(src, 'base', 'errors.c'), encoding='utf-8').read()
codes = re.findall(r'E\(([A-Z_]+), "([a-z_]+)", (\d+),', table)
enum = re.findall(r'^\s*ERR_([A-Z_]+),', open(os.path.join(src, 'base',
                  'errors.h'), encoding='utf-8').read(), re.M)
if not codes:
    print('errors.c: no table entries found')
    sys.exit(99)
for name, code, status in codes:
    if name.lower() != code:
        print('errors.c: ERR_%s has code "%s"' % (name, code))
        bad += 1
if sorted(n for n, _, _ in codes) != sorted(enum):
    print('errors.c and errors.h name different codes: %s' % sorted(
          set(enum) ^ set(n for n, _, _ in codes)))
    bad += 1

import json
for lang in ('en', 'es'):
    try:
        cat = json.load(open(os.path.join(top, 'htdocs', 'i18n', lang + '.json'),
                             encoding='utf-8'))
    except (OSError, ValueError) as e:
        print('i18n/%s.json: %s' % (lang, e))
        sys.exit(99)
    for _, code, _ in codes:
        if not isinstance(cat.get('err.' + code), str) or not cat['err.' + code]:
            print('i18n/%s.json: no message for error code %s' % (lang,
                  code))
            bad += 1
print('errors: %d codes, %d problem(s)' % (len(codes), bad))
sys.exit(1 if bad else 0)
PY
