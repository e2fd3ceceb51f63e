// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_helpers.c - drive the vxf reference backend and the /dev/vxfN window
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * The backend runs as a child process in loop mode; we talk to it over its
 * stdin (one command a line) and stdout (one reply a line). In Xen mode
 * (vxf_xen_mode(): a domU whose vxf device the dom0 backend serves) nothing
 * is started: the helpers attach to that device's window and send the same
 * commands over the backend's xenstore test channel (vxf_xs.c); start-time
 * options become runtime commands where there is one. The helpers also
 * open and map the window and catch the SIGBUS/SIGSEGV of a failed access so
 * that a test can check for it (only around that access: other faults stay
 * the test harness's). No IGT calls: tools/vxf-demo links this too.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vxf_helpers.h"
#include "vxf_xs.h"

#define VXF_READY_TIMEOUT_MS	15000
#define VXF_REPLY_TIMEOUT_MS	30000
#define VXF_MAX_ARGS		64
#define VXF_XEN_ATTACH_MS	60000
/* Xen mode: a fault timeout at least this long counts as "long enough". */
#define VXF_XEN_LONG_TIMEOUT_MS	5000

static char last_error[512];

/*
 * Processes started here (backends) or handed to vxf_child_track(), not
 * reaped yet: vxf_children_kill() ends them when a test fails half-way.
 */
#define VXF_MAX_CHILDREN	32
static pid_t children[VXF_MAX_CHILDREN];

/**
 * vxf_child_track - have vxf_children_kill() end @pid if it still runs
 * @pid: a child process of the caller
 */
void vxf_child_track(pid_t pid)
{
	unsigned int i;

	for (i = 0; i < VXF_MAX_CHILDREN; i++)
		if (!children[i]) {
			children[i] = pid;
			return;
		}
}

/**
 * vxf_child_untrack - @pid was reaped (or is someone else's to end)
 * @pid: as given to vxf_child_track()
 */
void vxf_child_untrack(pid_t pid)
{
	unsigned int i;

	for (i = 0; i < VXF_MAX_CHILDREN; i++)
		if (children[i] == pid)
			children[i] = 0;
}

/**
 * vxf_children_kill - SIGKILL and reap every tracked child still running
 *
 * For an exit handler: a test that failed half-way leaves no backend (and
 * so no window waiting for one) and no helper process behind. A backend
 * killed this way looks crashed to the driver: faults waiting on it end in
 * SIGBUS. Async-signal-safe.
 */
void vxf_children_kill(void)
{
	unsigned int i;

	for (i = 0; i < VXF_MAX_CHILDREN; i++) {
		pid_t pid = children[i];

		if (!pid)
			continue;
		children[i] = 0;
		/* only a child of ours not reaped yet: never a reused pid */
		if (waitpid(pid, NULL, WNOHANG) != 0)
			continue;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

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
 * vxf_tool_path - where one of the project's binaries is
 * @env: environment variable that names it, checked first
 * @rel: paths relative to this binary's directory, tried in turn
 * @nrel: how many
 * @fallback: the path in the VM image
 *
 * Return: a path (static storage, valid until the next call).
 */
const char *vxf_tool_path(const char *env, const char *const *rel,
			  size_t nrel, const char *fallback)
{
	static char path[4096];
	char exe[2048], *slash;
	const char *val = getenv(env);
	ssize_t n;
	size_t i;

	if (val && *val)
		return val;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		for (i = 0; i < nrel; i++) {
			snprintf(path, sizeof(path), "%s/%s", exe, rel[i]);
			if (is_executable(path))
				return path;
		}
	}
	return fallback;
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

	return vxf_tool_path("VXF_BACKEND", rel, ARRAY_SIZE(rel),
			     "/bin/vxf-backend");
}

bool vxf_backend_available(void)
{
	if (vxf_xen_mode())
		return access("/dev/xen/xenbus", R_OK | W_OK) == 0 ||
		       access("/proc/xen/xenbus", R_OK | W_OK) == 0;
	return is_executable(vxf_backend_path());
}

/**
 * vxf_backend_has_option - whether the local backend's --help offers @opt
 * @opt: an option, e.g. "--superpages"
 *
 * About the backend binary vxf_backend_path() names, not about a dom0
 * backend's window in Xen mode.
 */
bool vxf_backend_has_option(const char *opt)
{
	char cmd[512], line[256];
	bool found = false;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "'%s' --help 2>/dev/null",
		 vxf_backend_path());
	f = popen(cmd, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, opt))
			found = true;
	pclose(f);
	return found;
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
	be->window_pages = be->pages;
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

static unsigned int xen_devid(void)
{
	const char *v = getenv("VXF_TEST_XEN_DEVID");

	return v && *v ? strtoul(v, NULL, 0) : 0;
}

/**
 * vxf_xen_mode - whether the tests use the dom0 backend's window (Xen mode)
 *
 * VXF_TEST_XEN=1 says so, VXF_TEST_XEN=0 says not; unset, Xen mode is
 * chosen in a domU that has the vxf device VXF_TEST_XEN_DEVID (default 0)
 * on its xenbus, or that has /dev/vxf0 but no /dev/vxf-loop.
 */
bool vxf_xen_mode(void)
{
	const char *v = getenv("VXF_TEST_XEN");
	char path[64];

	if (v && *v)
		return strcmp(v, "0");
	snprintf(path, sizeof(path), "/sys/bus/xen/devices/vxf-%u",
		 xen_devid());
	return access(path, F_OK) == 0 ||
	       (access("/dev/vxf-loop", F_OK) && !access("/dev/vxf0", F_OK));
}

static void sleep_ms(unsigned int ms)
{
	const struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Xen mode: one command over the test channel, its reply line. */
static int xen_cmd(struct vxf_backend *be, const char *cmd, char *line,
		   size_t len)
{
	int ret;

	if (be->xs_fd < 0) {
		be->xs_fd = vxf_xs_open();
		if (be->xs_fd < 0) {
			ret = be->xs_fd;
			set_error("xenbus: %s", strerror(-ret));
			return ret;
		}
	}
	ret = vxf_xs_test_cmd(be->xs_fd, be->devid, cmd, line, len,
			      VXF_REPLY_TIMEOUT_MS);
	if (ret)
		set_error("no reply to '%s' on device/vxf/%u: %s", cmd,
			  be->devid, strerror(-ret));
	return ret;
}

/* Xen mode: wait for the window, then its INFO; an open fd or -errno. */
static int xen_wait_connected(struct vxf_backend *be, struct vxf_info *in)
{
	int fd = -1, ms;

	for (ms = 0; ms < VXF_XEN_ATTACH_MS; ms += 20) {
		if (fd < 0)
			fd = open(be->dev, O_RDWR | O_CLOEXEC);
		if (fd >= 0 && !ioctl(fd, VXF_IOC_INFO, in) &&
		    in->state == VXF_STATE_CONNECTED)
			return fd;
		sleep_ms(20);
	}
	if (fd < 0)
		set_error("%s did not appear within %d ms", be->dev,
			  VXF_XEN_ATTACH_MS);
	else
		set_error("%s not connected within %d ms (state %u)", be->dev,
			  VXF_XEN_ATTACH_MS, in->state);
	if (fd >= 0)
		close(fd);
	return -ETIMEDOUT;
}

/*
 * Xen mode: give the first @be->pages pages back their initial contents
 * (an earlier test may have written them; the backend keeps what it is
 * given), then revoke the whole window so that the test starts with
 * nothing mapped (revoke-all: a REVOKE on the event ring in grant mode, an
 * hv-revoke through the hypervisor in hypervisor mode).
 */
static int xen_restore(struct vxf_backend *be, int fd)
{
	volatile uint64_t *map;
	uint64_t page, w, want;
	int ret;

	map = mmap(NULL, be->pages * VXF_PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		set_error("mmap %s: %s", be->dev, strerror(errno));
		return -errno;
	}
	ret = 0;
	for (page = 0; page < be->pages && !ret; page++) {
		volatile uint64_t *p = map + page * VXF_WORDS_PER_PAGE;
		uint64_t got;

		if (!vxf_try_read64(p, &got)) {	/* the one that faults */
			set_error("restoring page %" PRIu64 " of %s: signal %d",
				  page, be->dev, vxf_last_fault_signal());
			ret = -EIO;
			break;
		}
		for (w = 0; w < VXF_WORDS_PER_PAGE && !ret; w++) {
			want = vxf_pattern(page * VXF_PAGE_SIZE + w * 8);
			/* the page may go again (a revoke): fault safely */
			if ((!vxf_try_read64(p + w, &got) || got != want) &&
			    !vxf_try_write64(p + w, want)) {
				set_error("restoring page %" PRIu64 " of %s: signal %d",
					  page, be->dev,
					  vxf_last_fault_signal());
				ret = -EIO;
			}
		}
	}
	munmap((void *)map, be->pages * VXF_PAGE_SIZE);
	if (ret)
		return ret;
	ret = vxf_backend_cmd(be, NULL, 0, "revoke-all");
	return ret;
}

static int unsupported(const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(last_error, sizeof(last_error), "Xen mode: ");
	va_start(ap, fmt);
	vsnprintf(last_error + n, sizeof(last_error) - n, fmt, ap);
	va_end(ap);
	return -EOPNOTSUPP;
}

/*
 * Xen mode's vxf_backend_startv(): the window is the dom0 backend's, of a
 * fixed size; the test uses its first --pages pages. Knobs the backend takes
 * at run time are reset, then set from @args; a window parameter that
 * differs from what was asked makes the start fail with -EOPNOTSUPP (the
 * test skips).
 */
static int xen_attach(struct vxf_backend *be, const char *const *args)
{
	static const char *const resets[] = {
		"storm 0", "hang off", "unfail", "delay 0",
	};
	char knobs[8][64], cache[8] = "";
	uint64_t pages = 0, map_pages = 0, timeout_ms = 0, first, count;
	unsigned int nknobs = 0, i;
	struct vxf_info in;
	int fd, ret, ms;

	be->xen = true;
	be->xs_fd = -1;
	be->devid = xen_devid();
	if (getenv("VXF_TEST_XEN_DEV"))
		snprintf(be->dev, sizeof(be->dev), "%s",
			 getenv("VXF_TEST_XEN_DEV"));
	else
		snprintf(be->dev, sizeof(be->dev), "/dev/vxf%u", be->devid);

	for (; args && *args; args++) {
		const char *a = args[0], *v = args[1];

		if (!strcmp(a, "--quiet") || !strcmp(a, "--no-answer"))
			v = NULL;
		else if (!v)
			return unsupported("%s without a value", a);
		if (!strcmp(a, "--quiet")) {
			continue;
		} else if (!strcmp(a, "--no-answer")) {
			snprintf(knobs[nknobs++], sizeof(knobs[0]), "hang on");
		} else if (!strcmp(a, "--pages")) {
			pages = strtoull(v, NULL, 0);
		} else if (!strcmp(a, "--map-pages")) {
			map_pages = strtoull(v, NULL, 0);
		} else if (!strcmp(a, "--timeout-ms")) {
			timeout_ms = strtoull(v, NULL, 0);
		} else if (!strcmp(a, "--cache")) {
			snprintf(cache, sizeof(cache), "%s", v);
		} else if (!strcmp(a, "--fail")) {
			if (sscanf(v, "%" SCNu64 ":%" SCNu64, &first,
				   &count) != 2)
				return unsupported("bad --fail %s", v);
			snprintf(knobs[nknobs++], sizeof(knobs[0]),
				 "fail %" PRIu64 " %" PRIu64, first, count);
		} else if (!strcmp(a, "--delay-us")) {
			snprintf(knobs[nknobs++], sizeof(knobs[0]), "delay %s",
				 v);
		} else if (!strcmp(a, "--storm-us")) {
			snprintf(knobs[nknobs++], sizeof(knobs[0]), "storm %s",
				 v);
		} else if (!strcmp(a, "--index") || !strcmp(a, "--seed") ||
			   !strcmp(a, "--ring-order")) {
			/* same device; no effect on what a test sees */
		} else {
			return unsupported("the dom0 backend takes no %s per test",
					   a);
		}
		if (nknobs == ARRAY_SIZE(knobs))
			return unsupported("too many options");
		if (v)
			args++;
	}

	fd = xen_wait_connected(be, &in);
	if (fd < 0)
		return fd;
	be->index = in.index;
	be->window_pages = in.window_pages;
	be->pages = pages ? pages : in.window_pages;
	ret = 0;
	if (pages > in.window_pages)
		ret = unsupported("needs %" PRIu64 " pages, the window has %llu",
				  pages, (unsigned long long)in.window_pages);
	else if (map_pages && map_pages != in.map_pages)
		ret = unsupported("needs map granule %" PRIu64 ", the window has %u",
				  map_pages, in.map_pages);
	else if (timeout_ms && timeout_ms < VXF_XEN_LONG_TIMEOUT_MS &&
		 timeout_ms != in.fault_timeout_ms)
		ret = unsupported("needs fault timeout %" PRIu64 " ms, the window has %u ms",
				  timeout_ms, in.fault_timeout_ms);
	else if (timeout_ms >= VXF_XEN_LONG_TIMEOUT_MS &&
		 in.fault_timeout_ms < VXF_XEN_LONG_TIMEOUT_MS)
		ret = unsupported("needs a fault timeout of %" PRIu64 " ms, the window has %u ms",
				  timeout_ms, in.fault_timeout_ms);
	else if (*cache && strcmp(cache, in.cache == VXF_CACHE_WC ? "wc" :
				  in.cache == VXF_CACHE_UC ? "uc" : "wb"))
		ret = unsupported("needs cache %s, the window has %u", cache,
				  in.cache);
	/*
	 * The frontend may call itself connected a little before the backend
	 * has mapped its rings ("err not connected"): wait for both.
	 */
	for (ms = 0; !ret; ms += 50) {
		char line[256];

		ret = vxf_backend_cmd(be, line, sizeof(line), "%s", resets[0]);
		if (ret != -EIO || !strstr(line, "not connected") ||
		    ms >= VXF_XEN_ATTACH_MS)
			break;
		ret = 0;
		sleep_ms(50);
	}
	for (i = 1; !ret && i < ARRAY_SIZE(resets); i++)
		ret = vxf_backend_cmd(be, NULL, 0, "%s", resets[i]);
	if (!ret)
		ret = xen_restore(be, fd);
	for (i = 0; !ret && i < nknobs; i++)
		ret = vxf_backend_cmd(be, NULL, 0, "%s", knobs[i]);
	close(fd);
	if (ret) {
		vxf_xs_close(be->xs_fd);
		be->xs_fd = -1;
	}
	return ret;
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
 * Returns 0, or -errno with vxf_backend_last_error() saying why; in Xen
 * mode -EOPNOTSUPP when the dom0 backend's window cannot be what @args ask.
 */
int vxf_backend_startv(struct vxf_backend *be, const char *const *args)
{
	char line[512];
	int cmd[2], reply[2], ret;

	memset(be, 0, sizeof(*be));
	be->cmd_fd = be->reply_fd = -1;
	if (vxf_xen_mode())
		return xen_attach(be, args);
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
	vxf_child_track(be->pid);
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
	if (be->xen) {
		if (!strcmp(cmd, "quit"))
			return 0;	/* the dom0 backend stays */
		ret = xen_cmd(be, cmd, line, sizeof(line));
		if (ret)
			return ret;
		goto got_line;
	}
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
	cmd[n - 1] = '\0';
got_line:
	if (reply)
		snprintf(reply, len, "%s", line);
	if (strncmp(line, "ok", 2)) {
		set_error("'%s' -> '%s'", cmd, line);
		return -EIO;
	}
	return 0;
}

/**
 * vxf_reply_field - the value of " @key=N" in a backend reply line
 * @line: the reply
 * @key: the field
 *
 * Return: N, or 0 if @line has no such field.
 */
uint64_t vxf_reply_field(const char *line, const char *key)
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
	st->maps = vxf_reply_field(line, "maps");
	st->map_pages = vxf_reply_field(line, "map_pages");
	st->map_errors = vxf_reply_field(line, "map_errors");
	st->revokes = vxf_reply_field(line, "revokes");
	st->revoke_done = vxf_reply_field(line, "revoke_done");
	st->revoked_pages = vxf_reply_field(line, "revoked_pages");
	st->resets = vxf_reply_field(line, "resets");
	st->unmaps = vxf_reply_field(line, "unmaps");
	st->kicks_in = vxf_reply_field(line, "kicks_in");
	st->kicks_out = vxf_reply_field(line, "kicks_out");
	st->granted = vxf_reply_field(line, "granted");
	st->bad_requests = vxf_reply_field(line, "bad_requests");
	st->hv_revoked_pages = vxf_reply_field(line, "hv_revoked_pages");
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
	vxf_child_untrack(be->pid);
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
	if (be->xen) {
		vxf_xs_close(be->xs_fd);
		be->xs_fd = -1;
		return 0;
	}
	if (!be->pid)
		return 0;
	vxf_backend_cmd(be, NULL, 0, "quit");
	close_fds(be);
	return reap(be, 10000);
}

/**
 * vxf_backend_kill - kill -9 the backend (a backend crash) and reap it
 *
 * Xen mode: the dom0 backend SIGKILLs itself ("die"); whoever runs it in
 * dom0 starts a new one.
 */
void vxf_backend_kill(struct vxf_backend *be)
{
	if (be->xen) {
		vxf_backend_cmd(be, NULL, 0, "die");
		vxf_xs_close(be->xs_fd);
		be->xs_fd = -1;
		return;
	}
	if (be->pid) {
		kill(be->pid, SIGKILL);
		waitpid(be->pid, NULL, 0);
		vxf_child_untrack(be->pid);
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

/*
 * VXF_IOC_STATS with the size rule: the structure zeroed, its size set; a
 * field the kernel does not have (it ends past st->size on return) stays 0.
 */
int vxf_stats(int fd, struct vxf_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return ioctl(fd, VXF_IOC_STATS, st) ? -errno : 0;
}

/* ---- catching a failed access --------------------------------------- */

/*
 * Our SIGBUS/SIGSEGV handler is in place only while some thread is inside
 * vxf_try_*(), and a fault it did not expect (another thread's, or outside
 * the access) goes on to the handler it replaced: the test harness's, which
 * reports the crash, or the default action.
 */
static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int fault_users;	/* threads in vxf_try_*(), fault_lock */
static struct sigaction prev_bus, prev_segv;	/* replaced, fault_lock */

static __thread sigjmp_buf fault_jmp;
static __thread volatile sig_atomic_t fault_armed;
static __thread volatile sig_atomic_t fault_sig;

static void fault_handler(int sig, siginfo_t *si, void *uc)
{
	const struct sigaction *prev = sig == SIGBUS ? &prev_bus : &prev_segv;

	if (fault_armed) {
		fault_armed = 0;
		fault_sig = sig;
		siglongjmp(fault_jmp, 1);
	}
	/* Not ours: to whoever had it before us. */
	if (prev->sa_flags & SA_SIGINFO) {
		prev->sa_sigaction(sig, si, uc);
		return;
	}
	if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
		prev->sa_handler(sig);
		return;
	}
	/* Die of it as if nobody had caught it. */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_begin(void)
{
	struct sigaction sa = {
		.sa_sigaction = fault_handler,
		.sa_flags = SA_SIGINFO,
	};

	sigemptyset(&sa.sa_mask);
	pthread_mutex_lock(&fault_lock);
	if (!fault_users++) {
		sigaction(SIGBUS, &sa, &prev_bus);
		sigaction(SIGSEGV, &sa, &prev_segv);
	}
	pthread_mutex_unlock(&fault_lock);
}

static void catch_end(void)
{
	pthread_mutex_lock(&fault_lock);
	if (!--fault_users) {
		sigaction(SIGBUS, &prev_bus, NULL);
		sigaction(SIGSEGV, &prev_segv, NULL);
	}
	pthread_mutex_unlock(&fault_lock);
}

/**
 * vxf_try_read64 - read a word, surviving SIGBUS and SIGSEGV
 * @p: the word
 * @out: its value on success
 *
 * The fault handler is in place for this access only; other faults reach
 * the handler that was there before.
 *
 * Returns false if the access raised a signal (vxf_last_fault_signal()).
 */
bool vxf_try_read64(volatile uint64_t *p, uint64_t *out)
{
	catch_begin();
	fault_sig = 0;
	if (sigsetjmp(fault_jmp, 1)) {
		catch_end();
		return false;
	}
	fault_armed = 1;
	*out = *p;
	fault_armed = 0;
	catch_end();
	return true;
}

/**
 * vxf_try_write64 - write a word, surviving SIGBUS and SIGSEGV
 */
bool vxf_try_write64(volatile uint64_t *p, uint64_t value)
{
	catch_begin();
	fault_sig = 0;
	if (sigsetjmp(fault_jmp, 1)) {
		catch_end();
		return false;
	}
	fault_armed = 1;
	*p = value;
	fault_armed = 0;
	catch_end();
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

/**
 * vxf_write_file - write @text to the existing file @path (sysfs, tracefs)
 * @path: the file
 * @text: what to write, in one write()
 *
 * Return: true if all of @text was written.
 */
bool vxf_write_file(const char *path, const char *text)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return false;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text);
}

/**
 * vxf_pat_type - the memory type x86 PAT tracks for a physical range
 * @start: its first byte
 * @end: one past its last
 * @type: set to the type of an entry covering the whole range, as the list
 *	spells it ("write-back", "uncached-minus", ...)
 * @size: of @type
 *
 * For a frame that is not RAM, the page table entry vmf_insert_pfn() makes
 * takes the type of the PAT entry covering it, uncached-minus if none
 * does. debugfs is mounted if it is not.
 *
 * Return: 1 if an entry of VXF_PAT_LIST covers [@start, @end), 0 if none
 * does, -errno if the list cannot be read (PAT off, no debugfs).
 */
int vxf_pat_type(unsigned long long start, unsigned long long end,
		 char *type, size_t size)
{
	unsigned long long s, e;
	char line[256], t[32];
	int found = 0;
	FILE *f;

	if (access(VXF_PAT_LIST, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	f = fopen(VXF_PAT_LIST, "r");
	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "PAT: [mem 0x%llx-0x%llx] %31s", &s, &e,
			   t) == 3 && s <= start && end <= e) {
			snprintf(type, size, "%s", t);
			found = 1;
		}
	fclose(f);
	return found;
}

/**
 * vxf_pin_cpu - pin the calling thread to one CPU
 * @cpu: the CPU
 *
 * Return: true if the thread now runs on @cpu alone (errno set if not).
 */
bool vxf_pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return !sched_setaffinity(0, sizeof(set), &set) &&
	       sched_getcpu() == cpu;
}

/**
 * vxf_counters_read - read a file of "name value" lines
 * @cs: filled in; lines of another shape are left out
 * @path: the file, e.g. VXF_ALLOCATIONS_PATH
 *
 * Return: 0, -errno if the file cannot be opened, -ENODATA if it holds
 * no counter.
 */
int vxf_counters_read(struct vxf_counters *cs, const char *path)
{
	char line[128];
	FILE *f = fopen(path, "r");

	cs->n = 0;
	if (!f)
		return -errno;
	while (cs->n < VXF_COUNTERS_MAX && fgets(line, sizeof(line), f)) {
		struct vxf_counter *c = &cs->c[cs->n];

		if (sscanf(line, "%47s %lld", c->name, &c->value) == 2)
			cs->n++;
	}
	fclose(f);
	return cs->n ? 0 : -ENODATA;
}

/**
 * vxf_counter_find - the value of counter @name
 * @cs: a reading
 * @name: the counter
 * @value: set if found
 *
 * Return: whether @cs has it.
 */
bool vxf_counter_find(const struct vxf_counters *cs, const char *name,
		      long long *value)
{
	unsigned int i;

	for (i = 0; i < cs->n; i++)
		if (!strcmp(cs->c[i].name, name)) {
			*value = cs->c[i].value;
			return true;
		}
	return false;
}
