// SPDX-License-Identifier: GPL-2.0
/*
 * xen-lend - dom0 half of the `xen-lend` check on the patched Xen
 * (xen/patches/): lends dom0 pages to a PVH domU at hole frames with
 * XEN_DMOP_lend_pages, takes them back with XEN_DMOP_revoke_pages, through
 * privcmd's IOCTL_PRIVCMD_DM_OP (no Xen library needed).
 *
 * The pages are gntalloc pages granted to the domU: the DMOP names them
 * by grant reference (XEN_DMOP_LEND_SRC_GREF), since a PV dom0's
 * userspace does not know its machine frames.
 *
 * usage: xen-lend talk DOMID GFN SECONDS
 *   Lend a data page D (pattern) at GFN and a control page C at GFN+1;
 *   the domU half (scripts/xen-lend.sh, busybox devmem) reads D, writes a
 *   reply and says so in C; dom0 checks the reply, revokes D (SYNC) and
 *   tells the domU, which must then read all ones at GFN and lose its
 *   writes; dom0 checks its page did not see them.  Then: lending over
 *   domU RAM and with a grant not meant for the domU must fail; lend and
 *   revoke D at GFN for SECONDS seconds (the domU reads GFN meanwhile
 *   and must see only the pattern or all ones); revoke C and free both.
 *
 * usage: xen-lend serve DOMID
 *   The dom0 half of the xen-hv-report check (tests/xen-report/): lend
 *   and revoke pages on the domU's requests, read over XenStore.  The
 *   domU writes "N COMMAND" to /local/domain/DOMID/data/vxf-report/req
 *   (N counting from 1); dom0 answers "N RC VALUE" in .../ack, RC 0 or
 *   -errno.  Commands: "lend GFN P" lends pool page P (of SERVE_PAGES,
 *   word w holding serve_word(P, w)) at GFN; "peek P W" answers word W of
 *   page P; "revoke GFN" revokes GFN (SYNC); "done" ends.  The pool is
 *   revoked and freed at the end, or once the domain is gone.
 *
 * usage: xen-lend hold DOMID GFN NPAGES FIFO [ROUNDS]
 *   First, ROUNDS times (default 0), lend the NPAGES pages at GFN.. in one
 *   call and revoke them (SYNC) in another, each call checked; print
 *   "cycles R rounds, P page lend/revoke cycles".  Then
 *   lend NPAGES pages at GFN.. and keep them lent: print "held N", then
 *   "seen" once the domU wrote DU_READ into word 1 of the first page, and
 *   wait for a line on FIFO (written once the domU was destroyed); then
 *   check the pages, that the domain is gone, and free the pages
 *   (munmap, gntalloc dealloc), reporting any error.
 *
 * Output: one line per check, "ok: ..." or "FAIL: ..."; exit status 0 if
 * every check passed, 1 otherwise, 2 on a setup error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/sys/gntalloc.h>
#include <xen/sys/privcmd.h>
#include <xenstore.h>

/* The ABI of xen/patches/0001 (public/hvm/dm_op.h). */
#define XEN_DMOP_lend_pages	64
#define XEN_DMOP_revoke_pages	65
#define XEN_DMOP_LEND_SRC_GREF	(1u << 0)
#define XEN_DMOP_REVOKE_SYNC	(1u << 0)

struct lend_pages {
	uint32_t nr;
	uint32_t flags;
	uint32_t done;
	uint32_t pad;
};

struct lend_entry {
	uint64_t gfn;
	uint64_t src;
};

struct revoke_pages {
	uint64_t first_gfn;
	uint32_t nr;
	uint32_t flags;
};

struct dm_op {
	uint32_t op;
	uint32_t pad;
	union {
		struct lend_pages lend;
		struct revoke_pages revoke;
		uint8_t size[16];
	} u;
};

/* Words of the data and control pages (shared with scripts/xen-lend.sh). */
#define DATA_MAGIC	0x56584644u	/* D[0]; D[i] = DATA_MAGIC ^ i */
#define REPLY_WORD	2		/* the domU writes REPLY_MAGIC there */
#define REPLY_MAGIC	0x52504c59u
#define LOST_WORD	4		/* the domU writes LOST_MAGIC after revoke */
#define LOST_MAGIC	0x13579bdfu
#define C_STATE		0		/* dom0 -> domU */
#define   ST_LENT	0x4c454e54u
#define   ST_REVOKED	0x5245564bu
#define   ST_CYCLES	0x4359434cu
#define   ST_END	0x454e4421u
#define C_DOMU		1		/* domU -> dom0 */
#define   DU_READ	0x52454144u	/* read the pattern, wrote the reply */
#define   DU_LOST	0x4c4f5354u	/* read ones after revoke, wrote LOST */

static int privcmd = -1, gntalloc = -1;
static int failures;

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		failures++;
}

static void die(const char *what)
{
	fprintf(stderr, "xen-lend: %s: %s\n", what, strerror(errno));
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int dm_op(domid_t dom, struct dm_op *op, void *buf1, size_t size1)
{
	struct privcmd_dm_op_buf bufs[2] = {
		{ .uptr = op, .size = sizeof(*op) },
		{ .uptr = buf1, .size = size1 },
	};
	struct privcmd_dm_op arg = {
		.dom = dom, .num = buf1 ? 2 : 1, .ubufs = bufs,
	};

	return ioctl(privcmd, IOCTL_PRIVCMD_DM_OP, &arg) ? -errno : 0;
}

/* lend @n entries; returns 0 or -errno, *done set to the entries lent */
static int lend(domid_t dom, const struct lend_entry *e, uint32_t n,
		uint32_t *done)
{
	struct dm_op op = { .op = XEN_DMOP_lend_pages };
	int rc;

	op.u.lend.nr = n;
	op.u.lend.flags = XEN_DMOP_LEND_SRC_GREF;
	rc = dm_op(dom, &op, (void *)e, n * sizeof(*e));
	if (done)
		*done = op.u.lend.done;
	return rc;
}

static int lend1(domid_t dom, uint64_t gfn, uint32_t gref)
{
	struct lend_entry e = { .gfn = gfn, .src = gref };

	return lend(dom, &e, 1, NULL);
}

static int revoke_range(domid_t dom, uint64_t gfn, uint32_t nr, uint32_t flags)
{
	struct dm_op op = { .op = XEN_DMOP_revoke_pages };

	op.u.revoke.first_gfn = gfn;
	op.u.revoke.nr = nr;
	op.u.revoke.flags = flags;
	return dm_op(dom, &op, NULL, 0);
}

struct pages {
	volatile uint32_t *map;
	uint64_t index;
	uint32_t count;
	uint32_t *grefs;
};

static void pages_alloc(struct pages *p, domid_t dom, uint32_t count)
{
	struct ioctl_gntalloc_alloc_gref *a;

	a = calloc(1, sizeof(*a) + count * sizeof(uint32_t));
	if (!a)
		die("calloc");
	a->domid = dom;
	a->flags = GNTALLOC_FLAG_WRITABLE;
	a->count = count;
	if (ioctl(gntalloc, IOCTL_GNTALLOC_ALLOC_GREF, a))
		die("IOCTL_GNTALLOC_ALLOC_GREF");
	p->map = mmap(NULL, count * 4096UL, PROT_READ | PROT_WRITE, MAP_SHARED,
		      gntalloc, a->index);
	if (p->map == MAP_FAILED)
		die("mmap gntalloc");
	p->index = a->index;
	p->count = count;
	p->grefs = malloc(count * sizeof(uint32_t));
	if (!p->grefs)
		die("malloc");
	memcpy(p->grefs, a->gref_ids, count * sizeof(uint32_t));
	free(a);
}

/* returns 0 or -errno of the first step that failed */
static int pages_free(struct pages *p)
{
	struct ioctl_gntalloc_dealloc_gref d = {
		.index = p->index, .count = p->count,
	};
	int rc = 0;

	if (munmap((void *)p->map, p->count * 4096UL))
		rc = -errno;
	if (ioctl(gntalloc, IOCTL_GNTALLOC_DEALLOC_GREF, &d) && !rc)
		rc = -errno;
	free(p->grefs);
	return rc;
}

/* wait up to @secs for @word of @page to read @want */
static int wait_word(volatile uint32_t *page, int word, uint32_t want,
		     double secs)
{
	double end = now() + secs;

	while (page[word] != want) {
		if (now() > end)
			return 0;
		usleep(1000);
	}
	return 1;
}

static void open_devices(void)
{
	privcmd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
	if (privcmd < 0)
		die("/dev/xen/privcmd");
	gntalloc = open("/dev/xen/gntalloc", O_RDWR | O_CLOEXEC);
	if (gntalloc < 0)
		die("/dev/xen/gntalloc");
}

static int do_talk(domid_t dom, uint64_t gfn, double secs)
{
	struct pages d, c, other;
	volatile uint32_t *D, *C;
	unsigned long cycles = 0;
	uint32_t done;
	double t0;
	int rc, i, ok;

	pages_alloc(&d, dom, 1);
	pages_alloc(&c, dom, 1);
	D = d.map;
	C = c.map;
	for (i = 0; i < 1024; i++)
		D[i] = DATA_MAGIC ^ i;
	memset((void *)C, 0, 4096);

	rc = lend1(dom, gfn, d.grefs[0]);
	check(rc == 0, "lend data page (gref %u) at gfn %#" PRIx64 ": %d", d.grefs[0], gfn, rc);
	rc = lend1(dom, gfn + 1, c.grefs[0]);
	check(rc == 0, "lend control page (gref %u) at gfn %#" PRIx64 ": %d", c.grefs[0], gfn + 1, rc);
	if (failures)
		return 1;
	C[C_STATE] = ST_LENT;

	ok = wait_word(C, C_DOMU, DU_READ, 240);
	check(ok, "the domU read the pattern and says so (control word %#x)", C[C_DOMU]);
	check(D[REPLY_WORD] == REPLY_MAGIC, "dom0 sees the domU's write in its page: %#x", D[REPLY_WORD]);

	rc = revoke_range(dom, gfn, 1, XEN_DMOP_REVOKE_SYNC);
	check(rc == 0, "revoke (SYNC) the data page: %d", rc);
	D[LOST_WORD] = 0;
	C[C_STATE] = ST_REVOKED;
	ok = wait_word(C, C_DOMU, DU_LOST, 120);
	check(ok, "the domU read all ones after the revoke and wrote (control word %#x)", C[C_DOMU]);
	check(D[LOST_WORD] == 0, "the domU's write after the revoke did not reach dom0's page: %#x", D[LOST_WORD]);

	/* refusals: the domU must live through them (checked by its half) */
	rc = lend1(dom, 0x100, d.grefs[0]);
	check(rc == -EEXIST, "lending over domU RAM (gfn 0x100) is refused with -EEXIST: %d", rc);
	rc = lend1(dom, gfn + 1, d.grefs[0]);
	check(rc == -EEXIST || rc == 0, "lending over a lent frame replaces it: %d", rc);
	if (rc == 0) {
		rc = lend1(dom, gfn + 1, c.grefs[0]);
		check(rc == 0, "lend the control page back: %d", rc);
	}
	pages_alloc(&other, dom + 1, 1);
	rc = lend1(dom, gfn, other.grefs[0]);
	check(rc == -EPERM, "lending a grant made for another domain is refused with -EPERM: %d", rc);
	pages_free(&other);
	rc = lend1(dom, gfn, 0xfffff);
	check(rc == -ENOENT, "lending a grant reference out of range is refused with -ENOENT: %d", rc);
	{
		struct lend_entry e[2] = {
			{ .gfn = gfn, .src = d.grefs[0] },
			{ .gfn = 0x101, .src = d.grefs[0] },
		};

		rc = lend(dom, e, 2, &done);
		check(rc == -EEXIST && done == 1, "a batch failing at entry 1 says so (done %u): %d", done, rc);
		rc = revoke_range(dom, gfn, 1, 0);
		check(rc == 0, "revoke its entry 0: %d", rc);
	}
	rc = revoke_range(dom, 0x100, 16, XEN_DMOP_REVOKE_SYNC);
	check(rc == 0, "revoking a range with nothing lent is a no-op: %d", rc);

	/* cycles; the domU reads the data frame meanwhile */
	C[C_STATE] = ST_CYCLES;
	t0 = now();
	while (now() - t0 < secs) {
		rc = lend1(dom, gfn, d.grefs[0]);
		if (rc)
			break;
		rc = revoke_range(dom, gfn, 1, XEN_DMOP_REVOKE_SYNC);
		if (rc)
			break;
		cycles++;
	}
	check(rc == 0, "%lu lend/revoke (SYNC) cycles in %.1f s: last rc %d", cycles, now() - t0, rc);
	check(D[0] == DATA_MAGIC && D[1023] == (DATA_MAGIC ^ 1023), "dom0's data page kept its pattern");

	C[C_STATE] = ST_END;
	/* the domU stops reading once it saw ST_END: then take C back */
	ok = wait_word(C, C_DOMU, ST_END, 120);
	check(ok, "the domU saw the end (control word %#x)", C[C_DOMU]);
	rc = revoke_range(dom, gfn, 2, XEN_DMOP_REVOKE_SYNC);
	check(rc == 0, "revoke both frames: %d", rc);
	rc = pages_free(&d);
	check(rc == 0, "free the data page (munmap, gntalloc dealloc): %d", rc);
	rc = pages_free(&c);
	check(rc == 0, "free the control page: %d", rc);
	return failures ? 1 : 0;
}

/*
 * @rounds lend/revoke cycles of the @n pages of @e; every call must do all
 * of its pages.  Returns the rounds done.
 */
static uint32_t lend_cycles(domid_t dom, const struct lend_entry *e,
			    uint32_t n, uint32_t rounds)
{
	uint32_t r, done;
	double t0 = now();
	int rc = 0;

	for (r = 0; r < rounds; r++) {
		done = 0;
		rc = lend(dom, e, n, &done);
		if (rc || done != n) {
			check(0, "cycle %u: lend %u pages: %d (done %u)", r, n, rc, done);
			break;
		}
		rc = revoke_range(dom, e[0].gfn, n, XEN_DMOP_REVOKE_SYNC);
		if (rc) {
			check(0, "cycle %u: revoke %u pages (SYNC): %d", r, n, rc);
			break;
		}
	}
	printf("cycles %u rounds, %llu page lend/revoke cycles, %.1f s\n", r,
	       (unsigned long long)r * n, now() - t0);
	check(r == rounds, "%u of %u rounds of lend/revoke of %u pages", r, rounds, n);
	return r;
}

static int do_hold(domid_t dom, uint64_t gfn, uint32_t n, const char *fifo,
		   uint32_t rounds)
{
	struct lend_entry *e;
	struct pages p;
	uint32_t i, done = 0;
	char line[64];
	FILE *f;
	int rc;

	pages_alloc(&p, dom, n);
	e = calloc(n, sizeof(*e));
	if (!e)
		die("calloc");
	for (i = 0; i < n; i++) {
		p.map[i * 1024] = DATA_MAGIC ^ i;
		e[i].gfn = gfn + i;
		e[i].src = p.grefs[i];
	}
	if (rounds)
		lend_cycles(dom, e, n, rounds);
	rc = lend(dom, e, n, &done);
	check(rc == 0 && done == n, "lend %u pages at gfn %#" PRIx64 ": %d (done %u)", n, gfn, rc, done);
	printf("held %u\n", done);
	fflush(stdout);
	/* the domU half writes DU_READ into page 0 once it read the pattern */
	if (wait_word(p.map, 1, DU_READ, 240))
		printf("seen\n");
	fflush(stdout);
	f = fopen(fifo, "r");
	if (!f)
		die(fifo);
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	for (i = 0; i < n; i++)
		if (p.map[i * 1024] != (DATA_MAGIC ^ i))
			break;
	check(i == n, "dom0's pages kept their contents through the destroy");
	rc = revoke_range(dom, gfn, n, XEN_DMOP_REVOKE_SYNC);
	check(rc == -ESRCH, "revoking on the destroyed domain fails with -ESRCH: %d", rc);
	rc = pages_free(&p);
	check(rc == 0, "free the %u pages after the destroy (munmap, gntalloc dealloc): %d", n, rc);
	free(e);
	return failures ? 1 : 0;
}

/* The serve pool's pattern (tests/xen-report/vxf_report_test.c) */
#define SERVE_PAGES	8
static uint32_t serve_word(uint32_t page, uint32_t word)
{
	return DATA_MAGIC ^ (page << 16) ^ word;
}

/* answer one request of do_serve(); returns 1 on "done" */
static int serve_one(domid_t dom, struct pages *p, uint64_t *lent_gfn,
		     const char *cmd, int *rc, uint32_t *val)
{
	unsigned long long gfn;
	unsigned int pg, w;

	*rc = 0;
	*val = 0;
	if (sscanf(cmd, "lend %llx %u", &gfn, &pg) == 2) {
		if (pg >= SERVE_PAGES) {
			*rc = -EINVAL;
			return 0;
		}
		*rc = lend1(dom, gfn, p->grefs[pg]);
		if (!*rc)
			lent_gfn[pg] = gfn;
	} else if (sscanf(cmd, "peek %u %u", &pg, &w) == 2) {
		if (pg >= SERVE_PAGES || w >= 1024)
			*rc = -EINVAL;
		else
			*val = p->map[pg * 1024 + w];
	} else if (sscanf(cmd, "revoke %llx", &gfn) == 1) {
		*rc = revoke_range(dom, gfn, 1, XEN_DMOP_REVOKE_SYNC);
		for (pg = 0; pg < SERVE_PAGES; pg++)
			if (lent_gfn[pg] == gfn)
				lent_gfn[pg] = 0;
	} else if (!strcmp(cmd, "done")) {
		return 1;
	} else {
		*rc = -EINVAL;
	}
	return 0;
}

static int do_serve(domid_t dom)
{
	uint64_t lent_gfn[SERVE_PAGES] = { 0 };
	char req_path[96], ack_path[96], dpath[64], ack[64];
	unsigned long last = 0, n, served = 0;
	struct xs_handle *xs;
	struct pages p;
	uint32_t i, w, val;
	int rc, done = 0;

	xs = xs_open(0);
	if (!xs)
		die("xs_open");
	pages_alloc(&p, dom, SERVE_PAGES);
	for (i = 0; i < SERVE_PAGES; i++)
		for (w = 0; w < 1024; w++)
			p.map[i * 1024 + w] = serve_word(i, w);
	snprintf(dpath, sizeof(dpath), "/local/domain/%u", dom);
	snprintf(req_path, sizeof(req_path), "%s/data/vxf-report/req", dpath);
	snprintf(ack_path, sizeof(ack_path), "%s/data/vxf-report/ack", dpath);
	printf("serving domain %u: %u pages\n", dom, SERVE_PAGES);
	fflush(stdout);

	while (!done) {
		unsigned int len;
		char *req, *cmd, *d;

		d = xs_read(xs, XBT_NULL, dpath, &len);
		if (!d) {
			printf("domain %u is gone\n", dom);
			break;
		}
		free(d);
		req = xs_read(xs, XBT_NULL, req_path, &len);
		if (!req || sscanf(req, "%lu", &n) != 1 || n == last) {
			free(req);
			usleep(20000);
			continue;
		}
		cmd = strchr(req, ' ');
		done = serve_one(dom, &p, lent_gfn, cmd ? cmd + 1 : "", &rc, &val);
		printf("req %lu \"%s\": rc %d value %#x\n", n, req, rc, val);
		fflush(stdout);
		free(req);
		snprintf(ack, sizeof(ack), "%lu %d %u", n, rc, val);
		if (!xs_write(xs, XBT_NULL, ack_path, ack, strlen(ack)))
			fprintf(stderr, "xen-lend: xs_write %s failed\n", ack_path);
		last = n;
		served++;
	}
	check(served > 0, "served %lu requests of domain %u", served, dom);
	for (i = 0; i < SERVE_PAGES; i++) {
		if (!lent_gfn[i])
			continue;
		rc = revoke_range(dom, lent_gfn[i], 1, XEN_DMOP_REVOKE_SYNC);
		check(rc == 0 || rc == -ESRCH, "revoke page %u at gfn %#" PRIx64 ": %d",
		      i, lent_gfn[i], rc);
	}
	rc = pages_free(&p);
	check(rc == 0, "free the pool (munmap, gntalloc dealloc): %d", rc);
	xs_close(xs);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "talk")) {
		open_devices();
		return do_talk(atoi(argv[2]), strtoull(argv[3], NULL, 0), atof(argv[4]));
	}
	if ((argc == 6 || argc == 7) && !strcmp(argv[1], "hold")) {
		open_devices();
		return do_hold(atoi(argv[2]), strtoull(argv[3], NULL, 0),
			       strtoul(argv[4], NULL, 0), argv[5],
			       argc == 7 ? strtoul(argv[6], NULL, 0) : 0);
	}
	if (argc == 3 && !strcmp(argv[1], "serve")) {
		open_devices();
		return do_serve(atoi(argv[2]));
	}
	fprintf(stderr, "usage: xen-lend talk DOMID GFN SECONDS\n"
		"       xen-lend serve DOMID\n"
		"       xen-lend hold DOMID GFN NPAGES FIFO [ROUNDS]\n");
	return 2;
}
