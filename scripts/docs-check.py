#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# make check's docs step: the user API documentation, checked the way the
# kernel's own documentation build would see it, without Sphinx.
#
#   scripts/docs-check.py --kernel-src DIR [--out DIR] [--self-test]
#
# DIR is an unpacked linux-source-6.12 (scripts/ktree.sh src 6.12), whose
# scripts/kernel-doc is used. Checks:
#
# - kernel-doc -none -Wall over the uAPI headers, the protocol headers,
#   vxf.h and every driver file that exports a symbol: no warning;
# - every exported function has a kernel-doc comment, every structure of
#   the uAPI headers too, and every ioctl of include/uapi/linux/vxf.h is
#   named in its kernel-doc;
# - every .rst under Documentation/ is rendered with docutils after its
#   kernel-doc directives are expanded by kernel-doc -rst, as the kernel's
#   Sphinx extension does (the Sphinx C domain's directives and roles are
#   accepted, :doc: targets must exist): no docutils warning or error, no
#   kernel-doc warning, and every identifier or DOC section a directive
#   names is in kernel-doc's output;
# - Documentation/userspace-api/vxf-intree.patch applies to the kernel's
#   index.rst and ioctl-number.rst; the patched files render, the toctree
#   entries exist, the ioctl numbers the headers define are inside the
#   ranges registered for their files, and no other entry of the kernel's
#   table claims them.
#
# --self-test then runs the checks on copies of the tree broken in known
# ways (a member without description, an exported function without
# kernel-doc, a broken rst table, a misaligned ioctl-number row, ...) and
# fails if one of them is not caught (not run if the tree has problems). --out writes the rendered HTML.
# Prints "docs: FILE: problem" per problem and a summary line; exit 1 on
# any problem.

import argparse
import glob
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import docutils.core
    from docutils import nodes
    from docutils.parsers.rst import Directive, directives, roles
    from docutils.statemachine import StringList
except ImportError:
    print("docs: python3 has no docutils (Debian: python3-docutils, "
          "scripts/deps.sh)")
    sys.exit(1)

# kernel-doc's output form depends on the Sphinx version it writes for:
# this is Debian 12's, the C domain of Sphinx 3 and later.
SPHINX_VERSION = "5.3.0"

DRV = "drivers/gpu/virtio-xen-fault"
UAPI = "include/uapi/linux/vxf.h"
LOOP_UAPI = DRV + "/vxf_loop_uapi.h"
HEADERS = [UAPI, LOOP_UAPI, "include/xen/interface/io/vxfif.h",
           "include/xen/interface/hvm/vxf_fault.h", DRV + "/vxf.h"]
INTREE_PATCH = "Documentation/userspace-api/vxf-intree.patch"
INTREE_INDEX = "Documentation/userspace-api/index.rst"
INTREE_IOCTL = "Documentation/userspace-api/ioctl/ioctl-number.rst"
# the file each header's ioctls are registered under in ioctl-number.rst
IOCTL_FILES = {UAPI: "linux/vxf.h", LOOP_UAPI: LOOP_UAPI}

EXPORT_RE = re.compile(r"^\s*EXPORT_SYMBOL(?:_NS)?(?:_GPL)?\(\s*(\w+)", re.M)
IOCTL_RE = re.compile(r"^#define\s+(\w+)\s+_IO(?:R|W|WR)?\(\s*VXF_IOC_MAGIC"
                      r"\s*,\s*(0x[0-9a-fA-F]+|\d+)", re.M)

# the checker whose documents docutils is rendering (directives need it)
CURRENT = None


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class Checker:
    def __init__(self, top, ksrc, out=None, verbose=True):
        self.top = top
        self.ksrc = ksrc
        self.kdoc = os.path.join(ksrc, "scripts/kernel-doc")
        self.out = out
        self.verbose = verbose
        self.problems = []
        self.doc = None         # the .rst being rendered, relative to top
        self.stats = {"kernel-doc": 0, "rst": 0}

    def problem(self, where, msg):
        self.problems.append("%s: %s" % (where, msg))
        if self.verbose:
            print("docs: %s: %s" % (where, msg))

    def note(self, msg):
        if self.verbose:
            print(msg)

    def path(self, rel):
        return os.path.join(self.top, rel)

    def kernel_doc(self, args):
        """Run kernel-doc in the tree: (stdout, stderr lines, status)."""
        p = subprocess.run(["perl", self.kdoc] + args, cwd=self.top,
                           capture_output=True, text=True)
        err = [line for line in p.stderr.splitlines() if line.strip()]
        return p.stdout, err, p.returncode

    # ---- kernel-doc comments ---------------------------------------------

    def exported_files(self):
        files = []
        for f in sorted(glob.glob(self.path(DRV + "/*.c"))):
            if EXPORT_RE.search(read(f)):
                files.append(os.path.relpath(f, self.top))
        return files

    def check_kernel_doc(self):
        files = HEADERS + self.exported_files()
        for f in files:
            if not os.path.exists(self.path(f)):
                self.problem(f, "missing")
        out, err, rc = self.kernel_doc(["-none", "-Wall"] + files)
        for line in err:
            self.problem("kernel-doc", line)
        if rc:
            self.problem("kernel-doc", "exit status %d" % rc)
        self.stats["kernel-doc"] = len(files)
        self.note("kernel-doc -none -Wall: %s" % " ".join(files))

        # exported functions: each with a kernel-doc comment
        for f in self.exported_files():
            text = read(self.path(f))
            out, err, rc = self.kernel_doc(["-rst", "-sphinx-version",
                                            SPHINX_VERSION, "-export", f])
            documented = set(re.findall(
                r"^\.\. c:(?:function|macro):: .*?\b(\w+)\s*\(", out, re.M))
            for sym in EXPORT_RE.findall(text):
                if sym in documented:
                    continue
                # data (kernel-doc documents no variables) is left alone
                if not re.search(r"^[A-Za-z_][^;=(]*\b%s\s*\(" % sym, text,
                                 re.M):
                    continue
                self.problem(f, "exported function %s() has no kernel-doc "
                             "comment" % sym)

        # uAPI structures: each with a kernel-doc comment
        for f in (UAPI, LOOP_UAPI):
            text = read(self.path(f))
            out, err, rc = self.kernel_doc(["-rst", "-sphinx-version",
                                            SPHINX_VERSION, f])
            documented = set(re.findall(r"^\.\. c:(?:struct|union):: (\w+)",
                                        out, re.M))
            for name in re.findall(r"^struct (\w+) \{", text, re.M):
                if name not in documented:
                    self.problem(f, "struct %s has no kernel-doc comment"
                                 % name)
            # the public ioctls: each named in the header's kernel-doc
            if f == UAPI:
                for name, _ in IOCTL_RE.findall(text):
                    if not re.search(r"\b%s\b" % name, out):
                        self.problem(f, "ioctl %s is in no kernel-doc "
                                     "comment" % name)

    # ---- rendering .rst --------------------------------------------------

    def render(self, rel, srcdir=None):
        """Render one .rst (relative path, under top or srcdir)."""
        global CURRENT
        src = os.path.join(srcdir or self.top, rel)
        text = read(src)
        warnings = io.StringIO()
        CURRENT = self
        self.doc = rel
        try:
            html = docutils.core.publish_string(
                text, source_path=rel, writer_name="html5",
                settings_overrides={
                    "report_level": 2,      # warnings and up
                    "halt_level": 5,        # never stop: list them all
                    "warning_stream": warnings,
                    "output_encoding": "utf-8",
                    "embed_stylesheet": False,
                    "file_insertion_enabled": False,
                    "raw_enabled": False,
                    "tab_width": 8,
                })
        except Exception as e:      # docutils gave up on the document
            self.problem(rel, "docutils: %s" % e)
            return None
        finally:
            CURRENT = None
        # each message: its "FILE:LINE: (LEVEL/N) text" line, and the line
        # after it, which says more (docutils then quotes the source)
        lines = warnings.getvalue().splitlines()
        for i, line in enumerate(lines):
            if re.search(r"\((WARNING|ERROR|SEVERE)/\d\)", line):
                more = lines[i + 1].strip() if i + 1 < len(lines) else ""
                self.problem(rel, line + (" " + more if more else ""))
        self.stats["rst"] += 1
        if self.out:
            dst = os.path.join(self.out, rel[:-4] + ".html")
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as f:
                f.write(html)
        return html

    def doc_exists(self, base, target):
        """A :doc: or toctree target, as Sphinx resolves it."""
        if target.startswith("/"):
            rel = os.path.join("Documentation", target[1:])
        else:
            rel = os.path.normpath(os.path.join(os.path.dirname(base),
                                                target))
        return any(os.path.exists(os.path.join(t, rel + ".rst"))
                   for t in (self.top, self.ksrc))

    def check_rst(self):
        docs = sorted(glob.glob(self.path("Documentation/**/*.rst"),
                                recursive=True))
        if not docs:
            self.problem("Documentation", "no .rst files")
        for d in docs:
            rel = os.path.relpath(d, self.top)
            self.note("render %s" % rel)
            self.render(rel)

    # ---- the in-tree patch and the ioctl numbers -------------------------

    def ioctl_table(self, path):
        """The rows of ioctl-number.rst's table: (code, seq, file)."""
        doctree = docutils.core.publish_doctree(
            read(path), settings_overrides={"report_level": 5})
        rows = []
        for row in doctree.findall(nodes.row):
            cells = [e.astext().strip() for e in row.findall(nodes.entry)]
            if len(cells) >= 3 and cells[0]:
                rows.append((cells[0], cells[1], cells[2]))
        return rows

    @staticmethod
    def seq_range(seq):
        if seq.lower() == "all" or not seq:
            return (0, 255)
        m = re.match(r"^([0-9A-Fa-f]+)(?:-([0-9A-Fa-f]+))?$", seq)
        if not m:
            return None
        lo = int(m.group(1), 16)
        return (lo, int(m.group(2), 16) if m.group(2) else lo)

    def check_intree(self):
        magic = re.search(r"#define\s+VXF_IOC_MAGIC\s+'(.)'",
                          read(self.path(UAPI)))
        if not magic:
            self.problem(UAPI, "no VXF_IOC_MAGIC 'c'")
            return
        code = "'%s'" % magic.group(1)
        with tempfile.TemporaryDirectory() as tmp:
            for f in (INTREE_INDEX, INTREE_IOCTL):
                os.makedirs(os.path.join(tmp, os.path.dirname(f)),
                            exist_ok=True)
                shutil.copy(os.path.join(self.ksrc, f), os.path.join(tmp, f))
            p = subprocess.run(["patch", "-p1", "--forward", "--batch",
                                "--no-backup-if-mismatch", "-i",
                                self.path(INTREE_PATCH)], cwd=tmp,
                               capture_output=True, text=True)
            if p.returncode:
                self.problem(INTREE_PATCH, "does not apply to %s: %s" %
                             (self.ksrc, "; ".join(
                                 (p.stdout + p.stderr).strip().splitlines())))
                return
            self.note("%s applies" % INTREE_PATCH)
            # the patched kernel files render, their toctree entries exist
            for f in (INTREE_INDEX, INTREE_IOCTL):
                self.render(f, srcdir=tmp)

            before = self.ioctl_table(os.path.join(self.ksrc, INTREE_IOCTL))
            after = self.ioctl_table(os.path.join(tmp, INTREE_IOCTL))
        ours = [r for r in after if r not in before]
        if not ours:
            self.problem(INTREE_PATCH, "registers no ioctl numbers")
        for c, seq, f in ours:
            if c != code:
                self.problem(INTREE_PATCH, "registers %s, VXF_IOC_MAGIC is "
                             "%s" % (c, code))
            rng = self.seq_range(seq)
            if not rng:
                self.problem(INTREE_PATCH, "bad range %r" % seq)
                continue
            # nobody else in the kernel's table has these numbers
            for bc, bseq, bf in before:
                brng = self.seq_range(bseq)
                if bc == c and brng and brng[0] <= rng[1] and \
                        rng[0] <= brng[1]:
                    self.problem(INTREE_PATCH, "%s %s is taken: %s %s %s" %
                                 (c, seq, bc, bseq, bf))
        # every ioctl the headers define is in its file's registered range
        n = 0
        for hdr, regfile in IOCTL_FILES.items():
            rngs = [self.seq_range(s) for c, s, f in ours
                    if c == code and f == regfile]
            for name, nr in IOCTL_RE.findall(read(self.path(hdr))):
                nr = int(nr, 0)
                n += 1
                if not any(r and r[0] <= nr <= r[1] for r in rngs):
                    self.problem(hdr, "%s (%s 0x%02x) is outside the "
                                 "numbers registered for %s" %
                                 (name, code, nr, regfile))
        self.note("%d ioctls inside their registered ranges" % n)
        self.stats["ioctls"] = n

    def run(self):
        self.check_kernel_doc()
        self.check_rst()
        self.check_intree()
        return not self.problems


# ---- docutils: what the kernel's Sphinx build adds ---------------------------

class KernelDocDirective(Directive):
    """.. kernel-doc:: FILE, as Documentation/sphinx/kerneldoc.py runs it."""
    required_arguments = 1
    optional_arguments = 4
    option_spec = {
        "doc": directives.unchanged_required,
        "export": directives.unchanged,
        "internal": directives.unchanged,
        "identifiers": directives.unchanged,
        "no-identifiers": directives.unchanged,
        "functions": directives.unchanged,
    }
    has_content = False

    def run(self):
        chk = CURRENT
        where = "%s:%d" % (chk.doc, self.lineno)
        path = self.arguments[0]
        cmd = ["-rst", "-sphinx-version", SPHINX_VERSION]
        opts = dict(self.options)
        if "functions" in opts:
            opts["identifiers"] = opts.pop("functions")
        idents = []
        patterns = []
        if "export" in opts:
            cmd.append("-export")
            patterns = str(opts["export"]).split()
        elif "internal" in opts:
            cmd.append("-internal")
            patterns = str(opts["internal"]).split()
        elif "doc" in opts:
            cmd += ["-function", opts["doc"]]
        elif "identifiers" in opts:
            idents = opts["identifiers"].split()
            for i in idents:
                cmd += ["-function", i]
            if not idents:
                cmd.append("-no-doc-sections")
        for i in (opts.get("no-identifiers") or "").split():
            cmd += ["-nosymbol", i]
        for pat in patterns:
            for f in glob.glob(os.path.join(chk.top, pat)):
                cmd += ["-export-file", f]
        if not os.path.exists(os.path.join(chk.top, path)):
            chk.problem(where, "kernel-doc: no file %s" % path)
            return []
        out, err, rc = chk.kernel_doc(cmd + [path])
        for line in err:
            chk.problem(where, "kernel-doc: %s" % line)
        if rc or not out.strip():
            chk.problem(where, "kernel-doc %s gave nothing" % " ".join(
                cmd + [path]))
        for i in idents:
            if not re.search(r"^\.\. c:\w+:: (?:.*\W)?%s(?:\W|$)" %
                             re.escape(i), out, re.M):
                chk.problem(where, "kernel-doc: %s not found in %s" %
                            (i, path))
        source = "%s (kernel-doc %s)" % (chk.doc, path)
        self.state_machine.insert_input(
            StringList(out.splitlines(), source=source), source)
        return []


class CDomainDirective(Directive):
    """Sphinx's C domain (.. c:struct:: and the like): the signature, then
    the content."""
    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = {"noindex": directives.flag,
                   "noindexentry": directives.flag}

    def run(self):
        sig = nodes.paragraph()
        sig += nodes.literal(text=self.arguments[0] if self.arguments
                             else "")
        body = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, body)
        return [sig, body]


class OnlyDirective(Directive):
    """Sphinx's only: its content (titles too), whatever the builder."""
    required_arguments = 1
    final_argument_whitespace = True
    has_content = True

    def run(self):
        self.state_machine.insert_input(self.content,
                                        "%s (only)" % CURRENT.doc)
        return []


class ToctreeDirective(Directive):
    """Sphinx's toctree: every entry must be a document that exists."""
    has_content = True
    option_spec = {"maxdepth": directives.nonnegative_int,
                   "caption": directives.unchanged,
                   "numbered": directives.flag,
                   "hidden": directives.flag,
                   "glob": directives.flag,
                   "titlesonly": directives.flag}

    def run(self):
        chk = CURRENT
        items = nodes.bullet_list()
        for entry in self.content:
            entry = entry.strip()
            if not entry:
                continue
            m = re.match(r"^.*<(.+)>$", entry)
            target = m.group(1) if m else entry
            if "glob" not in self.options and \
                    not chk.doc_exists(chk.doc, target):
                chk.problem("%s:%d" % (chk.doc, self.lineno),
                            "toctree: no document %s" % target)
            items += nodes.list_item("", nodes.paragraph(text=entry))
        return [items]


def literal_role(name, rawtext, text, lineno, inliner, options=None,
                 content=None):
    return [nodes.literal(rawtext, text)], []


def doc_role(name, rawtext, text, lineno, inliner, options=None,
             content=None):
    chk = CURRENT
    m = re.match(r"^.*<(.+)>$", text)
    target = m.group(1) if m else text
    if not chk.doc_exists(chk.doc, target):
        msg = inliner.reporter.error(":doc: no document %s" % target,
                                     line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    return [nodes.literal(rawtext, text)], []


def register_sphinx():
    directives.register_directive("kernel-doc", KernelDocDirective)
    directives.register_directive("toctree", ToctreeDirective)
    directives.register_directive("only", OnlyDirective)
    for d in ("function", "macro", "struct", "union", "enum", "enumerator",
              "type", "var", "member", "namespace", "namespace-push",
              "namespace-pop"):
        directives.register_directive("c:" + d, CDomainDirective)
    for r in ("func", "macro", "struct", "union", "enum", "enumerator",
              "type", "var", "member", "data", "expr", "texpr", "ref",
              "numref", "envvar", "option"):
        roles.register_local_role("c:" + r if r not in
                                  ("ref", "numref", "envvar", "option")
                                  else r, literal_role)
    roles.register_local_role("doc", doc_role)


# ---- self-test: the checks must catch what they are for -----------------------

def sub_once(path, old, new):
    text = read(path)
    if old not in text:
        raise RuntimeError("self-test: %r not in %s" % (old, path))
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new, 1))


# (what is broken, file, old text, new text, what must be reported)
BREAKAGES = [
    ("a structure member without description", UAPI,
     " * @flags: in: 0; out: 0\n", "",
     "'flags' not described"),
    ("an exported function without kernel-doc", DRV + "/mmap.c",
     "/**\n * vxf_window_stats_to_user()", "/*\n * vxf_window_stats_to_user()",
     "vxf_window_stats_to_user() has no kernel-doc"),
    ("a uAPI structure without kernel-doc", UAPI,
     "/**\n * struct vxf_info -", "/*\n * struct vxf_info -",
     "struct vxf_info has no kernel-doc"),
    ("a broken rst table", "Documentation/userspace-api/vxf.rst",
     "``ENXIO``        offset + length", "``ENXIO``offset + length",
     "(ERROR/3)"),
    ("a kernel-doc directive naming an unknown structure",
     "Documentation/userspace-api/vxf.rst",
     ":identifiers: vxf_info vxf_stats", ":identifiers: vxf_info vxf_statz",
     "vxf_statz not found"),
    ("a :doc: link to no document", "Documentation/userspace-api/vxf.rst",
     ":doc:`ioctl/ioctl-number`", ":doc:`ioctl/ioctl-numbers`",
     "no document ioctl/ioctl-numbers"),
    ("an ioctl outside its registered range", UAPI,
     "_IO(VXF_IOC_MAGIC, 0x02)", "_IO(VXF_IOC_MAGIC, 0x22)",
     "is outside the numbers registered"),
    ("a misaligned ioctl-number row", INTREE_PATCH,
     "+'x'   00-1F  linux/vxf.h", "+'x'  00-1F  linux/vxf.h",
     "(ERROR/3)"),
    ("a patch that does not apply", INTREE_PATCH,
     " 'w'   all ", " 'w'   some ",
     "does not apply"),
]


def copy_tree(top, dst):
    for d in ("include", DRV, "Documentation"):
        shutil.copytree(os.path.join(top, d), os.path.join(dst, d),
                        ignore=shutil.ignore_patterns(
                            "*.o", "*.ko", "*.mod*", ".*.cmd", "*.symvers",
                            "modules.order"))


def self_test(top, ksrc):
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        clean = os.path.join(tmp, "clean")
        copy_tree(top, clean)
        chk = Checker(clean, ksrc, verbose=False)
        if not chk.run():
            print("docs: self-test: the unbroken copy has problems: %s" %
                  chk.problems[0])
            return 1
        for what, f, old, new, expect in BREAKAGES:
            t = os.path.join(tmp, "broken")
            shutil.rmtree(t, ignore_errors=True)
            copy_tree(top, t)
            sub_once(os.path.join(t, f), old, new)
            chk = Checker(t, ksrc, verbose=False)
            chk.run()
            hit = [p for p in chk.problems if expect in p]
            if hit:
                print("docs-selftest: caught %s: %s" % (what, hit[0]))
            else:
                print("docs: self-test: %s not caught (problems: %s)" %
                      (what, chk.problems or "none"))
                failed += 1
    return failed


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--kernel-src", required=True,
                    help="unpacked linux-source-6.12")
    ap.add_argument("--out", help="write the rendered HTML here")
    ap.add_argument("--self-test", action="store_true",
                    help="first check that known breakages are caught")
    args = ap.parse_args()
    top = os.path.realpath(os.path.join(os.path.dirname(__file__), ".."))
    ksrc = os.path.realpath(args.kernel_src)
    if not os.path.exists(os.path.join(ksrc, "scripts/kernel-doc")):
        print("docs: %s: no scripts/kernel-doc" % ksrc)
        return 1
    register_sphinx()

    chk = Checker(top, ksrc, out=args.out)
    chk.run()
    selftest = ""
    failed = 0
    if args.self_test and chk.problems:
        # breaking a broken tree proves nothing
        print("docs-selftest: not run, the tree has problems")
        selftest = ", self-test not run"
    elif args.self_test:
        failed = self_test(top, ksrc)
        selftest = ", self-test %d/%d breakages caught" % (
            len(BREAKAGES) - failed, len(BREAKAGES))
    print("docs: %d files through kernel-doc, %d rst rendered, %d ioctls "
          "registered%s, %d problems" %
          (chk.stats["kernel-doc"], chk.stats["rst"],
           chk.stats.get("ioctls", 0), selftest, len(chk.problems) + failed))
    return 1 if chk.problems or failed else 0


if __name__ == "__main__":
    sys.exit(main())
