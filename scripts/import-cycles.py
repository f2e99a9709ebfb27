#!/usr/bin/env python3
"""File-level import cycles in the Rust crates: a module that imports (by `use crate::`, `super::` or
a path) a module that, directly or through others, imports it back. Prints each crate's cycles and
exits 1 if there is any. ARCHITECTURE.md's invariant: none. Usage: scripts/import-cycles.py [src dirs]
(default: every crate's src)."""
import re,os,sys,glob
def modpath(root,f):
    rel=os.path.relpath(f,root)[:-3]
    parts=rel.split('/')
    if parts[-1] in ('mod','lib','main'): parts=parts[:-1]
    return parts
found=False
roots=sys.argv[1:] or sorted(glob.glob('crates/*/src')+glob.glob('crates/doors/*/src'))
for root in roots:
    files=glob.glob(root+'/**/*.rs',recursive=True)
    mods={tuple(modpath(root,f)):f for f in files}
    edges={}
    for m,f in mods.items():
        s=open(f).read()
        # strip test modules
        s=s.split('#[cfg(test)]')[0]
        targets=set()
        for path in re.findall(r'\b(crate|super|self)((?:::\w+)+)', s):
            head,rest=path; segs=rest.strip(':').split('::')
            if head=='crate': base=[]
            elif head=='super':
                # super relative to module m (for mod.rs files, module is the dir)
                base=list(m[:-1])
            else: base=list(m)
            cand=base+segs
            # longest prefix that is a module
            for k in range(len(cand),0,-1):
                t=tuple(cand[:k])
                if t in mods and t!=m: targets.add(t); break
        # use super::{a, b} groups
        for grp in re.findall(r'use (crate|super)::\{([^}]*)\}', s):
            head,items=grp
            base=[] if head=='crate' else list(m[:-1])
            for it in items.split(','):
                it=it.strip().split('::')[0]
                t=tuple(base+[it])
                if t in mods and t!=m: targets.add(t)
        edges[m]=targets
    # find cycles (SCCs)
    idx={};low={};st=[];on=set();res=[];c=[0]
    sys.setrecursionlimit(10000)
    def sc(v):
        idx[v]=low[v]=c[0];c[0]+=1;st.append(v);on.add(v)
        for w in edges.get(v,()):
            if w not in idx: sc(w);low[v]=min(low[v],low[w])
            elif w in on: low[v]=min(low[v],idx[w])
        if low[v]==idx[v]:
            comp=[]
            while True:
                w=st.pop();on.discard(w);comp.append(w)
                if w==v:break
            if len(comp)>1: res.append(comp)
    for v in list(edges):
        if v not in idx: sc(v)
    for comp in res:
        found=True
        print(root+': '+' <-> '.join('/'.join(x) or 'root' for x in comp))
print('import cycles: '+('found' if found else 'none'))
sys.exit(1 if found else 0)
