// SPDX-License-Identifier: GPL-2.0
/*
 * loop_pte.c - VXF_LOOP_IOC_PTE: the page table entry behind a user address
 *
 * For tests of memory types. What a mapping asked for (vm_page_prot) is not
 * what it gets: on x86 with PAT, vmf_insert_pfn() puts in the memory type
 * the kernel tracks for the frame, whatever the VMA says. Only the entry
 * itself tells, so this reads it, as the CPU will, and names the memory
 * type its cache bits select.
 */

#include <linux/mm.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "loop.h"

#ifdef CONFIG_X86
#include <asm/memtype.h>

/* The memory type that 4 KiB-format cache bits @val select. */
static u32 vxf_loop_cache_of(pgprotval_t val)
{
	/* Without PAT, WC and UC- have the same cache bits. */
	if (!pat_enabled())
		return VXF_LOOP_CACHE_UNKNOWN;
	val &= _PAGE_CACHE_MASK;
	if (val == cachemode2protval(_PAGE_CACHE_MODE_WB))
		return VXF_CACHE_WB;
	if (val == cachemode2protval(_PAGE_CACHE_MODE_WC))
		return VXF_CACHE_WC;
	if (val == cachemode2protval(_PAGE_CACHE_MODE_UC_MINUS) ||
	    val == cachemode2protval(_PAGE_CACHE_MODE_UC))
		return VXF_CACHE_UC;
	return VXF_LOOP_CACHE_OTHER;
}

/* A present 2 MiB entry mapping @addr, if there is one; mmap lock held. */
static bool vxf_loop_pmd_leaf(struct mm_struct *mm, unsigned long addr,
			      pmd_t *leaf)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;
	pmd_t pmd;

	if (pgd_none(*pgd) || pgd_bad(*pgd))
		return false;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d) || p4d_bad(*p4d))
		return false;
	pud = pud_offset(p4d, addr);
	if (pud_none(*pud) || pud_bad(*pud))
		return false;
	pmd = READ_ONCE(*pmd_offset(pud, addr));
	if (!pmd_present(pmd) || !pmd_leaf(pmd))
		return false;
	*leaf = pmd;
	return true;
}

long vxf_loop_pte(struct vxf_loop_pte __user *uarg)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct vxf_loop_pte p;
	unsigned long pfn;
	pgprot_t prot;
	pmd_t pmd;
	int err = 0;

	if (copy_from_user(&p, uarg, sizeof(p)))
		return -EFAULT;
	p = (struct vxf_loop_pte){ .addr = p.addr };
	mmap_read_lock(mm);
	vma = vma_lookup(mm, p.addr);
	if (!vma || !(vma->vm_flags & VM_PFNMAP)) {
		err = -EINVAL;
	} else if (vxf_loop_pmd_leaf(mm, p.addr, &pmd)) {
		p.present = 1;
		p.huge = 1;
		p.cache = vxf_loop_cache_of(protval_large_2_4k(pmd_flags(pmd)));
		p.pfn = pmd_pfn(pmd) + ((p.addr & ~PMD_MASK) >> PAGE_SHIFT);
	} else if (!vxf_follow_pte(vma, p.addr, &prot, &pfn)) {
		p.present = 1;
		p.cache = vxf_loop_cache_of(pgprot_val(prot));
		p.pfn = pfn;
	}
	mmap_read_unlock(mm);
	if (err)
		return err;
	return copy_to_user(uarg, &p, sizeof(p)) ? -EFAULT : 0;
}
#else
long vxf_loop_pte(struct vxf_loop_pte __user *uarg)
{
	return -EOPNOTSUPP;
}
#endif
