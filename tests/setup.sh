#!/usr/bin/env bash
# Makes libtorch (TorchSharp 0.107.0) load on Debian 12, for the interop tests and benchmarks. CI runs it before the tests.
# Idempotent and quick once done: it patches the restored NuGet package in place, so every later build copies the fixed file.
#
# Why: TorchSharp's libLibTorchSharp.so was linked against GCC 13's libstdc++ and asks for GLIBCXX_3.4.32 for exactly one
# symbol, std::ios_base_library_init(), which Debian 12's libstdc++ (3.4.30) lacks. We provide that function in a tiny
# library of our own (libiosinit.so, placed next to it; its RUNPATH already has $ORIGIN), unversion the symbol, and mark
# the GLIBCXX_3.4.32 version need weak, so the loader accepts the older libstdc++.
set -euo pipefail
cd "$(dirname "$0")/.."

TORCHSHARP_VERSION=0.107.0
SYMBOL=_ZSt21ios_base_library_initv
VERSION_NEED=GLIBCXX_3.4.32

# The package must be in the NuGet cache before it can be patched; restoring is a no-op when it already is.
dotnet restore tests/NetGen.Interop.Tests/NetGen.Interop.Tests.csproj --verbosity quiet

packages=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: *//')
native="${packages%/}/torchsharp/$TORCHSHARP_VERSION/runtimes/linux-x64/native"
lib="$native/libLibTorchSharp.so"
[ -f "$lib" ] || { echo "setup.sh: $lib not found after restore" >&2; exit 1; }

if [ ! -f "$native/libiosinit.so" ]; then
  src=$(mktemp --suffix=.cpp)
  # Including <iostream> with GCC 12 also constructs an ios_base::Init, which is what the GCC 13 function stands for.
  cat >"$src" <<'CPP'
#include <iostream>
namespace std { extern "C++" void ios_base_library_init() {} }
CPP
  g++ -shared -fPIC -O2 -o "$native/libiosinit.so.tmp" "$src"
  rm -f "$src"
  mv "$native/libiosinit.so.tmp" "$native/libiosinit.so"
fi

# readelf's output is captured first: with pipefail, `readelf | grep -q` fails when grep stops reading early.
needs_iosinit() { local d; d=$(readelf -d "$1"); [[ $d == *"[libiosinit.so]"* ]]; }
weak_need() { local v; v=$(readelf -V "$1"); [[ $v == *"Name: $VERSION_NEED  Flags: WEAK"* ]]; }
if needs_iosinit "$lib" && weak_need "$lib"; then
  exit 0
fi

if ! command -v patchelf >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq patchelf >/dev/null
fi

# Patch a copy, then move it over the original, so an interrupted run never leaves a half-patched library behind.
work="$lib.patching"
cp "$lib" "$work"
patchelf --clear-symbol-version "$SYMBOL" "$work"
needs_iosinit "$work" || patchelf --add-needed libiosinit.so "$work"
python3 - "$work" "$VERSION_NEED" <<'PY'
# Sets VER_FLG_WEAK on the Vernaux entry naming the given version in .gnu.version_r (ELF64, little-endian).
import struct, sys
path, version = sys.argv[1], sys.argv[2].encode()
with open(path, 'r+b') as f:
    elf = bytearray(f.read())
    assert elf[:4] == b'\x7fELF' and elf[4] == 2 and elf[5] == 1, 'expects a 64-bit little-endian ELF'
    shoff, = struct.unpack_from('<Q', elf, 0x28)
    shentsize, shnum = struct.unpack_from('<HH', elf, 0x3A)

    def section(i):  # (sh_type, sh_offset, sh_link)
        base = shoff + i * shentsize
        return (struct.unpack_from('<I', elf, base + 0x04)[0], struct.unpack_from('<Q', elf, base + 0x18)[0],
                struct.unpack_from('<I', elf, base + 0x28)[0])

    found = 0
    for i in range(shnum):
        kind, need, link = section(i)
        if kind != 0x6ffffffe:  # SHT_GNU_verneed
            continue
        strtab = section(link)[1]
        while True:
            vn_cnt, = struct.unpack_from('<H', elf, need + 2)
            vn_aux, vn_next = struct.unpack_from('<II', elf, need + 8)
            aux = need + vn_aux
            for _ in range(vn_cnt):
                flags, = struct.unpack_from('<H', elf, aux + 4)
                name, vna_next = struct.unpack_from('<II', elf, aux + 8)
                start = strtab + name
                if bytes(elf[start:elf.index(b'\0', start)]) == version:
                    struct.pack_into('<H', elf, aux + 4, flags | 0x2)  # VER_FLG_WEAK
                    found += 1
                aux += vna_next
            if vn_next == 0:
                break
            need += vn_next
    if not found:
        sys.exit(f'{version.decode()} is not needed by {path}')
    f.seek(0)
    f.write(elf)
PY
mv "$work" "$lib"
echo "setup.sh: patched $lib for Debian's libstdc++"
