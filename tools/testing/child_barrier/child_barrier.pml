/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Promela model of the child_barrier protocol, lib/child_barrier.c, as the
 * code implements it: one counter with a dead bias.  scripts/spin-model of
 * the child_barrier workbench runs every check below; by hand, the
 * assertions and end states:
 *
 *	spin -a child_barrier.pml
 *	gcc -O2 -DNOCLAIM -DSAFETY pan.c -o pan && ./pan -m100000
 *
 * and one LTL property at a time, p1 ... p5 (p4 with -f, weak fairness):
 *
 *	spin -DLTL -a child_barrier.pml
 *	gcc -O2 pan.c -o pan && ./pan -a -m100000 -N p1
 *
 * Each must end with "errors: 0" after a full search.  spin -DMUTANT_xxx
 * builds a broken variant instead, which must give a counterexample:
 *
 *	IDLE_BEFORE_BIAS	the drain reads the count before it adds the
 *				bias, and trusts it (p1)
 *	BEGIN_RACY		begin tests the count, then increments (p2)
 *	BEGIN_INC_FIRST		begin increments, then backs out if dead (p5)
 *	CLAIM_RACY		the drain tests the count, then adds the bias (p3)
 *	DRAINED_EARLY		DRAINED is set before the teardown (p3)
 *	WAKE_BEFORE_DEC		end wakes, then decrements (p4)
 *	WAKE_AT_ZERO		end wakes when the count is back to zero, as
 *				if it were never biased (p4)
 *	SKIP_WAITING		the second drain does not set WAITING (p4)
 *	TEST_WAITING_FIRST	the first drain tests WAITING before it sets
 *				DRAINED (p4)
 *	NO_RECHECK		the wait checks, then queues and sleeps
 *				without checking again (p4)
 *
 * What is modelled, each step one Promela statement (an atomic step) where
 * the C has one atomic access:
 *
 * - the counter, the bias and the dead limit, the WAITING and DRAINED bits
 *   of b->state;
 * - NOPS ops, each one begin_child_op() and, if it succeeds, one
 *   end_child_op(); on one counter it does not matter on which CPU;
 * - NDRAINS concurrent drain_and_unregister() calls, one of which adds the
 *   bias and the other waits for the DRAINED bit;
 * - wait_var_event_timeout() and wake_up_var() as include/linux/wait_bit.h
 *   and kernel/sched/wait*.c implement them: the condition checked once,
 *   then prepare_to_wait_event() (on the wait queue, task state set), the
 *   condition again, schedule(), which sleeps until a wake-up sets the task
 *   running again, and finish_wait(); wake_up_var() checks
 *   waitqueue_active() without the lock, then wakes every waiter of its
 *   variable under the lock (autoremove_wake_function()).
 *
 * What is not modelled: child_barrier_init(), child_barrier_init_dead() and
 * child_barrier_arm() (they run with no drain), lockdep, the one report
 * after CHILD_BARRIER_REPORT_SECS, and the timeout itself: the wait here
 * sleeps until woken, so a lost wake-up is a drain that never returns.  The
 * model is sequentially consistent: the barriers that the C code needs on a
 * weakly ordered CPU are named in comments and in
 * Documentation/core-api/child_barrier.rst.
 *
 * The values are scaled down: CHILD_BARRIER_DEAD_BIAS is LONG_MIN / 2 and
 * CHILD_BARRIER_DEAD_LIMIT LONG_MIN / 4, here -16 and -8; what matters is
 * that a live count stays above the limit (here at most NOPS) and a dead one
 * below it.
 *
 * Properties, as assertions (checked with -DNOCLAIM, with end states) and as
 * LTL formulas p1 ... p5 (one pan run each):
 *
 * p1: the teardown never runs while an op is inside;
 * p2: no begin succeeds once the drain has added the bias;
 * p3: the teardown runs at most once, and a drain returns only after it
 *     has finished;
 * p4: every drain returns (no lost wake-up; as an assertion run: no invalid
 *     end state, i.e. no drain asleep for good once everything else ended);
 * p5: the count is always the ops inside plus the biases added, so a begin
 *     that fails never changes what the drain waits for.
 */

#define NOPS		3
#define NDRAINS		2

#define BIAS		(-16)	/* CHILD_BARRIER_DEAD_BIAS */
#define LIMIT		(-8)	/* CHILD_BARRIER_DEAD_LIMIT */

/* The two variables drains wait on, and "on no wait queue". */
#define VAR_NONE	0
#define VAR_B		1	/* wake_up_var(b): the first drain's wait */
#define VAR_STATE	2	/* wake_up_var(&b->state): the second's */

/* struct child_barrier */
short count;			/* b->count */
bool waiting;			/* CHILD_BARRIER_WAITING in b->state */
bool drained;			/* CHILD_BARRIER_DRAINED in b->state */

/*
 * Per drain: the variable whose (hashed) wait queue its wait_bit_queue_entry
 * is on, VAR_NONE if on none, and whether its task state is
 * TASK_UNINTERRUPTIBLE (set by prepare_to_wait_event(), cleared by a wake-up
 * or finish_wait()).  The two variables are taken to hash to different wait
 * queues: on the same one, waitqueue_active() would only be true more often.
 */
byte queued[NDRAINS];
bool sleeping[NDRAINS];

/* Ghost state for the properties; the C code has none of it. */
byte inside;			/* ops between a successful begin and their end */
byte nbias;			/* biases added to the counter */
bool killed;			/* the drain has added the bias */
byte late;			/* begins that succeeded once killed */
bool in_teardown;
byte teardowns;			/* teardowns started */
bool torn_down;			/* the teardown has finished */
byte returned;			/* drains returned */
byte finished;			/* ops done: begin failed, or ended */

/*
 * The assertions; spin -DLTL leaves them out, so that a pan run with -N pN
 * checks that one property alone.
 */
#ifndef LTL
#define ASSERT_P1(e)	assert(e)
#define ASSERT_P2(e)	assert(e)
#define ASSERT_P3(e)	assert(e)
#define ASSERT_P5(e)	assert(e)
#else
#define ASSERT_P1(e)	skip
#define ASSERT_P2(e)	skip
#define ASSERT_P3(e)	skip
#define ASSERT_P5(e)	skip
#endif
/* p5 where the count changes: it counts the ops inside and the biases */
#define CHECK_SUM	ASSERT_P5(count == inside + nbias * BIAS)

ltl p1 { [] (in_teardown -> inside == 0) }
ltl p2 { [] (late == 0) }
ltl p3 { [] (teardowns <= 1 && (returned > 0 -> torn_down)) }
ltl p4 { [] (finished == NOPS -> <> (returned == NDRAINS)) }
ltl p5 { [] (count == inside + nbias * BIAS) }

/*
 * wake_up_var(var) -> __wake_up_bit(): waitqueue_active() without the lock,
 * then __wake_up() under the lock: var_wake_function() ->
 * autoremove_wake_function() for every entry of @var whose task is not
 * running (try_to_wake_up() sets TASK_RUNNING, the entry leaves the queue).
 */
inline wake_up_var(var)
{
	if
	:: queued[0] == var || queued[1] == var ->
		d_step {
			if
			:: queued[0] == var && sleeping[0] ->
				sleeping[0] = false;
				queued[0] = VAR_NONE
			:: else
			fi;
			if
			:: queued[1] == var && sleeping[1] ->
				sleeping[1] = false;
				queued[1] = VAR_NONE
			:: else
			fi
		}
	:: else
	fi
}

/*
 * child_barrier_idle(): one acquire read of the counter.
 */
inline idle(res)
{
	/* WARN_ON_ONCE(v < BIAS): no end without a begin here */
	ASSERT_P5(count >= BIAS);
	res = (count <= BIAS)
}

/* The condition of child_barrier_wait(). */
inline wait_cond(first, res)
{
	if
	:: first ->
		idle(res)
	:: else ->
		res = drained	/* child_barrier_drained(): test_bit_acquire() */
	fi
}

/*
 * child_barrier_wait(b, first): wait_var_event_timeout(var, cond, ...),
 * which is ___wait_var_event() after a first check of the condition, and
 * after the report the same again without a timeout, wait_var_event():
 * with the timeout not modelled, both are this.
 */
inline child_barrier_wait(d, first)
{
	wait_cond(first, res);
	if
	:: res
	:: else ->
		/* ___wait_var_event() */
		do
		::
#ifndef MUTANT_NO_RECHECK
			/* prepare_to_wait_event(): queue, set_current_state() */
			atomic {
				queued[d] = (first -> VAR_B : VAR_STATE);
				sleeping[d] = true
			}
			wait_cond(first, res);
			if
			:: res -> break
			:: else
			fi;
#else
			/* Check, then queue and sleep without checking again. */
			wait_cond(first, res);
			if
			:: res -> break
			:: else
			fi;
			atomic {
				queued[d] = (first -> VAR_B : VAR_STATE);
				sleeping[d] = true
			}
#endif
			/* schedule_timeout(): runs on once woken */
			!sleeping[d]
		od;
		/* finish_wait() */
		atomic {
			sleeping[d] = false;
			queued[d] = VAR_NONE
		}
	fi;
	res = false
}

/* drain_and_unregister(b, teardown, arg), called by drain @d. */
proctype drain(byte d)
{
	short old;
	bool res;
	bool ok;

#ifdef MUTANT_IDLE_BEFORE_BIAS
	/* The ops counted before the bias, and that count trusted. */
	res = (count <= 0);
#endif
	old = count;			/* atomic_long_read(&b->count) */
#ifndef MUTANT_CLAIM_RACY
	do
	:: old < LIMIT ->
		goto second
	:: else ->
		/* atomic_long_try_cmpxchg(&b->count, &old, old + BIAS) */
		d_step {
			if
			:: count == old ->
				count = old + BIAS;
				nbias++;
				killed = true;
				CHECK_SUM;
				ok = true
			:: else ->
				old = count;
				ok = false
			fi
		}
		if
		:: ok -> break
		:: else
		fi
	od;
#else
	/* Test, then add: two drains may both see the count live. */
	if
	:: old < LIMIT -> goto second
	:: else
	fi;
	d_step {
		count = count + BIAS;
		nbias++;
		killed = true;
		CHECK_SUM
	}
#endif
	/*
	 * The first drain: if (old) child_barrier_wait(b, true, ...); the
	 * fully ordered cmpxchg read @old ops inside.
	 */
#ifndef MUTANT_IDLE_BEFORE_BIAS
	res = (old == 0);
#endif
	old = 0;
	ok = false;

	if
	:: !res ->
		child_barrier_wait(d, true)
	:: else
	fi;
	res = false;

#ifdef MUTANT_DRAINED_EARLY
	/* DRAINED set before the teardown runs. */
	drained = true;
#endif
	/* teardown(arg) */
	d_step {
		ASSERT_P1(inside == 0);
		ASSERT_P3(teardowns == 0);
		in_teardown = true;
		teardowns++
	}
	d_step {
		in_teardown = false;
		torn_down = true
	}

#ifndef MUTANT_TEST_WAITING_FIRST
	/* state = xchg(&b->state, BIT(CHILD_BARRIER_DRAINED)) */
	d_step {
		ok = waiting;
		waiting = false;
		drained = true
	}
	/* if (state & BIT(CHILD_BARRIER_WAITING)) */
	if
	:: ok ->
		wake_up_var(VAR_STATE)	/* wake_up_var(&b->state) */
	:: else
	fi;
	ok = false;
#else
	/* WAITING tested before DRAINED is set. */
	ok = waiting;
	drained = true;
	if
	:: ok ->
		wake_up_var(VAR_STATE)
	:: else
	fi;
	ok = false;
#endif
	goto out;

second:
	/* Another drain is first: wait until it is done. */
	old = 0;
#ifndef MUTANT_SKIP_WAITING
	/* set_bit(CHILD_BARRIER_WAITING): a read-modify-write of the word */
	waiting = true;
#endif
	/* if (!child_barrier_drained(b)) child_barrier_wait(b, false, ...) */
	child_barrier_wait(d, false);
out:
	skip;
	d_step {
		ASSERT_P3(torn_down);
		returned++
	}
}

/* begin_child_op(b) and, if it succeeded, end_child_op(b). */
proctype op()
{
	short old;
	bool ok;

	old = count;			/* atomic_long_read(&b->count) */
#if defined(MUTANT_BEGIN_RACY)
	/* Test, then increment: the bias may come in between. */
	if
	:: old < LIMIT -> goto failed
	:: else
	fi;
	d_step {
		count++;
		inside++;
		CHECK_SUM;
		ASSERT_P2(!killed);
		late = late + killed
	}
#elif defined(MUTANT_BEGIN_INC_FIRST)
	/* atomic_long_inc_return(), then back out with a decrement if dead. */
	d_step {
		count++;
		old = count;
		if
		:: old >= LIMIT ->
			inside++;
			ASSERT_P2(!killed);
			late = late + killed
		:: else
		fi;
		CHECK_SUM
	}
	if
	:: old < LIMIT ->
		count--;
		goto failed
	:: else
	fi;
#else
	do
	:: old < LIMIT ->
		goto failed		/* return false */
	:: else ->
		/* atomic_long_try_cmpxchg(&b->count, &old, old + 1) */
		d_step {
			if
			:: count == old ->
				count = old + 1;
				inside++;
				CHECK_SUM;
				ASSERT_P2(!killed);
				late = late + killed;
				ok = true
			:: else ->
				old = count;
				ok = false
			fi
		}
		if
		:: ok -> break
		:: else
		fi
	od;
#endif
	old = 0;
	ok = false;

	/* end_child_op(): v = atomic_long_dec_return(&b->count) */
#ifndef MUTANT_WAKE_BEFORE_DEC
	d_step {
		count--;
		old = count;
		inside--;
		CHECK_SUM
	}
	if
#ifndef MUTANT_WAKE_AT_ZERO
	:: old == BIAS ->
#else
	:: old == 0 ->
#endif
		wake_up_var(VAR_B)	/* wake_up_var(b) */
	:: else
	fi;
#else
	/* Wake, then decrement. */
	if
	:: count - 1 == BIAS ->
		wake_up_var(VAR_B)
	:: else
	fi;
	d_step {
		count--;
		inside--;
		CHECK_SUM
	}
#endif
	goto done;

failed:
done:
	skip;
	d_step {
		old = 0;
		finished++
	}
}

init
{
	atomic {
		run drain(0);
		run drain(1);
		run op();
		run op();
		run op()
	}
}
