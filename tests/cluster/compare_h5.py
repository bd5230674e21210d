#!/usr/bin/python3
"""Exit 0 when two ratenet files hold the same results.

Compares every dataset and attribute, bit for bit, except what is measured or
describes the invocation rather than the result: per-point wall times
(/sweep/seconds), creation time, command line, and the shard label. The
dimension-scale bookkeeping (DIMENSION_LIST, REFERENCE_LIST) holds object
references, which are compared by the paths they point to.
    compare_h5.py A.h5 B.h5
"""
import sys

import h5py
import numpy as np

SKIP_DATASETS = {"sweep/seconds"}
SKIP_ATTRS = {"created_utc", "command_line", "shard", "config_path"}


def items(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj))
    return out


# Attributes of HDF5 dimension scales that hold object references.
REFERENCE_ATTRS = {"DIMENSION_LIST", "REFERENCE_LIST"}


def referenced(f, obj, k):
    """A reference-holding attribute as the paths it points to."""
    v = obj.attrs[k]
    if k == "DIMENSION_LIST":
        return [sorted(f[r].name for r in axis) for axis in v]
    return sorted((f[r].name, int(d)) for r, d in v)


def same_array(a, b):
    if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
        return False
    if a.dtype.kind == "f":
        return np.array_equal(a, b, equal_nan=True) and np.array_equal(np.signbit(a), np.signbit(b))
    return np.array_equal(a, b)


def main(pa, pb):
    bad = []
    with h5py.File(pa, "r") as fa, h5py.File(pb, "r") as fb:
        ia, ib = items(fa), items(fb)
        if set(ia) != set(ib):
            bad.append(f"objects differ: {sorted(set(ia) ^ set(ib))}")
        for name in sorted(set(ia) & set(ib)):
            oa, ob = ia[name], ib[name]
            if isinstance(oa, h5py.Dataset) and name not in SKIP_DATASETS:
                if not same_array(oa[()] if oa.shape == () else oa[...], ob[()] if ob.shape == () else ob[...]):
                    bad.append(f"dataset {name} differs")
            for objs, label in (((oa, ob), name),):
                ka = {k for k in objs[0].attrs if k not in SKIP_ATTRS}
                kb = {k for k in objs[1].attrs if k not in SKIP_ATTRS}
                if ka != kb:
                    bad.append(f"attributes of {label} differ: {sorted(ka ^ kb)}")
                for k in ka & kb:
                    if k in REFERENCE_ATTRS:
                        ra, rb = referenced(fa, objs[0], k), referenced(fb, objs[1], k)
                        if ra != rb:
                            bad.append(f"attribute {label}@{k} differs: {ra} vs {rb}")
                        continue
                    va, vb = np.asarray(objs[0].attrs[k]), np.asarray(objs[1].attrs[k])
                    if not same_array(va, vb):
                        bad.append(f"attribute {label}@{k} differs: {va} vs {vb}")
        for k in fa.attrs:
            if k in SKIP_ATTRS:
                continue
            if k not in fb.attrs or not same_array(np.asarray(fa.attrs[k]), np.asarray(fb.attrs[k])):
                bad.append(f"root attribute {k} differs")
    if bad:
        print(f"{pa} and {pb} differ:\n  " + "\n  ".join(bad))
        return 1
    print(f"{pa} == {pb}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
