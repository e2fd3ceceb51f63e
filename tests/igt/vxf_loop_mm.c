// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_loop_mm.c - vxf_loop subtests: the window and the rest of mm
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * Kernel accesses to the mapping (read(2)/write(2)), get_user_pages being
 * refused (O_DIRECT, process_vm_readv, vmsplice), fork, and munmap,
 * mprotect or mremap racing with a fault that waits for the backend; a
 * fault that cannot drop the mmap lock (futex) not waiting for the
 * backend, a stopped task waiting in a fault; a device node on a
 * filesystem that goes away before the device.
 */

#include <fcntl.h>
#include <linux/futex.h>
#include <linux/io_uring.h>
#include <linux/loop.h>
#include <linux/magic.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include "igt.h"
#include "vxf_loop.h"

#define PAGES(n)	((n) * VXF_PAGE_SIZE)

static int tmp_file(char *path, size_t len)
{
	const char *dirs[] = { getenv("TMPDIR"), "/tmp", "/var/tmp", "." };
	size_t i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (!dirs[i])
			continue;
		snprintf(path, len, "%s/vxf-igt-XXXXXX", dirs[i]);
		fd = mkstemp(path);
		if (fd >= 0)
			return fd;
	}
	return -1;
}

static void test_kernel_access(void)
{
	uint64_t buf[4 * VXF_WORDS_PER_PAGE], back[2 * VXF_WORDS_PER_PAGE];
	char path[256];
	struct window w;
	uint8_t *map;
	size_t i;
	int fd;

	fd = tmp_file(path, sizeof(path));
	igt_require_f(fd >= 0, "no writable temporary directory\n");
	unlink(path);
	for (i = 0; i < 4 * VXF_WORDS_PER_PAGE; i++)
		buf[i] = value(100, i, 7);
	igt_assert_eq(pwrite(fd, buf, sizeof(buf), 0), (int)sizeof(buf));

	START(&w, "--pages", "16", "--quiet");
	map = w.map;

	/* read(2) into pages never touched: the kernel faults them in. */
	igt_assert_eq(pread(fd, map + PAGES(2), PAGES(4), 0), (int)PAGES(4));
	igt_assert(memcmp(map + PAGES(2), buf, PAGES(4)) == 0);
	igt_assert_eq_u64(be_peek(&w, 2, 0), buf[0]);
	igt_assert_eq_u64(be_peek(&w, 5, 511), buf[4 * VXF_WORDS_PER_PAGE - 1]);

	/* write(2) from pages never touched. */
	igt_assert_eq(pwrite(fd, map + PAGES(8), PAGES(2), PAGES(4)),
		      (int)PAGES(2));
	igt_assert_eq(pread(fd, back, PAGES(2), PAGES(4)), (int)PAGES(2));
	for (i = 0; i < 2 * VXF_WORDS_PER_PAGE; i++)
		igt_assert_eq_u64(back[i], pattern(8, i));

	/* Both again after the backend took everything back. */
	be_revoke_all(&w);
	memset(back, 0, sizeof(back));
	igt_assert_eq(pwrite(fd, map + PAGES(2), PAGES(2), PAGES(6)),
		      (int)PAGES(2));
	igt_assert_eq(pread(fd, back, PAGES(2), PAGES(6)), (int)PAGES(2));
	igt_assert(memcmp(back, buf, PAGES(2)) == 0);

	igt_assert_eq(pread(fd, map + PAGES(12), PAGES(2), PAGES(4)),
		      (int)PAGES(2));
	for (i = 0; i < 2 * VXF_WORDS_PER_PAGE; i++)
		igt_assert_eq_u64(((uint64_t *)(map + PAGES(12)))[i],
				  pattern(8, i));
	close(fd);
	window_stop(&w);
}

static void test_kernel_access_efault(void)
{
	char path[256], buf[VXF_PAGE_SIZE] = { 1 };
	struct window w;
	uint8_t *map;
	int fd;

	fd = tmp_file(path, sizeof(path));
	igt_require_f(fd >= 0, "no writable temporary directory\n");
	unlink(path);
	igt_assert_eq(pwrite(fd, buf, sizeof(buf), 0), (int)sizeof(buf));

	START(&w, "--pages", "8", "--map-pages", "1", "--fail", "4:1",
	      "--quiet");
	map = w.map;
	errno = 0;
	igt_assert_eq(pread(fd, map + PAGES(4), PAGES(1), 0), -1);
	igt_assert_eq(errno, EFAULT);
	errno = 0;
	igt_assert_eq(pwrite(fd, map + PAGES(4), PAGES(1), 0), -1);
	igt_assert_eq(errno, EFAULT);
	/* The neighbours are fine. */
	igt_assert_eq(pread(fd, map + PAGES(3), PAGES(1), 0), (int)PAGES(1));
	igt_assert_eq(map[PAGES(3)], 1);
	close(fd);
	window_stop(&w);
}

/* ---- get_user_pages ------------------------------------------------- */

static bool fs_does_real_odirect(int fd)
{
	struct statfs sfs;

	if (fstatfs(fd, &sfs))
		return false;
	/* tmpfs and ramfs accept O_DIRECT but copy: no get_user_pages. */
	return sfs.f_type != TMPFS_MAGIC && sfs.f_type != RAMFS_MAGIC &&
	       sfs.f_type != V9FS_MAGIC && sfs.f_type != FUSE_SUPER_MAGIC &&
	       sfs.f_type != NFS_SUPER_MAGIC && sfs.f_type != OVERLAYFS_SUPER_MAGIC;
}

/* A file on a disk filesystem that takes O_DIRECT; -1 if none. */
static int odirect_file(void *aligned)
{
	char path[256];
	int fd, dfd;

	fd = tmp_file(path, sizeof(path));
	if (fd < 0)
		return -1;
	dfd = open(path, O_RDWR | O_DIRECT);
	unlink(path);
	close(fd);
	if (dfd < 0)
		return -1;
	if (!fs_does_real_odirect(dfd) ||
	    pwrite(dfd, aligned, PAGES(2), 0) != (ssize_t)PAGES(2)) {
		close(dfd);
		return -1;
	}
	return dfd;
}

/* A block device that takes O_DIRECT reads; -1 if none. */
static int odirect_blockdev(void *aligned)
{
	static const char *const devs[] = {
		"/dev/vda", "/dev/vdb", "/dev/sda", "/dev/sdb", "/dev/nvme0n1",
		"/dev/xvda", "/dev/ram0", "/dev/pmem0", "/dev/nullb0",
		"/dev/loop0",
	};
	size_t i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(devs); i++) {
		fd = open(devs[i], O_RDONLY | O_DIRECT);
		if (fd < 0)
			continue;
		if (pread(fd, aligned, PAGES(2), 0) == (ssize_t)PAGES(2)) {
			igt_info("using %s\n", devs[i]);
			return fd;
		}
		close(fd);
	}
	return -1;
}

/*
 * A loop device backed by a temporary file: O_DIRECT on any block device
 * pins the user pages, whatever is underneath. -1 if loop is unavailable.
 */
static int odirect_loopdev(void *aligned)
{
	char path[256], dev[64];
	int ctl, back, n, fd = -1;

	ctl = open("/dev/loop-control", O_RDWR);
	if (ctl < 0)
		return -1;
	back = tmp_file(path, sizeof(path));
	n = ioctl(ctl, LOOP_CTL_GET_FREE);
	close(ctl);
	if (back < 0 || n < 0)
		goto close_back;
	unlink(path);
	if (ftruncate(back, PAGES(16)))
		goto close_back;
	snprintf(dev, sizeof(dev), "/dev/loop%d", n);
	fd = open(dev, O_RDWR | O_DIRECT);
	if (fd < 0)
		goto close_back;
	if (ioctl(fd, LOOP_SET_FD, back) ||
	    pread(fd, aligned, PAGES(2), 0) != (ssize_t)PAGES(2)) {
		ioctl(fd, LOOP_CLR_FD, 0);
		close(fd);
		fd = -1;
	} else {
		igt_info("using %s\n", dev);
	}
close_back:
	if (back >= 0)
		close(back);
	return fd;
}

static void test_odirect_fails(void)
{
	void *aligned;
	struct window w;
	bool is_file = true;
	int dfd;

	igt_assert_eq(posix_memalign(&aligned, VXF_PAGE_SIZE, PAGES(2)), 0);
	memset(aligned, 0x5a, PAGES(2));
	dfd = odirect_file(aligned);
	if (dfd < 0) {
		is_file = false;
		dfd = odirect_blockdev(aligned);
	}
	if (dfd < 0)
		dfd = odirect_loopdev(aligned);
	igt_require_f(dfd >= 0, "no file or block device taking O_DIRECT\n");

	START(&w, "--pages", "8", "--quiet");
	check_page(&w, 0, expect_pattern, 0);
	check_page(&w, 1, expect_pattern, 0);
	errno = 0;
	igt_assert_eq(pread(dfd, w.map, PAGES(2), 0), -1);
	igt_assert_eq(errno, EFAULT);
	errno = 0;
	igt_assert_eq(pread(dfd, (uint8_t *)w.map + PAGES(4), PAGES(2), 0),
		      -1);	/* pages never touched */
	igt_assert_eq(errno, EFAULT);
	if (is_file) {
		errno = 0;
		igt_assert_eq(pwrite(dfd, w.map, PAGES(2), 0), -1);
		igt_assert_eq(errno, EFAULT);
	}
	/* Nothing was written into the window, and it still works. */
	check_page(&w, 0, expect_pattern, 0);
	check_page(&w, 5, expect_pattern, 0);
	if (!is_file)
		ioctl(dfd, LOOP_CLR_FD, 0);	/* harmless on other devices */
	close(dfd);
	free(aligned);
	window_stop(&w);
}

/*
 * io_uring pins registered buffers: registering a plain page works,
 * registering the mapping must fail with EFAULT. Returns false, having
 * checked nothing, if io_uring is unavailable here (not built in, or
 * disabled by kernel.io_uring_disabled).
 */
static bool io_uring_register_fails(void *addr, size_t len)
{
	static uint64_t plain[VXF_WORDS_PER_PAGE] __attribute__((aligned(4096)));
	struct io_uring_params params = { };
	struct iovec iov = { plain, sizeof(plain) };
	int ring, ret, err;

	ring = syscall(__NR_io_uring_setup, 4, &params);
	if (ring < 0) {
		igt_assert_f(errno == ENOSYS || errno == EPERM,
			     "io_uring_setup: %s\n", strerror(errno));
		return false;
	}
	/* The call works: a plain page registers. */
	ret = syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS,
		      &iov, 1);
	igt_assert_f(ret == 0, "registering a plain page: %s\n",
		     strerror(errno));
	igt_assert_eq(syscall(__NR_io_uring_register, ring,
			      IORING_UNREGISTER_BUFFERS, NULL, 0), 0);

	iov = (struct iovec){ addr, len };
	errno = 0;
	ret = syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS,
		      &iov, 1);
	err = errno;
	close(ring);
	igt_assert_f(ret == -1, "io_uring registered (pinned) the window\n");
	igt_assert_eq(err, EFAULT);
	return true;
}

static void test_gup_fails(void)
{
	uint64_t local[VXF_WORDS_PER_PAGE];
	static uint64_t plain[VXF_WORDS_PER_PAGE];
	struct iovec liov = { local, sizeof(local) };
	struct iovec riov;
	struct window w;
	int ready[2], done[2], p[2], status;
	char c = 0;
	pid_t pid;

	START(&w, "--pages", "8", "--quiet");
	igt_assert_eq(pipe(ready), 0);
	igt_assert_eq(pipe(done), 0);
	plain[0] = 42;
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {		/* the process whose memory is read */
		uint64_t v;

		if (!vxf_try_read64(word(&w, 1, 0), &v))
			_exit(1);
		if (write(ready[1], &c, 1) != 1 || read(done[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	vxf_child_track(pid);
	igt_assert_eq(read(ready[0], &c, 1), 1);

	/* A plain page of the same process can be read: the call works. */
	riov = (struct iovec){ plain, sizeof(plain) };
	igt_require_f(process_vm_readv(pid, &liov, 1, &riov, 1, 0) ==
		      (ssize_t)sizeof(plain), "process_vm_readv: %s\n",
		      strerror(errno));
	igt_assert_eq_u64(local[0], 42);

	riov = (struct iovec){ (void *)word(&w, 1, 0), VXF_PAGE_SIZE };
	errno = 0;
	igt_assert_eq(process_vm_readv(pid, &liov, 1, &riov, 1, 0), -1);
	igt_assert_eq(errno, EFAULT);
	riov = (struct iovec){ (void *)word(&w, 3, 0), VXF_PAGE_SIZE };
	errno = 0;
	igt_assert_eq(process_vm_writev(pid, &liov, 1, &riov, 1, 0), -1);
	igt_assert_eq(errno, EFAULT);

	igt_assert_eq(write(done[1], &c, 1), 1);
	igt_assert(wait_pid(pid, &status, 10000));
	igt_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* vmsplice() pins the pages it gifts to a pipe: refused too. */
	igt_assert_eq(pipe(p), 0);
	riov = (struct iovec){ (void *)word(&w, 1, 0), VXF_PAGE_SIZE };
	errno = 0;
	igt_assert_eq(vmsplice(p[1], &riov, 1, 0), -1);
	igt_assert_eq(errno, EFAULT);

	if (!io_uring_register_fails((void *)word(&w, 1, 0), VXF_PAGE_SIZE))
		igt_info("io_uring unavailable (%s): its part of gup-fails is skipped\n",
			 strerror(errno));

	check_page(&w, 3, expect_pattern, 0);
	window_stop(&w);
}

/* ---- fork ------------------------------------------------------------ */

static void check_word0(struct window *w, uint64_t gen)
{
	uint64_t page;

	for (page = 0; page < w->pages; page++) {
		igt_assert_eq_u64(must_read(word(w, page, 0)),
				  value(page, 0, gen));
		igt_assert_eq_u64(*word(w, page, 7), pattern(page, 7));
	}
}

static void write_word0(struct window *w, uint64_t gen)
{
	uint64_t page;

	for (page = 0; page < w->pages; page++)
		must_write(word(w, page, 0), value(page, 0, gen));
}

static void test_fork_child_access(void)
{
	struct window w;
	int ready[2], go[2];
	char c = 0;

	START(&w, "--pages", "32", "--quiet");
	write_word0(&w, 1);

	igt_fork(child, 1) {
		check_word0(&w, 1);
		write_word0(&w, 2);
	}
	igt_waitchildren();
	check_word0(&w, 2);

	be_revoke_all(&w);
	igt_fork(child, 1) {
		check_word0(&w, 2);
		write_word0(&w, 3);
	}
	igt_waitchildren();
	check_word0(&w, 3);

	/* A revoke reaches the child's page tables as well as ours. */
	igt_assert_eq(pipe(ready), 0);
	igt_assert_eq(pipe(go), 0);
	igt_fork(child, 1) {
		check_word0(&w, 3);
		igt_assert_eq(write(ready[1], &c, 1), 1);
		igt_assert_eq(read(go[0], &c, 1), 1);
		check_word0(&w, 4);
	}
	igt_assert_eq(read(ready[0], &c, 1), 1);
	be_revoke_all(&w);
	write_word0(&w, 4);
	igt_assert_eq(write(go[1], &c, 1), 1);
	igt_waitchildren();
	window_stop(&w);
}

/* ---- mm operations racing with a waiting fault ---------------------- */

enum race_op { RACE_MUNMAP, RACE_MPROTECT, RACE_MREMAP };

/* What the child tells the parent and exits with. */
enum race_outcome {
	RACE_ACCESS_OK,
	RACE_ACCESS_SIGBUS,
	RACE_ACCESS_SIGSEGV,
	RACE_BAD,
};

struct racer {
	struct window *w;
	volatile pid_t tid;
	uint64_t page;
	bool write;
	bool ok;
	int sig;
};

static void *racer_thread(void *arg)
{
	struct racer *r = arg;
	uint64_t v;

	r->tid = gettid();
	if (r->write)
		r->ok = vxf_try_write64(word(r->w, r->page, 0), 1);
	else
		r->ok = vxf_try_read64(word(r->w, r->page, 0), &v);
	r->sig = vxf_last_fault_signal();
	return NULL;
}

static int race_op(struct window *w, enum race_op op, void **moved)
{
	size_t len = PAGES(w->pages);
	void *to;

	switch (op) {
	case RACE_MUNMAP:
		return munmap(w->map, len) ? errno : 0;
	case RACE_MPROTECT:
		return mprotect(w->map, len, PROT_READ) ? errno : 0;
	case RACE_MREMAP:
		to = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
		if (to == MAP_FAILED)
			return errno;
		*moved = mremap(w->map, len, len,
				MREMAP_MAYMOVE | MREMAP_FIXED, to);
		return *moved == MAP_FAILED ? errno : 0;
	}
	return EINVAL;
}

/* The child: fault in a thread, do @op meanwhile, report, finish. */
static void race_child(struct window *w, enum race_op op, uint64_t page,
		       int report_fd)
{
	struct racer r = { .w = w, .page = page, .write = op == RACE_MPROTECT };
	struct vxf_backend_stats b0;
	struct vxf_stats s0;
	void *moved = MAP_FAILED;
	pthread_t thread;
	uint64_t v;
	char err;

	if (vxf_stats(w->fd, &s0) || vxf_backend_stats(&w->be, &b0) ||
	    pthread_create(&thread, NULL, racer_thread, &r))
		_exit(RACE_BAD);
	/* @op races a fault that waits for its MAP's answer */
	if (!wait_faults(w, &s0, 1) || !wait_in_fault(w, &b0, &r.tid))
		_exit(RACE_BAD);
	err = race_op(w, op, &moved);
	if (write(report_fd, &err, 1) != 1)
		_exit(RACE_BAD);
	pthread_join(thread, NULL);
	if (moved != MAP_FAILED) {
		w->map = moved;	/* the data moved along */
		if (!vxf_try_read64(word(w, page, 0), &v) ||
		    v != pattern(page, 0))
			_exit(RACE_BAD);
	}
	if (r.ok)
		_exit(RACE_ACCESS_OK);
	_exit(r.sig == SIGBUS ? RACE_ACCESS_SIGBUS :
	      r.sig == SIGSEGV ? RACE_ACCESS_SIGSEGV : RACE_BAD);
}

static const char *const outcome_name[] = {
	[RACE_ACCESS_OK] = "access completed",
	[RACE_ACCESS_SIGBUS] = "SIGBUS",
	[RACE_ACCESS_SIGSEGV] = "SIGSEGV",
	[RACE_BAD] = "bad",
};

/*
 * Run @op in a child while one of its threads waits in a fault on a hung
 * backend. The op must not wait for the fault (the driver sleeps without
 * the mmap lock), the fault ends one way or another once the backend
 * answers, nobody hangs, and the window works afterwards.
 */
static void race_mm_op(enum race_op op, const char *name)
{
	const uint64_t page = 6;
	struct pollfd pfd;
	struct window w;
	int report[2], status, n;
	bool op_done;
	char err = 0;
	pid_t pid;

	START(&w, "--pages", "16", "--map-pages", "1", "--timeout-ms",
	      "30000", "--quiet");
	be_cmd(&w, "hang on");
	igt_assert_eq(pipe(report), 0);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0)
		race_child(&w, op, page, report[1]);
	vxf_child_track(pid);

	pfd = (struct pollfd){ .fd = report[0], .events = POLLIN };
	n = poll(&pfd, 1, 15000);
	op_done = n == 1 && read(report[0], &err, 1) == 1;
	be_cmd(&w, "hang off");
	igt_assert_f(wait_pid(pid, &status, 20000),
		     "child still running after the backend answered\n");
	igt_assert_f(op_done, "%s waited for a fault that waits for the "
		     "backend\n", name);
	igt_info("%s: %s; fault: %s\n", name, err ? strerror(err) : "done",
		 WIFEXITED(status) && WEXITSTATUS(status) <= RACE_BAD ?
		 outcome_name[WEXITSTATUS(status)] : "child died");
	igt_assert_f(WIFEXITED(status), "child died of signal %d\n",
		     WTERMSIG(status));
	igt_assert_neq(WEXITSTATUS(status), RACE_BAD);
	if (op == RACE_MUNMAP && !err)
		igt_assert_neq(WEXITSTATUS(status), RACE_ACCESS_OK);

	check_page(&w, page, expect_pattern, 0);
	check_page(&w, page + 1, expect_pattern, 0);
	window_stop(&w);
}

/* ---- faults that cannot wait ---------------------------------------- */

/* FUTEX_WAKE_OP on @uaddr2 (private): an atomic add of 1 to it. */
static long futex_wake_op(uint32_t *uaddr2)
{
	static uint32_t futex1;

	return syscall(SYS_futex, &futex1, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG,
		       1, (void *)1UL, uaddr2,
		       FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0));
}

/*
 * futex resolves a fault with fixup_user_fault(), which cannot drop the
 * mmap lock: the driver must not wait for the backend there (that would
 * hold the lock for up to a fault timeout per attempt) but fail the
 * access, as handle_userfault() does. A present page is fine.
 */
static void test_futex_absent_efault(void)
{
	struct vxf_backend_stats bs0, bs1;
	struct vxf_stats s0, s1;
	struct window w;
	uint32_t *u;
	long ret;

	igt_require_f(!vxf_hv_mode(),
		      "reported faults: the hypervisor holds the vCPU\n");
	START(&w, "--pages", "8", "--map-pages", "1", "--quiet");
	u = (uint32_t *)word(&w, 3, 0);

	s0 = stats(&w);
	igt_assert_eq(vxf_backend_stats(&w.be, &bs0), 0);
	errno = 0;
	ret = futex_wake_op(u);
	s1 = stats(&w);
	igt_assert_eq(vxf_backend_stats(&w.be, &bs1), 0);
	igt_info("futex on an absent page: %ld (%s); maps %llu, backend maps %llu\n",
		 ret, strerror(errno),
		 (unsigned long long)(s1.maps - s0.maps),
		 (unsigned long long)(bs1.maps - bs0.maps));
	igt_assert_eq(ret, -1);
	igt_assert_eq(errno, EFAULT);
	/* Nothing was asked of the backend, nothing waited for. */
	igt_assert_eq_u64(s1.maps, s0.maps);
	igt_assert_eq_u64(bs1.maps, bs0.maps);
	igt_assert_eq_u64(s1.mapped_pages, s0.mapped_pages);

	/* Once the page is there, the same call works. */
	check_page(&w, 3, expect_pattern, 0);
	igt_assert_eq(futex_wake_op(u), 0);
	igt_assert_eq_u64(*u, (uint32_t)pattern(3, 0) + 1);
	igt_assert_eq_u64(*(u + 1), (uint32_t)(pattern(3, 0) >> 32));

	/* After a revoke it fails again; an ordinary access brings it back. */
	be_revoke(&w, 3, 1);
	errno = 0;
	igt_assert_eq(futex_wake_op(u), -1);
	igt_assert_eq(errno, EFAULT);
	igt_assert_eq_u64(*u, (uint32_t)pattern(3, 0) + 1);
	window_stop(&w);
}

/*
 * A task stopped (SIGSTOP) while it waits in a fault stops at once,
 * without giving up the MAP, and goes on after SIGCONT: the wait honours
 * FAULT_FLAG_INTERRUPTIBLE.
 */
static void test_fault_sigstop(void)
{
	const uint64_t page = 2;
	struct vxf_stats s0, s1;
	struct window w;
	int status;
	pid_t pid;

	igt_require_f(!vxf_hv_mode(),
		      "reported faults: the hypervisor holds the vCPU\n");
	START(&w, "--pages", "8", "--map-pages", "1", "--timeout-ms",
	      "20000", "--quiet");
	be_cmd(&w, "hang on");
	s0 = stats(&w);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0)
		_exit(*word(&w, page, 0) == pattern(page, 0) ? 0 : 1);

	igt_assert(wait_faults(&w, &s0, 1));
	igt_assert_eq(kill(pid, SIGSTOP), 0);
	igt_assert_eq(waitpid(pid, &status, WUNTRACED), pid);
	s1 = stats(&w);
	igt_info("stopped: %s; timeouts %llu, maps %llu\n",
		 WIFSTOPPED(status) ? "yes" : "no",
		 (unsigned long long)(s1.timeouts - s0.timeouts),
		 (unsigned long long)(s1.maps - s0.maps));
	igt_assert(WIFSTOPPED(status));
	/* It stopped while the MAP was still in flight, not after a timeout */
	igt_assert_eq_u64(s1.timeouts, s0.timeouts);
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	igt_assert_eq_u64(s1.maps - s0.maps, 1);

	/* Continued, it faults again and joins the same MAP. */
	igt_assert_eq(kill(pid, SIGCONT), 0);
	igt_assert(wait_faults(&w, &s1, 1));
	be_cmd(&w, "hang off");
	igt_assert_f(wait_pid(pid, &status, 20000), "child still waiting\n");
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "child: status %#x\n", status);
	s1 = stats(&w);
	igt_assert_eq_u64(s1.maps - s0.maps, 1);
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	igt_assert_eq_u64(s1.timeouts, s0.timeouts);
	window_stop(&w);
}

/* ---- the device node's filesystem ---------------------------------- */

/*
 * The first open of a device is through a node on a tmpfs that is then
 * unmounted (a container's /dev), before the device goes away. The
 * driver must not keep that node's inode: at the umount it would be a
 * busy inode, and freeing it with the device a use-after-free. Mappings
 * made through any node are still zapped by a revoke.
 */
static void test_node_on_unmounted_fs(void)
{
	char dir[] = "/tmp/vxf-igt-devXXXXXX", node[64];
	struct vxf_backend be = { 0 };
	struct vxf_stats s0, s1;
	volatile uint64_t *a, *b;
	struct stat st;
	int fd, fd2, ret;

	igt_require_f(!vxf_xen_mode(), "needs a window of its own\n");
	ret = vxf_backend_start(&be, "--pages", "8", "--map-pages", "1",
				"--quiet", NULL);
	igt_assert_f(ret == 0, "%s\n", vxf_backend_last_error());
	igt_assert_eq(stat(be.dev, &st), 0);
	igt_require_f(mkdtemp(dir), "no temporary directory\n");
	ret = mount("vxf-igt", dir, "tmpfs", 0, "size=64k");
	igt_require_f(ret == 0, "mount tmpfs: %s\n", strerror(errno));
	snprintf(node, sizeof(node), "%s/vxf", dir);
	igt_assert_eq(mknod(node, S_IFCHR | 0600, st.st_rdev), 0);

	/* The first open of the device, through the tmpfs node. */
	fd = open(node, O_RDWR);
	igt_assert_f(fd >= 0, "open %s: %s\n", node, strerror(errno));
	a = vxf_map(fd, 0, 8, PROT_READ | PROT_WRITE);
	igt_assert(a != MAP_FAILED);
	igt_assert_eq_u64(a[0], pattern(0, 0));

	/* A second user through /dev; both mappings are zapped by a revoke */
	fd2 = vxf_open(&be);
	igt_assert(fd2 >= 0);
	b = vxf_map(fd2, 0, 8, PROT_READ | PROT_WRITE);
	igt_assert(b != MAP_FAILED);
	igt_assert_eq(vxf_stats(fd2, &s0), 0);
	igt_assert_eq(vxf_backend_revoke(&be, 0, 1), 0);
	igt_assert_eq_u64(b[0], pattern(0, 0));
	igt_assert_eq_u64(a[0], pattern(0, 0));
	igt_assert_eq(vxf_stats(fd2, &s1), 0);
	igt_assert_eq_u64(s1.maps - s0.maps, 1);

	/* The tmpfs goes while the device lives on. */
	munmap((void *)a, 8 * VXF_PAGE_SIZE);
	close(fd);
	igt_assert_eq(unlink(node), 0);
	igt_assert_f(umount(dir) == 0, "umount: %s\n", strerror(errno));
	rmdir(dir);

	/* The device still works, then goes away. */
	igt_assert_eq(vxf_backend_revoke(&be, 0, 8), 0);
	igt_assert_eq_u64(b[1], pattern(0, 1));
	munmap((void *)b, 8 * VXF_PAGE_SIZE);
	close(fd2);
	igt_assert_eq(vxf_backend_stop(&be), 0);
}

void vxf_loop_mm_subtests(void)
{
	igt_describe("read(2) into and write(2) from the mapping work, "
		     "before and after a revoke.");
	igt_subtest("kernel-access-read-write")
		test_kernel_access();

	igt_describe("A kernel access to a page the backend fails is EFAULT.");
	igt_subtest("kernel-access-efault")
		test_kernel_access_efault();

	igt_describe("O_DIRECT I/O to or from the mapping fails with EFAULT.");
	igt_subtest("odirect-fails")
		test_odirect_fails();

	igt_describe("process_vm_readv/writev, vmsplice and io_uring buffer "
		     "registration of the mapping fail with EFAULT: "
		     "get_user_pages is refused.");
	igt_subtest("gup-fails")
		test_gup_fails();

	igt_describe("A forked child shares the window, also after revokes.");
	igt_subtest("fork-child-access")
		test_fork_child_access();

	igt_describe("munmap while a fault waits for the backend.");
	igt_subtest("munmap-while-waiting")
		race_mm_op(RACE_MUNMAP, "munmap");

	igt_describe("mprotect and mremap while a fault waits for the "
		     "backend.");
	igt_subtest("mprotect-mremap-during-fault") {
		race_mm_op(RACE_MPROTECT, "mprotect");
		race_mm_op(RACE_MREMAP, "mremap");
	}

	igt_describe("A futex op on an absent page (fixup_user_fault(), no "
		     "retry) fails with EFAULT without waiting for the "
		     "backend; on a present page it works.");
	igt_subtest("futex-absent-efault")
		test_futex_absent_efault();

	igt_describe("A task waiting in a fault stops on SIGSTOP without "
		     "giving up the MAP and completes after SIGCONT.");
	igt_subtest("fault-sigstop")
		test_fault_sigstop();

	igt_describe("The first open through a node on a tmpfs that is "
		     "unmounted before the device goes: no busy inode, no "
		     "use-after-free, revokes still reach every mapping.");
	igt_subtest("node-on-unmounted-fs")
		test_node_on_unmounted_fs();
}
