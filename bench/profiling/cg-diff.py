# python3 bench/profiling/cg-diff.py A200-01 A400-01 B200-01 B400-01: self instructions per probe by function, (400-200)/200, A against B.
import subprocess, sys, re, collections
def load(f):
    out = subprocess.run(['callgrind_annotate', '--threshold=100', f], capture_output=True, text=True).stdout
    d = collections.Counter()
    started = False
    for line in out.splitlines():
        if 'file:function' in line: started = True; continue
        if not started: continue
        m = re.match(r'\s*([\d,]+)\s+\([^)]*\)\s+(.*)$', line)
        if m:
            name = re.sub(r'\s*\[.*\]$', '', m.group(2))
            name = re.sub(r"'\d+$", '', name)
            d[name] += int(m.group(1).replace(',', ''))
    return d
def per(a, b, n):
    A, B = load(a), load(b)
    return {k: (B[k] - A[k]) / n for k in set(A) | set(B)}
g = per(sys.argv[1], sys.argv[2], 200)
f = per(sys.argv[3], sys.argv[4], 200)
print('gp/probe %.0f floor/probe %.0f' % (sum(g.values()), sum(f.values())))
rows = sorted(set(g) | set(f), key=lambda k: -(g.get(k, 0) - f.get(k, 0)))
print('%10s %10s %10s  %s' % ('gp', 'floor', 'diff', 'function'))
for k in rows[:45]: print('%10.0f %10.0f %10.0f  %s' % (g.get(k, 0), f.get(k, 0), g.get(k, 0) - f.get(k, 0), k[:130]))
print('...')
for k in rows[-15:]: print('%10.0f %10.0f %10.0f  %s' % (g.get(k, 0), f.get(k, 0), g.get(k, 0) - f.get(k, 0), k[:130]))
