#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Ask a running QEMU, over QMP, how far its virtio devices got.

usage: scripts/qemu-probe.py [--twice SECONDS] QMP_SOCKET

Prints, for each virtio device, a "dev" line, then one line per virtqueue:

  vq DEVICE QUEUE: avail=A popped=P used=U inuse=N signalled=S guest-avail=G no-notify=F

where A is the guest's avail index as QEMU last read it (shadow), P the
next avail entry QEMU will pop (last_avail_idx), U the used index QEMU
last published and N the requests QEMU popped and has not completed.
Those are QEMU's own counters (x-query-virtio-queue-status): the host's
side of the ring, whatever the guest's kernel thinks. A queue with A == P
== U and N == 0 is drained: nothing of the guest waits on the host. A
queue with N > 0 holds requests the device took and has not answered.
S is the used index QEMU last notified the guest of (an interrupt).
G is the avail index in the guest's memory now (the requests the guest
has published, whether QEMU looked or not) and F the used ring's
VRING_USED_F_NO_NOTIFY flag (1: QEMU asked the guest not to notify it,
and must look by itself); both read with HMP's xp.
Then a line per vCPU: halted (HLT=1) or not, EFLAGS.IF, the interrupt
shadow (II), RIP, and its local APIC's pending (IRR) and in-service (ISR)
vectors, APR/TPR/PPR and timer (HMP's info registers and info lapic).

--twice S asks again S seconds later ("probe 1", "probe 2") and then
prints, for each queue that held requests both times without publishing
a single completion in between:

  stalled DEVICE QUEUE: inuse=N used=U unchanged over S s

and for each queue whose guest published requests QEMU did not take,
both times, without QEMU taking a single one in between:

  unpopped DEVICE QUEUE: guest-avail=G popped=P no-notify=F unchanged over S s

and for each vCPU halted both times with interrupts enabled (IF=1) and a
vector in service in its local APIC (ISR), in the very same state:

  deaf cpu N: halted with interrupts enabled and a vector in service, ...

A vCPU in service of a vector masks every pending one of its priority
class and below (PPR): it sleeps until an NMI. Linux never halts in an
interrupt handler with interrupts enabled, and acknowledges (EOI) each
IPI and timer interrupt before handling it: such a vCPU lost an EOI, or
was handed a vector it never ran.

And for each vCPU running (not halted) both times with interrupts
enabled, out of an interrupt shadow, at the same RIP and with a vector
pending (IRR) above its processor priority (PPR), in the very same
local APIC state:

  deaf cpu N: running with interrupts enabled and a vector pending above its priority, ...

An x86 CPU takes such a vector before its next instruction; QEMU never
gave it to this one (seen: Xen spinning on a lock with interrupts
enabled, the lock holder waiting for it to take a TLB-flush IPI; see
README, "Deaths the emulator causes").

And for each vCPU halted both times with interrupts enabled, nothing
pending or in service, and its local APIC timer unmasked in one-shot
mode and run out (a non-zero initial count, a current count of 0), in
the very same local APIC state:

  deaf cpu N: halted with interrupts enabled and its APIC timer run out without raising its vector, ...

A one-shot timer that runs out raises its vector (IRR); Linux, having
taken it, programs the next event (a new initial count) or, with none
left, masks the timer (its clock event device stopped); Xen programs
the next event or writes a zero count. So nothing of either leaves a
halted CPU with a run-out, unmasked timer and no vector: QEMU lost the
timer's interrupt, and whatever waits on that CPU's timers sleeps on
(seen: a virtio-gpu VM whose CPU 0 slept so, RCU reporting its timer
wakeup late by minutes; see README, "QEMU's faults in the virtio-gpu
VM, and the vgpu retry").

--judge FILE reads the two probes from FILE (this command's output,
with or without a prefix before "probe N at" and "cpu N:") and prints
only the deaf lines: the same judgement, on a recorded run.

Exit status: 0 when it could ask, 1 otherwise (the reason on stderr).
scripts/vgpu-qemu.sh and scripts/xen-run.sh run it when a guest hangs.
"""

import json
import re
import socket
import sys
import time


class Qmp:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(path)
        self.buf = b""
        self.read()  # the greeting
        self.cmd("qmp_capabilities")

    def read(self):
        while True:
            nl = self.buf.find(b"\n")
            if nl >= 0:
                line, self.buf = self.buf[:nl], self.buf[nl + 1:]
                msg = json.loads(line)
                if "event" in msg:
                    continue
                return msg
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("QMP socket closed")
            self.buf += data

    def cmd(self, name, **args):
        req = {"execute": name}
        if args:
            req["arguments"] = args
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        msg = self.read()
        if "error" in msg:
            raise RuntimeError("%s: %s" % (name, msg["error"].get("desc")))
        return msg["return"]


def probe(q):
    """Print every virtqueue's counters; return {(dev, queue): status}."""
    seen = {}
    for dev in q.cmd("x-query-virtio"):
        st = q.cmd("x-query-virtio-status", path=dev["path"])
        status = st.get("status", {}).get("statuses", [])
        print("dev %s %s: driver-ok %s broken %s vm-running %s" % (
            dev["name"], dev["path"],
            any(x.startswith("VIRTIO_CONFIG_S_DRIVER_OK") for x in status),
            st.get("broken"), st.get("vm-running")))
        for i in range(st.get("num-vqs", 0)):
            vq = q.cmd("x-query-virtio-queue-status",
                       path=dev["path"], queue=i)
            # the avail ring's idx and the used ring's flags, in the
            # guest's memory (struct vring_avail/vring_used: le16 flags,
            # le16 idx)
            vq["guest-avail"] = guest_u16(q, vq.get("vring-avail"), 2)
            used_flags = guest_u16(q, vq.get("vring-used"), 0)
            vq["no-notify"] = None if used_flags is None else used_flags & 1
            print("vq %s %d: avail=%s popped=%s used=%s inuse=%s "
                  "signalled=%s guest-avail=%s no-notify=%s" % (
                      dev["name"], i, vq.get("shadow-avail-idx"),
                      vq.get("last-avail-idx"), vq.get("used-idx"),
                      vq.get("inuse"), vq.get("signalled-used"),
                      vq["guest-avail"], vq["no-notify"]))
            seen[(dev["name"], i)] = vq
    # the vCPUs: halted or not, interrupts enabled (EFLAGS.IF) or not,
    # in an interrupt shadow (II) or not, and each local APIC's pending
    # (IRR) and in-service (ISR) vectors, priorities and timer
    for cpu in q.cmd("query-cpus-fast"):
        idx = cpu.get("cpu-index")
        regs = hmp(q, "info registers", idx)
        flags = {}
        for word in regs.replace("\n", " ").split():
            if "=" in word:
                k, v = word.split("=", 1)
                flags.setdefault(k, v)
        try:
            # RFL in long mode, EFL else; IF is bit 9
            efl = int(flags.get("RFL", flags.get("EFL", "0")), 16)
            intf = "IF=%d" % ((efl >> 9) & 1)
        except ValueError:
            intf = "IF=?"
        apic = " ".join(" ".join(l.split()) for l in
                        hmp(q, "info lapic", idx).splitlines()
                        if l.strip().startswith(("IRR", "ISR", "APR",
                                                 "LVTT", "Timer")))
        print("cpu %d: HLT=%s %s II=%s RIP=%s; %s" % (
            idx, flags.get("HLT", "?"), intf, flags.get("II", "?"),
            flags.get("RIP", "?"), apic))
        seen[("cpu", idx)] = cpu_state(flags.get("HLT"), intf[3:],
                                       flags.get("II"), flags.get("RIP"),
                                       apic)
    sys.stdout.flush()
    return seen


def guest_u16(q, addr, off):
    """The little-endian u16 at guest-physical addr + off, or None."""
    if not addr:
        return None
    out = q.cmd("human-monitor-command",
                **{"command-line": "xp /1hx 0x%x" % (addr + off)})
    try:
        return int(out.split(":", 1)[1].split()[0], 16)
    except (IndexError, ValueError):
        return None


def unpopped(vq):
    """Requests the guest published and QEMU did not take (u16 indices)."""
    if vq.get("guest-avail") is None or vq.get("last-avail-idx") is None:
        return 0
    return (vq["guest-avail"] - vq["last-avail-idx"]) & 0xffff


def vectors(cpu, reg):
    """The vectors HMP listed after reg ("ISR", "IRR") in cpu's APIC."""
    m = re.search(r"\b%s ((?:\d+ ?)+)" % reg, cpu["apic"])
    return [int(v) for v in m.group(1).split()] if m else []


def deaf(cpu):
    """Halted, interrupts enabled, and a vector in service (ISR)."""
    return cpu["halted"] and cpu["if"] and bool(vectors(cpu, "ISR"))


def pending_above_ppr(cpu):
    """Running, interrupts enabled, no interrupt shadow, and a pending
    vector (IRR) whose priority class is above the processor's (PPR):
    one the CPU must take before its next instruction."""
    m = re.search(r"\bPPR 0x([0-9a-f]+)", cpu["apic"])
    if not m or cpu["halted"] or not cpu["if"] or cpu["ii"]:
        return False
    ppr = int(m.group(1), 16)
    return any(v >> 4 > ppr >> 4 for v in vectors(cpu, "IRR"))


LVTT = re.compile(r"\bLVTT 0x([0-9a-f]+) .*?initial_count = (\d+) "
                  r"current_count = (\d+)")


def timer_run_out(cpu):
    """Halted, interrupts enabled, no vector pending or in service, and
    the local APIC timer unmasked, one-shot, run out: its vector lost."""
    m = LVTT.search(cpu["apic"])
    if not m or not cpu["halted"] or not cpu["if"]:
        return False
    lvtt = int(m.group(1), 16)
    # LVT timer: bit 16 masked, bits 17-18 the mode (0: one-shot)
    return not lvtt & (1 << 16) and (lvtt >> 17) & 3 == 0 and \
        int(m.group(2)) > 0 and int(m.group(3)) == 0 and \
        not vectors(cpu, "ISR") and not vectors(cpu, "IRR")


def timer(cpu):
    """The local APIC timer's LVT entry and counts, as HMP printed them."""
    m = LVTT.search(cpu["apic"])
    return m.group(0) if m else ""


def irqs(cpu):
    """The local APIC's ISR, IRR and priorities, as HMP printed them."""
    return cpu["apic"][cpu["apic"].find("ISR "):]


def judge_cpus(first, second, twice):
    """Print a deaf line for each vCPU in the same deaf state in both
    probes ({("cpu", N): state} each), twice seconds apart."""
    for key, a in sorted(first.items(), key=str):
        b = second.get(key)
        if key[0] != "cpu" or not b or a["rip"] != b["rip"] or \
                irqs(a) != irqs(b):
            continue
        if deaf(a) and deaf(b):
            print("deaf cpu %d: halted with interrupts enabled and "
                  "a vector in service, unchanged over %d s: %s" % (
                      key[1], twice, irqs(b)))
        elif pending_above_ppr(a) and pending_above_ppr(b):
            print("deaf cpu %d: running with interrupts enabled and a "
                  "vector pending above its priority, not taken over %d s "
                  "(RIP %s): %s" % (key[1], twice, b["rip"], irqs(b)))
        elif timer_run_out(a) and timer_run_out(b) and \
                a["apic"] == b["apic"]:
            print("deaf cpu %d: halted with interrupts enabled and its "
                  "APIC timer run out without raising its vector, "
                  "unchanged over %d s: %s; %s" % (
                      key[1], twice, timer(b), irqs(b)))


CPU_LINE = re.compile(r"cpu (\d+): HLT=(\S+) IF=(\S+) II=(\S+) RIP=([^;]*); (.*)")


def cpu_state(halted, intf, ii, rip, apic):
    """A vCPU's state as judge_cpus reads it (strings as HMP gave them)."""
    return {"halted": halted == "1", "if": intf == "1", "ii": ii == "1",
            "apic": apic, "rip": rip}


def judge_file(path):
    """judge_cpus on the two probes recorded in path."""
    probes = []
    with open(path, errors="replace") as f:
        for line in f:
            m = re.search(r"probe \d+ at (\d+):(\d+):(\d+)", line)
            if m:
                probes.append((sum(int(x) * k for x, k in
                                   zip(m.groups(), (3600, 60, 1))), {}))
                continue
            m = CPU_LINE.search(line.rstrip("\n"))
            if m and probes:
                probes[-1][1][("cpu", int(m.group(1)))] = \
                    cpu_state(*m.groups()[1:])
    if len(probes) < 2:
        raise ValueError("%s: fewer than two probes" % path)
    twice = (probes[1][0] - probes[0][0]) % 86400
    judge_cpus(probes[0][1], probes[1][1], twice)


def hmp(q, command, cpu):
    """An HMP command's output, run on vCPU cpu."""
    return q.cmd("human-monitor-command",
                 **{"command-line": command, "cpu-index": cpu})


def main():
    args = sys.argv[1:]
    twice = None
    if len(args) == 2 and args[0] == "--judge":
        try:
            judge_file(args[1])
        except (OSError, ValueError) as e:
            print("qemu-probe: %s" % e, file=sys.stderr)
            return 1
        return 0
    if len(args) == 3 and args[0] == "--twice":
        twice = int(args[1])
        args = args[2:]
    if len(args) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 1
    try:
        q = Qmp(args[0])
        if twice is None:
            probe(q)
            return 0
        print("probe 1 at %s" % time.strftime("%H:%M:%S", time.gmtime()))
        first = probe(q)
        time.sleep(twice)
        print("probe 2 at %s" % time.strftime("%H:%M:%S", time.gmtime()))
        second = probe(q)
        judge_cpus(first, second, twice)
        for key, a in sorted(first.items(), key=str):
            b = second.get(key)
            if key[0] == "cpu":
                continue
            if b and a.get("inuse", 0) > 0 and b.get("inuse", 0) > 0 and \
                    a.get("used-idx") == b.get("used-idx"):
                print("stalled %s %d: inuse=%s used=%s unchanged over %d s" % (
                    key[0], key[1], b.get("inuse"), b.get("used-idx"), twice))
            if b and unpopped(a) and unpopped(b) and \
                    a.get("last-avail-idx") == b.get("last-avail-idx"):
                print("unpopped %s %d: guest-avail=%s popped=%s no-notify=%s "
                      "unchanged over %d s" % (
                          key[0], key[1], b["guest-avail"],
                          b.get("last-avail-idx"), b["no-notify"], twice))
    except (OSError, EOFError, RuntimeError, ValueError) as e:
        print("qemu-probe: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
