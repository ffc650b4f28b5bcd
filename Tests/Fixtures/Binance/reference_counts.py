#!/usr/bin/env python3
"""Independent reference for the Binance replay tests (not used by the C# code).

Implements Binance's documented "How to manage a local order book correctly" with Python's json and
decimal.Decimal, per symbol: buffer diffs, take the REST snapshot, drop diffs with u <= lastUpdateId
(futures: u < lastUpdateId), first applied diff has U <= lastUpdateId+1 <= u (futures: U <= lastUpdateId <= u),
then spot U == previous u + 1, futures pu == previous u. Counts every bookTicker whose u equals the last
applied depth u when it arrives ("bbo_checked_arrival"), and every bookTicker whose u equals the u of any applied
depth event, compared with the book right after that event whatever the arrival order ("bbo_checked"; a bookTicker
usually arrives before the 100 ms depth batch that reaches its u), and checks that its b/B/a/A equal the rebuilt top
of book.

usage: reference_counts.py FILE [REST_FILE]   (legacy L files: pass the ws file and the rest-depth file)
"""
import json, re, sys
from decimal import Decimal

def frames(path):
    url = None
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if not line:
            continue
        m = re.match(r'^(\d+) (.*)$', line)
        if m:
            ts = int(m.group(1)); ts = ts * 1000 if len(m.group(1)) <= 16 else ts
            body = m.group(2)
            d = json.loads(body)
            yield ts, ('rest' if 'lastUpdateId' in d and 'stream' not in d else 'recv'), None, d
            continue
        if ' <-> ' in line:
            url = line.split(' <-> ')[0]; continue
        head, _, body = line.partition(': ')
        if ' -> ' in head:
            u, t = head.split(' -> ')
            yield int(Decimal(t) * 10**9), 'rest', u, json.loads(body)
        elif ' <- ' in head:
            continue
        else:
            yield int(Decimal(head) * 10**9), 'recv', url, json.loads(body)

def main(paths):
    evs = []
    for p in paths:
        evs.extend(frames(p))
    evs.sort(key=lambda x: x[0])  # stable: equal times keep file order
    books = {}
    checked = mismatch = applied = gaps = crossed = 0
    tops, tickers = {}, []
    last_symbol = None
    for ts, kind, url, d in evs:
        if kind == 'rest':
            sym = d.get('symbol')
            if sym is None and url:
                sym = re.search(r'symbol=([A-Za-z0-9_]+)', url).group(1).upper()
            if sym is None:
                sym = last_symbol
            b = books.setdefault(sym, {'buf': []})
            b['bids'] = {Decimal(p): Decimal(q) for p, q in d['bids']}
            b['asks'] = {Decimal(p): Decimal(q) for p, q in d['asks']}
            b['L'] = d['lastUpdateId']; b['last'] = None; b['synced'] = False
            buf, b['buf'] = b['buf'], []
            for e in buf:
                a, g = apply(b, e); applied += a; gaps += g
                if a: tops[(sym, e['u'])] = top(b)
            continue
        e = d.get('data', d)
        sym = e.get('s'); last_symbol = sym or last_symbol
        et = e.get('e')
        if et == 'depthUpdate':
            b = books.setdefault(sym, {'buf': []})
            if 'L' not in b:
                b['buf'].append(e); continue
            a, g = apply(b, e); applied += a; gaps += g
            if a: tops[(sym, e['u'])] = top(b)
            if b['synced'] and b['bids'] and b['asks'] and max(b['bids']) >= min(b['asks']):
                crossed += 1
        elif et == 'bookTicker' or (et is None and 'u' in e and isinstance(e.get('b'), str)):
            tickers.append((sym, e))
            b = books.get(sym)
            if b and b.get('synced') and b['last'] == e['u']:
                checked += 1
                if top(b) != ticker(e):
                    mismatch += 1
    any_checked = any_mismatch = 0
    for sym, e in tickers:
        t = tops.get((sym, e['u']))
        if t is not None:
            any_checked += 1
            any_mismatch += t != ticker(e)
    print(json.dumps({'bbo_checked': any_checked, 'bbo_mismatch': any_mismatch,
                      'bbo_checked_arrival': checked, 'bbo_mismatch_arrival': mismatch, 'applied': applied, 'gaps': gaps, 'crossed': crossed,
                      'synced': {s: b.get('synced', False) for s, b in books.items()}}))

def top(b):
    bb = max(b['bids']); ba = min(b['asks'])
    return (bb, b['bids'][bb], ba, b['asks'][ba])

def ticker(e):
    return (Decimal(e['b']), Decimal(e['B']), Decimal(e['a']), Decimal(e['A']))

def apply(b, e):
    futures = 'pu' in e
    L = b['L']
    if not b['synced']:
        if (e['u'] < L) if futures else (e['u'] <= L):
            return 0, 0
        ok = (e['U'] <= L <= e['u']) if futures else (e['U'] <= L + 1 <= e['u'])
        if not ok:
            return 0, 1
        b['synced'] = True
    else:
        ok = (e['pu'] == b['last']) if futures else (e['U'] == b['last'] + 1)
        if not ok:
            b['synced'] = False
            return 0, 1
    for side, key in (('bids', 'b'), ('asks', 'a')):
        for p, q in e[key]:
            p, q = Decimal(p), Decimal(q)
            if q == 0: b[side].pop(p, None)
            else: b[side][p] = q
    b['last'] = e['u']
    return 1, 0

if __name__ == '__main__':
    main(sys.argv[1:])
