// SPDX-License-Identifier: GPL-2.0
/*
 * One object of each type, for scripts/sizes to read their sizes off the
 * compiled object with nm -S.  Never loaded.
 */
#include <linux/child_barrier.h>
#include <linux/module.h>
#include <linux/rwsem.h>

struct child_barrier cb_sizeof_child_barrier;
struct rw_semaphore cb_sizeof_rw_semaphore;

MODULE_DESCRIPTION("sizeof(struct child_barrier) for scripts/sizes");
MODULE_LICENSE("GPL");
