// SPDX-License-Identifier: GPL-2.0
/*
 * inject.c - fault injection through module parameters, for the tests
 *
 * Each parameter is a budget: writing N makes the next N passes through its
 * site fail, as the real failure would, and each failure taken counts one
 * off (reading the parameter shows what is left). The sites:
 *
 *  inject_alloc    a chunk allocation on the fault path (the fault returns
 *                  VM_FAULT_OOM and the access is retried);
 *  inject_map      the transport's mapping of a MAP answer's references (a
 *                  grant map in Xen mode): the MAP fails, the access gets
 *                  SIGBUS, the device goes on;
 *  inject_timeout  a fault's wait for its MAP: it gives up at once, as if
 *                  the fault timeout had passed; the late answer is dropped.
 *  inject_unmap    the transport's release of taken pages (loop mode): the
 *                  transport keeps them, as if a grant unmap had failed,
 *                  until its backend goes; the REVOKE or RESET that took
 *                  them is answered -XEN_EIO.
 *  inject_retype   giving frames the memory type of a write-combined or
 *                  uncached mapping (cache.c): refused, as PAT refuses a
 *                  conflicting type; the access gets SIGBUS.
 *
 * Budgets are global (every device). Failures taken are counted in
 * <debugfs>/vxf/allocations as injected_<site>. The Debian kernels this
 * driver is built for have no CONFIG_FAULT_INJECTION, hence parameters
 * rather than fault_attr.
 */

#include <linux/atomic.h>
#include <linux/moduleparam.h>

#include "vxf.h"

static atomic_t vxf_inject_budget[VXF_INJECT_NR];
atomic_long_t vxf_injected[VXF_INJECT_NR];

/**
 * vxf_inject() - whether this pass through @site must fail
 * @site: the site
 *
 * The loop test module's transport honours VXF_INJECT_UNMAP too.
 *
 * Context: any.
 * Return: true (and one less in the budget) if a failure was asked for.
 */
bool vxf_inject(enum vxf_inject_site site)
{
	if (!atomic_add_unless(&vxf_inject_budget[site], -1, 0))
		return false;
	atomic_long_inc(&vxf_injected[site]);
	return true;
}
EXPORT_SYMBOL_NS_GPL(vxf_inject, VIRTIO_XEN_FAULT);

static int vxf_inject_set(const char *val, const struct kernel_param *kp)
{
	atomic_t *budget = kp->arg;
	unsigned int n;
	int err;

	err = kstrtouint(val, 0, &n);
	if (err)
		return err;
	if (n > INT_MAX)
		return -EINVAL;
	atomic_set(budget, n);
	return 0;
}

static int vxf_inject_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read((atomic_t *)kp->arg));
}

static const struct kernel_param_ops vxf_inject_ops = {
	.set = vxf_inject_set,
	.get = vxf_inject_get,
};

module_param_cb(inject_alloc, &vxf_inject_ops,
		&vxf_inject_budget[VXF_INJECT_ALLOC], 0600);
MODULE_PARM_DESC(inject_alloc,
		 "Testing: fail the next N chunk allocations of the fault path");
module_param_cb(inject_map, &vxf_inject_ops,
		&vxf_inject_budget[VXF_INJECT_MAP], 0600);
MODULE_PARM_DESC(inject_map,
		 "Testing: fail the transport mapping of the next N MAP answers");
module_param_cb(inject_timeout, &vxf_inject_ops,
		&vxf_inject_budget[VXF_INJECT_TIMEOUT], 0600);
MODULE_PARM_DESC(inject_timeout,
		 "Testing: time out the next N fault waits at once");
module_param_cb(inject_unmap, &vxf_inject_ops,
		&vxf_inject_budget[VXF_INJECT_UNMAP], 0600);
MODULE_PARM_DESC(inject_unmap,
		 "Testing: make the loop transport keep the pages of its next N releases");
module_param_cb(inject_retype, &vxf_inject_ops,
		&vxf_inject_budget[VXF_INJECT_RETYPE], 0600);
MODULE_PARM_DESC(inject_retype,
		 "Testing: refuse the next N changes of frames to a write-combined or uncached type");
