"""Smaller replacements for three kinds of shared libraries in the Linux bundle.

Plain Python (and, for two of them, a C compiler), used by ``advisor-app.spec`` through
``bundle.py``; what is replaced and why it is safe is listed in ``bundle.py``. Each function
writes a new file and leaves the collected original alone.

- :func:`compact_elf`: a library whose loadable segments lie megabytes apart in the file (an old
  patchelf of the wheel's repair step aligned them to 2 MiB): the same bytes, moved together.
- :func:`build_icu_data_library`: ICU's data library with only the items Qt can use.
- :func:`build_stub_library`: a library that only satisfies the dynamic loader, for codec
  libraries that FFmpeg links but the app never opens.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

# --- ELF ---

PT_LOAD = 1
SHT_NOBITS = 8
EM_X86_64 = 62
_ELF_HEADER = struct.Struct("<16sHHIQQQIHHHHHH")
_PHDR = struct.Struct("<IIQQQQQQ")
_SHDR = struct.Struct("<IIQQQQIIQQ")


class _Elf:
    """The headers of a little-endian ELF64 file, enough to move its contents around."""

    def __init__(self, data: bytes) -> None:
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
            raise ValueError("not a little-endian ELF64 file")
        header = list(_ELF_HEADER.unpack_from(data, 0))
        self.header = header
        self.machine = header[2]
        self.phoff, self.shoff = header[5], header[6]
        self.phentsize, self.phnum = header[9], header[10]
        self.shentsize, self.shnum = header[11], header[12]
        self.phdrs = [
            list(_PHDR.unpack_from(data, self.phoff + i * self.phentsize))
            for i in range(self.phnum)
        ]
        self.shdrs = [
            list(_SHDR.unpack_from(data, self.shoff + i * self.shentsize))
            for i in range(self.shnum)
        ]

    def loads(self) -> list[list[int]]:
        return [ph for ph in self.phdrs if ph[0] == PT_LOAD]


def elf_padding(data: bytes) -> int:
    """Bytes of the file that no loadable segment, section or header table covers."""
    elf = _Elf(data)
    return len(data) - sum(size for _, size in _regions(elf))


def elf_file_padding(path: Path) -> int:
    """:func:`elf_padding` of a file, reading only its headers; 0 for anything but ELF64."""
    with path.open("rb") as file:
        head = file.read(_ELF_HEADER.size)
        if len(head) < _ELF_HEADER.size or head[:4] != b"\x7fELF" or head[4:6] != b"\x02\x01":
            return 0
        fields = _ELF_HEADER.unpack(head)
        phoff, shoff = fields[5], fields[6]
        phentsize, phnum, shentsize, shnum = fields[9], fields[10], fields[11], fields[12]
        # a sparse image: the headers and tables where they are, zeros elsewhere
        image = bytearray(max(phoff + phnum * phentsize, shoff + shnum * shentsize))
        image[: len(head)] = head
        for offset, size in ((phoff, phnum * phentsize), (shoff, shnum * shentsize)):
            file.seek(offset)
            image[offset : offset + size] = file.read(size)
    elf = _Elf(bytes(image))
    return path.stat().st_size - sum(size for _, size in _regions(elf))


def _regions(elf: _Elf) -> list[tuple[int, int]]:
    """Disjoint (offset, size) ranges of the file that hold something, in file order."""
    ranges = [(0, _ELF_HEADER.size), (elf.phoff, elf.phnum * elf.phentsize)]
    ranges += [(ph[2], ph[5]) for ph in elf.loads() if ph[5]]
    ranges += [(sh[4], sh[5]) for sh in elf.shdrs if sh[1] != SHT_NOBITS and sh[5]]
    ranges.append((elf.shoff, elf.shnum * elf.shentsize))
    merged: list[list[int]] = []
    for start, size in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], start + size)
        else:
            merged.append([start, start + size])
    return [(start, end - start) for start, end in merged]


def compact_elf(data: bytes) -> bytes:
    """The same library with the gaps between its parts taken out.

    Every part (loadable segment, section outside them, header tables) keeps its bytes and its
    virtual address; it only moves down in the file by a multiple of the page size, so that
    ``offset % page == vaddr % page`` still holds for each segment, which is all the dynamic
    loader asks (``p_align`` only aligns the whole mapping in memory). Offsets in the program
    and section headers follow. 64 KiB pages are assumed on anything but x86-64."""
    elf = _Elf(data)
    page = 0x1000 if elf.machine == EM_X86_64 else 0x10000
    blocks = []  # (old start, old end, new start)
    cursor = 0
    for start, size in _regions(elf):
        new_start = start - ((start - cursor) // page) * page if start >= cursor else start
        blocks.append((start, start + size, new_start))
        cursor = new_start + size

    def moved(offset: int) -> int:
        for start, end, new_start in blocks:
            if start <= offset <= end:
                return offset - start + new_start
        # an empty part between blocks (a NOBITS section, a zero-size segment): with the one
        # before it
        before = [block for block in blocks if block[1] <= offset]
        start, _, new_start = before[-1] if before else (0, 0, 0)
        return offset - start + new_start

    out = bytearray(cursor)
    for start, end, new_start in blocks:
        out[new_start : new_start + end - start] = data[start:end]
    header = list(elf.header)
    header[5], header[6] = moved(elf.phoff), moved(elf.shoff)
    _ELF_HEADER.pack_into(out, 0, *header)
    for i, ph in enumerate(elf.phdrs):
        ph = list(ph)
        ph[2] = moved(ph[2]) if ph[5] or ph[2] else 0
        _PHDR.pack_into(out, header[5] + i * elf.phentsize, *ph)
    for i, sh in enumerate(elf.shdrs):
        sh = list(sh)
        if sh[4]:
            sh[4] = moved(sh[4])
        _SHDR.pack_into(out, header[6] + i * elf.shentsize, *sh)
    for ph in _Elf(bytes(out)).loads():
        if (ph[2] - ph[3]) % page:
            raise AssertionError("a segment lost its page alignment")
    return bytes(out)


# --- ICU's data ---


def parse_icu_data(blob: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """ICU common data (``icudt73l.dat``, the content of ``libicudata``): header and items."""
    header_size, magic1, magic2 = struct.unpack_from("<HBB", blob, 0)
    if (magic1, magic2) != (0xDA, 0x27) or blob[12:16] != b"CmnD":
        raise ValueError("not ICU common data")
    count = struct.unpack_from("<I", blob, header_size)[0]
    toc = [struct.unpack_from("<II", blob, header_size + 4 + 8 * i) for i in range(count)]
    items = []
    for i, (name_offset, data_offset) in enumerate(toc):
        name_start = header_size + name_offset
        name = blob[name_start : blob.index(b"\0", name_start)].decode("ascii")
        end = toc[i + 1][1] if i + 1 < count else len(blob) - header_size
        items.append((name, blob[header_size + data_offset : header_size + end]))
    return blob[:header_size], items


def write_icu_data(header: bytes, items: list[tuple[str, bytes]]) -> bytes:
    """Common data from a header and items (kept in their order: ICU searches names by
    bisection); every item 16-byte aligned as icupkg does."""
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in items)
    toc_size = 4 + 8 * len(items)
    data_start = -(-(toc_size + len(names)) // 16) * 16
    name_offsets, data_offsets, body = [], [], bytearray()
    position = toc_size
    for name, _ in items:
        name_offsets.append(position)
        position += len(name) + 1
    for _, data in items:
        data_offsets.append(data_start + len(body))
        body += data + b"\0" * (-len(data) % 16)
    toc = struct.pack("<I", len(items)) + b"".join(
        struct.pack("<II", n, d) for n, d in zip(name_offsets, data_offsets, strict=True)
    )
    padding = b"\0" * (data_start - toc_size - len(names))
    return header + toc + names + padding + bytes(body)


def icu_converter_max_bytes(data: bytes) -> int:
    """maxBytesPerChar of a converter table (``*.cnv``): 1 for single-byte code pages."""
    header_size = struct.unpack_from("<H", data, 0)[0]
    # UConverterStaticData: structSize (4), name (60), codepage (4), platform, conversionType,
    # minBytesPerChar, maxBytesPerChar
    return data[header_size + 4 + 60 + 4 + 3]


_LOCALE_ID = re.compile(r"^[a-z]{2,3}(?:_[A-Za-z0-9]+)*$")
_NOT_LOCALES = ("res_index",)  # looks like one (language "res"), lists the installed locales


def icu_item_kept(
    name: str,
    data: bytes,
    languages: Iterable[str],
    drop_trees: Iterable[str],
    drop_extensions: Iterable[str],
    multibyte_converters: bool,
) -> bool:
    """Whether an item of ICU's data stays: locale data only for ``languages`` (root and the
    non-locale items such as pool.res, res_index.res, supplementalData.res always), no trees in
    ``drop_trees``, no files ending in ``drop_extensions``, single-byte converters only unless
    ``multibyte_converters``."""
    path = name.split("/", 1)[1] if "/" in name else name  # without the icudt73l/ prefix
    parts = path.split("/")
    stem, _, extension = parts[-1].rpartition(".")
    if len(parts) > 1 and parts[0] in drop_trees:
        return False
    if extension in drop_extensions:
        return False
    if extension == "cnv" and not multibyte_converters:
        return icu_converter_max_bytes(data) == 1
    if extension == "res" and _LOCALE_ID.match(stem) and stem not in _NOT_LOCALES:
        return stem.split("_")[0] in languages
    return True


def _elf_symbol(library: Path, pattern: str) -> str:
    """The name of the one dynamic symbol of ``library`` matching ``pattern`` (nm)."""
    symbols = subprocess.run(
        ["nm", "-D", "--defined-only", str(library)], capture_output=True, text=True, check=True
    ).stdout.split()
    found = [name for name in symbols if re.fullmatch(pattern, name)]
    if len(found) != 1:
        raise ValueError(f"{library.name}: expected one symbol like {pattern}, found {found}")
    return found[0]


def icu_data_blob(library: Path) -> tuple[str, bytes]:
    """(symbol, common data) of an ICU data library such as ``libicudata.so.73``."""
    symbol = _elf_symbol(library, r"icudt\d+_dat")
    data = library.read_bytes()
    elf = _Elf(data)
    rodata = next(
        sh
        for sh in elf.shdrs
        if sh[1] != SHT_NOBITS and sh[5] > 1_000_000  # the one big section: the data
    )
    offset, size = rodata[4], rodata[5]
    blob = data[offset : offset + size]
    parse_icu_data(blob)  # raises unless it is common data
    return symbol, blob


def _soname(library: Path) -> str:
    output = subprocess.run(
        ["readelf", "-d", str(library)], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", output)
    return match.group(1) if match else library.name


def _compile(cc: str, sources: list[Path], output: Path, soname: str, *flags: str) -> None:
    subprocess.run(
        [cc, "-shared", "-fPIC", "-O2", "-o", str(output), *map(str, sources),
         f"-Wl,-soname,{soname}", "-Wl,-z,noexecstack", "-Wl,-z,relro", *flags],
        check=True,
    )  # fmt: skip


def build_icu_data_library(
    original: Path, output: Path, keep: Callable[[str, bytes], bool], cc: str = "cc"
) -> tuple[int, int]:
    """A copy of ICU's data library holding only the items ``keep`` accepts.

    The library is nothing but one exported symbol (``icudt73_dat``) holding ICU's common data;
    the new one exports the same symbol, under the same soname, with less data.
    Returns (items kept, items dropped)."""
    symbol, blob = icu_data_blob(original)
    header, items = parse_icu_data(blob)
    kept = [(name, data) for name, data in items if keep(name, data)]
    with tempfile.TemporaryDirectory() as folder:
        dat = Path(folder) / "icudata.dat"
        dat.write_bytes(write_icu_data(header, kept))
        source = Path(folder) / "icudata.S"
        source.write_text(
            f"\t.section .rodata\n\t.globl {symbol}\n\t.type {symbol}, @object\n\t.balign 16\n"
            f'{symbol}:\n\t.incbin "{dat}"\n\t.size {symbol}, . - {symbol}\n'
            '\t.section .note.GNU-stack,"",@progbits\n',
            encoding="ascii",
        )
        _compile(cc, [source], output, _soname(original), "-nostdlib")
    return len(kept), len(items) - len(kept)


# --- stubs ---


def needed_libraries(binary: Path) -> list[str]:
    """The DT_NEEDED entries of a binary (its direct dependencies, unlike ldd's list)."""
    output = subprocess.run(
        ["readelf", "-d", str(binary)], capture_output=True, text=True, check=True
    ).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", output)


def undefined_symbols(binary: Path) -> set[str]:
    output = subprocess.run(
        ["nm", "-D", "--undefined-only", str(binary)], capture_output=True, text=True, check=True
    ).stdout
    return {line.split()[-1].split("@")[0] for line in output.splitlines() if line.strip()}


def defined_functions(library: Path) -> dict[str, str]:
    """Exported symbols of ``library`` and their nm type letter (T for code, D/B/R for data)."""
    output = subprocess.run(
        ["nm", "-D", "--defined-only", str(library)], capture_output=True, text=True, check=True
    ).stdout
    symbols = {}
    for line in output.splitlines():
        fields = line.split()
        if len(fields) == 3:
            symbols[fields[2].split("@")[0]] = fields[1]
    return symbols


def stub_source(label: str, functions: Iterable[str], returning_null: Iterable[str]) -> str:
    """C source of a stub library: every function writes once to stderr that ``label`` is not in
    this build and returns an error (-1). Those in ``returning_null`` (by name prefix) are
    queries FFmpeg also makes when it only lists its codecs (``x265_api_get``: which bit depths
    exist): they return NULL, "none", without a word."""
    null = tuple(returning_null)
    lines = [
        "#include <unistd.h>",
        "static int told;",
        "static void left_out(void) {",
        "    if (!told) {",
        "        static const char text[] =",
        f'            "advisor-app: {label} is left out of this build\\n";',
        "        told = 1;",
        "        ssize_t written = write(2, text, sizeof text - 1);",
        "        (void)written;",
        "    }",
        "}",
    ]
    for name in sorted(functions):
        if name.startswith(null):
            lines.append(f"void *{name}(void) {{ return (void *)0; }}")
        else:
            lines.append(f"long {name}(void) {{ left_out(); return -1; }}")
    return "\n".join(lines) + "\n"


def build_stub_library(
    original: Path,
    users: Iterable[Path],
    output: Path,
    label: str,
    returning_null: Iterable[str],
    cc: str = "cc",
) -> list[str]:
    """A stand-in for ``original`` that defines the functions ``users`` import from it.

    Python loads extension modules with RTLD_NOW, so every symbol a loaded library imports must
    resolve: the stub defines each of them (only functions: a data symbol raises ValueError) and
    keeps the original's soname. Returns the names of the stubbed functions."""
    exported = defined_functions(original)
    wanted = set().union(*(undefined_symbols(user) for user in users)) & set(exported)
    data = sorted(name for name in wanted if exported[name] not in "Tt")
    if data:
        raise ValueError(f"{original.name}: data symbols cannot be stubbed: {', '.join(data)}")
    if not wanted:
        raise ValueError(f"{original.name}: nothing imports from it")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "stub.c"
        source.write_text(stub_source(label, wanted, returning_null), encoding="ascii")
        _compile(cc, [source], output, _soname(original))
    return sorted(wanted)


def have_tools(cc: str = "cc") -> bool:
    return all(shutil.which(tool) for tool in (cc, "nm", "readelf"))
