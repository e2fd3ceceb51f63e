// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_helpers.c - drive the vxf reference backend and the /dev/vxfN window
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * The backend runs as a child process in loop mode; we talk to it over its
 * stdin (one command a line) and stdout (one reply a line). The helpers also
 * open and map the window and catch the SIGBUS/SIGSEGV of a failed access so
 * that a test can check for it. No IGT calls: tools/vxf-demo links this too.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vxf_helpers.h"

#define VXF_READY_TIMEOUT_MS	15000
#define VXF_REPLY_TIMEOUT_MS	30000
#define VXF_MAX_ARGS		64

static char last_error[512];

static void set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

/**
 * vxf_backend_last_error - what the last failing backend helper saw
 */
const char *vxf_backend_last_error(void)
{
	return last_error;
}

static bool is_executable(const char *path)
{
	return access(path, X_OK) == 0;
}

/**
 * vxf_backend_path - where the backend binary is
 *
 * $VXF_BACKEND, else vxf-backend next to this binary (or in the source
 * tree's tools/vxf-backend seen from tests/igt or tools/vxf-demo), else
 * /bin/vxf-backend.
 */
const char *vxf_backend_path(void)
{
	static const char *const rel[] = {
		"vxf-backend",
		"../vxf-backend/vxf-backend",
		"../../tools/vxf-backend/vxf-backend",
	};
	static char path[4096];
	char exe[2048], *slash;
	const char *env = getenv("VXF_BACKEND");
	ssize_t n;
	size_t i;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		for (i = 0; i < ARRAY_SIZE(rel); i++) {
			snprintf(path, sizeof(path), "%s/%s", exe, rel[i]);
			if (is_executable(path))
				return path;
		}
	}
	return "/bin/vxf-backend";
}

bool vxf_backend_available(void)
{
	return is_executable(vxf_backend_path());
}

/* Read one line of the backend's stdout into @line; 0 or -errno. */
static int read_line(struct vxf_backend *be, char *line, size_t len,
		     int timeout_ms)
{
	struct pollfd pfd = { .fd = be->reply_fd, .events = POLLIN };

	for (;;) {
		char *nl = memchr(be->buf, '\n', be->buf_len);
		ssize_t n;

		if (nl) {
			size_t l = nl - be->buf;

			snprintf(line, len, "%.*s", (int)l, be->buf);
			memmove(be->buf, nl + 1, be->buf_len - l - 1);
			be->buf_len -= l + 1;
			return 0;
		}
		if (be->buf_len == sizeof(be->buf))
			be->buf_len = 0;	/* an absurd line: drop it */
		n = poll(&pfd, 1, timeout_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			return -ETIMEDOUT;
		n = read(be->reply_fd, be->buf + be->buf_len,
			 sizeof(be->buf) - be->buf_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		be->buf_len += n;
	}
}

static int parse_ready(struct vxf_backend *be, const char *line)
{
	const char *p;

	if (strncmp(line, "ready ", 6))
		return -EINVAL;
	p = strstr(line, "index=");
	if (!p || sscanf(p, "index=%d", &be->index) != 1)
		return -EINVAL;
	p = strstr(line, "pages=");
	if (!p || sscanf(p, "pages=%" SCNu64, &be->pages) != 1)
		return -EINVAL;
	p = strstr(line, "dev=");
	if (p)
		sscanf(p, "dev=%63s", be->dev);
	else
		snprintf(be->dev, sizeof(be->dev), "/dev/vxf%d", be->index);
	return 0;
}

/**
 * vxf_hv_mode - whether windows run in hypervisor mode (VXF_TEST_HV=1)
 *
 * Then every backend is started with --hv and vxf_backend_revoke() takes
 * pages away through the hypervisor (stand-in), unannounced, instead of the
 * cooperative REVOKE: the same tests then check the hypervisor-report path.
 */
bool vxf_hv_mode(void)
{
	const char *v = getenv("VXF_TEST_HV");

	return v && *v && strcmp(v, "0");
}

static void exec_backend(const char *const *args, int cmd_rd, int reply_wr)
{
	const char *argv[VXF_MAX_ARGS + 4];
	int n = 0;

	argv[n++] = vxf_backend_path();
	argv[n++] = "--loop";
	if (vxf_hv_mode())
		argv[n++] = "--hv";
	while (args && *args && n < VXF_MAX_ARGS + 2)
		argv[n++] = *args++;
	argv[n] = NULL;
	if (dup2(cmd_rd, 0) < 0 || dup2(reply_wr, 1) < 0)
		_exit(126);
	execv(argv[0], (char *const *)argv);
	fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/**
 * vxf_backend_startv - start the backend in loop mode and wait until ready
 * @be: filled in
 * @args: extra arguments after --loop, NULL-terminated (may be NULL)
 *
 * Returns 0, or -errno with vxf_backend_last_error() saying why.
 */
int vxf_backend_startv(struct vxf_backend *be, const char *const *args)
{
	char line[512];
	int cmd[2], reply[2], ret;

	memset(be, 0, sizeof(*be));
	be->cmd_fd = be->reply_fd = -1;
	signal(SIGPIPE, SIG_IGN);	/* a dead backend is an error, not death */
	if (pipe2(cmd, O_CLOEXEC) || pipe2(reply, O_CLOEXEC)) {
		set_error("pipe: %s", strerror(errno));
		return -errno;
	}
	fflush(stdout);
	fflush(stderr);
	be->pid = fork();
	if (be->pid < 0) {
		ret = -errno;
		set_error("fork: %s", strerror(errno));
		goto close_pipes;
	}
	if (be->pid == 0)
		exec_backend(args, cmd[0], reply[1]);
	close(cmd[0]);
	close(reply[1]);
	be->cmd_fd = cmd[1];
	be->reply_fd = reply[0];

	do {
		ret = read_line(be, line, sizeof(line), VXF_READY_TIMEOUT_MS);
	} while (!ret && strncmp(line, "ready ", 6));
	if (!ret)
		ret = parse_ready(be, line);
	if (ret) {
		set_error("backend %s did not get ready: %s",
			  vxf_backend_path(), strerror(-ret));
		vxf_backend_kill(be);
		return ret;
	}
	return 0;

close_pipes:
	close(cmd[0]);
	close(cmd[1]);
	close(reply[0]);
	close(reply[1]);
	return ret;
}

/**
 * vxf_backend_start - vxf_backend_startv() with arguments as varargs
 * @be: filled in
 * @...: extra arguments, then NULL
 */
int vxf_backend_start(struct vxf_backend *be, ...)
{
	const char *args[VXF_MAX_ARGS + 1];
	va_list ap;
	int n = 0;

	va_start(ap, be);
	while (n < VXF_MAX_ARGS && (args[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	args[n] = NULL;
	return vxf_backend_startv(be, args);
}

/**
 * vxf_backend_cmd - send one command line and read its reply
 * @be: running backend
 * @reply: the reply line (may be NULL)
 * @len: size of @reply
 * @fmt: the command, without newline
 *
 * Returns 0 for an `ok` reply, -EIO for `err`, another -errno when the
 * backend did not answer.
 */
int vxf_backend_cmd(struct vxf_backend *be, char *reply, size_t len,
		    const char *fmt, ...)
{
	char cmd[256], line[512];
	va_list ap;
	int n, ret;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(cmd) - 1)
		return -EINVAL;
	cmd[n++] = '\n';
	if (be->cmd_fd < 0 || write(be->cmd_fd, cmd, n) != n) {
		set_error("backend gone: %s", strerror(errno));
		return -EPIPE;
	}
	do {
		ret = read_line(be, line, sizeof(line), VXF_REPLY_TIMEOUT_MS);
	} while (!ret && strncmp(line, "ok", 2) && strncmp(line, "err", 3));
	if (ret) {
		set_error("no reply to '%.*s': %s", n - 1, cmd, strerror(-ret));
		return ret;
	}
	if (reply)
		snprintf(reply, len, "%s", line);
	if (strncmp(line, "ok", 2)) {
		set_error("'%.*s' -> '%s'", n - 1, cmd, line);
		return -EIO;
	}
	return 0;
}

static uint64_t field(const char *line, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(line, pat);
	return p ? strtoull(p + strlen(pat), NULL, 0) : 0;
}

/**
 * vxf_backend_stats - the backend's own counters
 */
int vxf_backend_stats(struct vxf_backend *be, struct vxf_backend_stats *st)
{
	char line[512];
	int ret = vxf_backend_cmd(be, line, sizeof(line), "stats");

	if (ret)
		return ret;
	st->maps = field(line, "maps");
	st->map_pages = field(line, "map_pages");
	st->map_errors = field(line, "map_errors");
	st->revokes = field(line, "revokes");
	st->revoke_done = field(line, "revoke_done");
	st->revoked_pages = field(line, "revoked_pages");
	st->resets = field(line, "resets");
	st->unmaps = field(line, "unmaps");
	st->kicks_in = field(line, "kicks_in");
	st->kicks_out = field(line, "kicks_out");
	st->granted = field(line, "granted");
	st->bad_requests = field(line, "bad_requests");
	return 0;
}

/**
 * vxf_backend_peek - the backend's current value of a 64-bit word
 */
int vxf_backend_peek(struct vxf_backend *be, uint64_t page, uint64_t word,
		     uint64_t *value)
{
	char line[512];
	int ret = vxf_backend_cmd(be, line, sizeof(line), "peek %" PRIu64
				  " %" PRIu64, page, word);

	if (ret)
		return ret;
	if (sscanf(line, "ok peek %" SCNx64, value) != 1) {
		set_error("bad peek reply '%s'", line);
		return -EPROTO;
	}
	return 0;
}

/**
 * vxf_backend_revoke - revoke pages, wait for the frontend's answer
 *
 * Returns the status the frontend answered (0 on success), or -errno.
 */
int vxf_backend_revoke(struct vxf_backend *be, uint64_t first, uint64_t count)
{
	char line[512];
	const char *p;
	int ret;

	if (vxf_hv_mode())
		return vxf_backend_cmd(be, line, sizeof(line),
				       "hv-revoke %" PRIu64 " %" PRIu64,
				       first, count) ? -EINVAL : 0;

	ret = vxf_backend_cmd(be, line, sizeof(line), "revoke %" PRIu64
			      " %" PRIu64, first, count);
	if (ret)
		return ret;
	p = strstr(line, "status=");
	if (!p) {
		set_error("bad revoke reply '%s'", line);
		return -EPROTO;
	}
	ret = atoi(p + 7);
	if (ret)
		set_error("revoke %" PRIu64 " %" PRIu64 ": '%s'", first, count,
			  line);
	return ret;
}

static void close_fds(struct vxf_backend *be)
{
	if (be->cmd_fd >= 0)
		close(be->cmd_fd);
	if (be->reply_fd >= 0)
		close(be->reply_fd);
	be->cmd_fd = be->reply_fd = -1;
}

/* Wait for the backend to exit for up to @ms; kill -9 after that. */
static int reap(struct vxf_backend *be, int ms)
{
	const struct timespec tick = { 0, 1000 * 1000 };
	int status = 0;

	for (; ms > 0; ms--) {
		if (waitpid(be->pid, &status, WNOHANG) == be->pid)
			goto done;
		nanosleep(&tick, NULL);
	}
	kill(be->pid, SIGKILL);
	waitpid(be->pid, &status, 0);
	set_error("backend did not quit, killed");
	status = -1;
done:
	be->pid = 0;
	return status;
}

/**
 * vxf_backend_stop - quit the backend and wait for it
 *
 * Returns its wait status (0 for a clean exit), -1 if it had to be killed.
 */
int vxf_backend_stop(struct vxf_backend *be)
{
	if (!be->pid)
		return 0;
	vxf_backend_cmd(be, NULL, 0, "quit");
	close_fds(be);
	return reap(be, 10000);
}

/**
 * vxf_backend_kill - kill -9 the backend (a backend crash) and reap it
 */
void vxf_backend_kill(struct vxf_backend *be)
{
	if (be->pid) {
		kill(be->pid, SIGKILL);
		waitpid(be->pid, NULL, 0);
		be->pid = 0;
	}
	close_fds(be);
}

/* ---- the window ------------------------------------------------------ */

/**
 * vxf_open - open the backend's /dev/vxfN
 *
 * Returns an fd, or -1 with errno set.
 */
int vxf_open(const struct vxf_backend *be)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	int fd, i;

	/* devtmpfs creates the node asynchronously on some kernels */
	for (i = 0; i < 100; i++) {
		fd = open(be->dev, O_RDWR | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			break;
		nanosleep(&tick, NULL);
	}
	return fd;
}

/**
 * vxf_map - mmap pages of the window MAP_SHARED
 *
 * Returns the address or MAP_FAILED with errno set.
 */
void *vxf_map(int fd, uint64_t first_page, uint64_t npages, int prot)
{
	return mmap(NULL, npages * VXF_PAGE_SIZE, prot, MAP_SHARED, fd,
		    first_page * VXF_PAGE_SIZE);
}

int vxf_info(int fd, struct vxf_info *info)
{
	return ioctl(fd, VXF_IOC_INFO, info) ? -errno : 0;
}

int vxf_stats(int fd, struct vxf_stats *st)
{
	return ioctl(fd, VXF_IOC_STATS, st) ? -errno : 0;
}

/* ---- catching a failed access --------------------------------------- */

static __thread sigjmp_buf fault_jmp;
static __thread volatile sig_atomic_t fault_armed;
static __thread volatile sig_atomic_t fault_sig;

static void fault_handler(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	if (fault_armed) {
		fault_armed = 0;
		fault_sig = sig;
		siglongjmp(fault_jmp, 1);
	}
	/* Not ours: die of it as if nobody had caught it. */
	signal(sig, SIG_DFL);
	raise(sig);
}

/**
 * vxf_catch_faults - install the SIGBUS/SIGSEGV handler of vxf_try_*()
 *
 * A fault outside vxf_try_*() still kills the process.
 */
void vxf_catch_faults(void)
{
	static volatile int installed;
	struct sigaction sa = {
		.sa_sigaction = fault_handler,
		.sa_flags = SA_SIGINFO,
	};

	if (installed)
		return;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	installed = 1;
}

/**
 * vxf_try_read64 - read a word, surviving SIGBUS and SIGSEGV
 * @p: the word
 * @out: its value on success
 *
 * Returns false if the access raised a signal (vxf_last_fault_signal()).
 */
bool vxf_try_read64(volatile uint64_t *p, uint64_t *out)
{
	vxf_catch_faults();
	fault_sig = 0;
	if (sigsetjmp(fault_jmp, 1))
		return false;
	fault_armed = 1;
	*out = *p;
	fault_armed = 0;
	return true;
}

/**
 * vxf_try_write64 - write a word, surviving SIGBUS and SIGSEGV
 */
bool vxf_try_write64(volatile uint64_t *p, uint64_t value)
{
	vxf_catch_faults();
	fault_sig = 0;
	if (sigsetjmp(fault_jmp, 1))
		return false;
	fault_armed = 1;
	*p = value;
	fault_armed = 0;
	return true;
}

/**
 * vxf_last_fault_signal - the signal the calling thread's last vxf_try_*()
 *	caught, 0 if none
 */
int vxf_last_fault_signal(void)
{
	return fault_sig;
}

/**
 * vxf_wait_for - poll @cond every millisecond for up to @timeout_ms
 *
 * Returns 0 once @cond is true, -ETIMEDOUT otherwise.
 */
int vxf_wait_for(bool (*cond)(void *arg), void *arg, int timeout_ms)
{
	const struct timespec tick = { 0, 1000 * 1000 };

	for (; timeout_ms >= 0; timeout_ms--) {
		if (cond(arg))
			return 0;
		nanosleep(&tick, NULL);
	}
	return -ETIMEDOUT;
}
