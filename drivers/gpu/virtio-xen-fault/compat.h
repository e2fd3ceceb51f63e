/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - the differences between the kernels the driver builds against
 *
 * Every version test of the driver lives here, so that the code itself reads
 * as it would upstream (against the newest kernel).
 */

#ifndef _VXF_COMPAT_H
#define _VXF_COMPAT_H

#include <linux/mm.h>
#include <linux/pfn_t.h>
#include <linux/version.h>

/* vm_flags became read-only behind helpers in 6.3. */
static inline void vxf_vm_flags_set(struct vm_area_struct *vma,
				    vm_flags_t flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

static inline void vxf_vm_flags_clear(struct vm_area_struct *vma,
				      vm_flags_t flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

/*
 * Drop whichever lock the fault was taken under: since 6.7 a file fault may
 * hold only the per-VMA lock, before that it always holds the mmap lock.
 */
static inline void vxf_release_fault_lock(struct vm_fault *vmf)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	release_fault_lock(vmf);
#else
	mmap_read_unlock(vmf->vma->vm_mm);
#endif
}

/* ->huge_fault() took an enum page_entry_size before 6.6, an order since. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define VXF_HUGE_FAULT_ARGS	struct vm_fault *vmf, unsigned int order
#define VXF_HUGE_FAULT_IS_PMD	(order == PMD_ORDER)
#else
#define VXF_HUGE_FAULT_ARGS	struct vm_fault *vmf, enum page_entry_size pe_size
#define VXF_HUGE_FAULT_IS_PMD	(pe_size == PE_SIZE_PMD)
#endif

/* vmf_insert_pfn_pmd() takes a pfn_t on the kernels named in the README. */
static inline vm_fault_t vxf_insert_pfn_pmd(struct vm_fault *vmf,
					    unsigned long pfn, bool write)
{
	return vmf_insert_pfn_pmd(vmf, pfn_to_pfn_t(pfn), write);
}

/*
 * The protection and frame of the present PTE that maps @addr in @vma, a
 * VM_PFNMAP mapping, mmap lock held: follow_pfnmap_start() replaced
 * follow_pte() in 6.12. -ENOENT when no PTE maps it.
 */
static inline int vxf_follow_pte(struct vm_area_struct *vma,
				 unsigned long addr, pgprot_t *prot,
				 unsigned long *pfn)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	struct follow_pfnmap_args args = { .vma = vma, .address = addr };

	if (follow_pfnmap_start(&args))
		return -ENOENT;
	*prot = args.pgprot;
	*pfn = args.pfn;
	follow_pfnmap_end(&args);
#else
	spinlock_t *ptl;
	pte_t *ptep;

	if (follow_pte(vma->vm_mm, addr, &ptep, &ptl))
		return -ENOENT;
	*prot = pte_pgprot(*ptep);
	*pfn = pte_pfn(*ptep);
	pte_unmap_unlock(ptep, ptl);
#endif
	return 0;
}

#endif /* _VXF_COMPAT_H */
