package dev.reliability.circuitbreaker;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;

/**
 * A breaker's hot-path totals (successes and rejections), counted in a fixed number of striped cells, so that memory
 * grows with the cores, not with the threads that call the breaker, and threads on different cores mostly write
 * different cache lines.
 *
 * <p>A thread's stripe is chosen from its identity hash code, a per-thread probe that is computed once and kept in the
 * object header: reading it is a few instructions, and it needs no thread-local. Each cell has two halves on separate
 * cache lines:
 *
 * <ul>
 *   <li>an <em>owned</em> half, written only by the thread that owns the cell, with a plain read and a release store
 *       (no atomic read-modify-write), and
 *   <li>a <em>shared</em> half, added to atomically by any other thread whose stripe it is.
 * </ul>
 *
 * A thread owns the cell of its stripe when it was the first to use it, or else the first cell it finds free in the
 * other stripes: so up to {@link #STRIPES} threads (a benchmark, a small pool) each write their own cell with plain
 * stores. Once a search finds every stripe owned by another thread, the table is marked {@linkplain #full full}, and
 * from then on a thread that does not own its stripe's cell adds to that cell's shared half straight away, without
 * searching: hundreds of platform threads, or thousands of virtual threads, pay one owner check and one atomic
 * addition, with contention spread over the stripes like a {@link java.util.concurrent.atomic.LongAdder}'s (a thread
 * that owns a cell outside its stripe counts in its stripe's shared half too while the table is full). An owner that
 * has ended frees its cell: one in {@link #CLAIM_EVERY} shared additions checks the owner, and takes the cell over if
 * it has ended; the new owner continues from the ended owner's exact counts (a thread's end happens-before
 * {@link Thread#isAlive()} returning false; a cleared reference to it means a garbage collection, which stops every
 * thread, ran after it ended).
 *
 * <p>The owner is identified on the hot path by its thread id, which the JDK never hands to two threads, and is
 * otherwise held only through a {@link WeakReference}, for the liveness check: a breaker keeps no ended thread
 * reachable, so its memory does not depend on how many threads have come and gone (virtual threads included). The id
 * is read with {@code Thread.threadId()}, which is final, where the JDK has it (19 and later); on 17 and 18 with
 * {@link Thread#getId()}, which a {@code Thread} subclass could override to return another thread's id (it would then
 * lose counts).
 *
 * <p>Sums are exact once the counting threads have stopped (and their last calls happen-before the read): a reader
 * adds the base and both halves of every cell with acquire loads. Memory, per breaker: the stripe table and at most
 * {@link #STRIPES} cells of about 250 bytes with a weak reference each, created on first use.
 */
final class StripedCounters {
    private static final VarHandle OWNER_ID;
    private static final VarHandle OWNER;
    private static final VarHandle SUCCESSES;
    private static final VarHandle REJECTED;
    private static final VarHandle SHARED_SUCCESSES;
    private static final VarHandle SHARED_REJECTED;
    private static final VarHandle STRIPE = MethodHandles.arrayElementVarHandle(Cell[].class);
    /** {@code Thread.threadId()} where the JDK has it, else {@code getId()}: a constant the JIT inlines. */
    private static final MethodHandle THREAD_ID = threadIdHandle();

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            OWNER_ID = lookup.findVarHandle(OwnerField.class, "ownerId", long.class);
            OWNER = lookup.findVarHandle(OwnerField.class, "owner", WeakReference.class);
            SUCCESSES = lookup.findVarHandle(Owned.class, "successes", long.class);
            REJECTED = lookup.findVarHandle(Owned.class, "rejected", long.class);
            SHARED_SUCCESSES = lookup.findVarHandle(Shared.class, "sharedSuccesses", long.class);
            SHARED_REJECTED = lookup.findVarHandle(Shared.class, "sharedRejected", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static MethodHandle threadIdHandle() {
        MethodType type = MethodType.methodType(long.class);
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "threadId", type);
        } catch (NoSuchMethodException beforeJdk19) {
            try {
                return MethodHandles.publicLookup().findVirtual(Thread.class, "getId", type);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        } catch (IllegalAccessException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The thread's id, never handed to another thread. */
    static long threadId(Thread thread) {
        try {
            return (long) THREAD_ID.invokeExact(thread);
        } catch (Throwable e) {
            throw new AssertionError("Thread's id accessor threw", e);
        }
    }

    /** Cells per breaker: four per core, at least 4 and at most 64, a power of two. */
    static final int STRIPES = stripes(Runtime.getRuntime().availableProcessors());

    /** One shared addition in this many checks whether the cell's owner has ended; a power of two. */
    static final int CLAIM_EVERY = 128;

    private final Cell[] cells = new Cell[STRIPES];
    private volatile long baseSuccesses;
    private volatile long baseRejected;

    /**
     * Set once a search found every stripe owned by another thread: threads that do not own their stripe's cell stop
     * searching and count in its shared half. Only ever set (a hint, written at most once per thread that searches);
     * cells whose owners end are taken over through the shared halves, so the table stays owned.
     */
    private volatile boolean full;

    static int stripes(int processors) {
        int wanted = Math.max(4, Math.min(64, 4 * processors));
        return Integer.highestOneBit(wanted - 1) << 1;
    }

    /** The stripe of a thread: its identity hash (Thread does not override hashCode), mixed. */
    private static int stripe(Thread thread) {
        int h = thread.hashCode();
        return (h ^ (h >>> 16)) & (STRIPES - 1);
    }

    /** Counts a success for the calling thread; returns the count it wrote (see {@link ClockSampler}). */
    long addSuccess() {
        Thread thread = Thread.currentThread();
        long id = threadId(thread);
        Cell cell = cells[stripe(thread)];
        if (cell != null) {
            if (cell.ownerId == id) {
                long next = cell.successes + 1;
                SUCCESSES.setRelease(cell, next);
                return next;
            }
            if (full) {
                return cell.addSharedSuccess(thread, id);
            }
        }
        return find(thread, id).addSuccess(thread, id);
    }

    /** The cell the calling thread counts in: one it owns if it has one, else the cell of its stripe. */
    Cell cell() {
        Thread thread = Thread.currentThread();
        long id = threadId(thread);
        Cell cell = cells[stripe(thread)];
        if (cell != null && (cell.ownerId == id || full)) {
            return cell;
        }
        return find(thread, id);
    }

    /**
     * Until the table is full, looks through every stripe, starting with the thread's own, for a cell it owns,
     * creating one in the first empty stripe; a few more loads on this path cost far less than the atomic addition
     * they avoid (with only the neighbouring stripe searched, one JMH fork in three at one or two threads found both
     * taken and ran five times slower). Once every stripe is owned by another thread, the search would find nothing
     * but cost a load per stripe on every call (8 of them cost 40 % at 64 threads): the thread counts in its own
     * stripe's cell.
     */
    private Cell find(Thread thread, long id) {
        int home = stripe(thread);
        Cell own = cellAt(home, thread, id);
        if (own.ownerId == id || full) {
            return own;
        }
        for (int i = 1; i < STRIPES; i++) {
            Cell cell = cellAt(home ^ i, thread, id);
            if (cell.ownerId == id) {
                return cell;
            }
        }
        full = true;
        return own;
    }

    /** The cell of a stripe, created (and owned by {@code thread}) if the stripe has none yet. */
    private Cell cellAt(int stripe, Thread thread, long id) {
        Cell cell = (Cell) STRIPE.getAcquire(cells, stripe);
        if (cell != null) {
            return cell;
        }
        Cell created = new Cell(thread, id);
        Cell witness = (Cell) STRIPE.compareAndExchangeRelease(cells, stripe, null, created);
        return witness == null ? created : witness;
    }

    /** The success total: exact once the counting threads have stopped. */
    long successes() {
        long sum = baseSuccesses;
        for (int i = 0; i < STRIPES; i++) {
            Cell cell = (Cell) STRIPE.getAcquire(cells, i);
            if (cell != null) {
                sum += (long) SUCCESSES.getAcquire(cell) + (long) SHARED_SUCCESSES.getAcquire(cell);
            }
        }
        return sum;
    }

    /** The rejection total: exact once the counting threads have stopped. */
    long rejected() {
        long sum = baseRejected;
        for (int i = 0; i < STRIPES; i++) {
            Cell cell = (Cell) STRIPE.getAcquire(cells, i);
            if (cell != null) {
                sum += (long) REJECTED.getAcquire(cell) + (long) SHARED_REJECTED.getAcquire(cell);
            }
        }
        return sum;
    }

    /**
     * Sets both totals to zero by making the base cancel what the cells hold now. Counts added concurrently are kept,
     * as a {@link java.util.concurrent.atomic.LongAdder#reset()} would keep them.
     */
    @SuppressWarnings("NonAtomicVolatileUpdate") // like LongAdder.reset, not atomic against concurrent counts or resets
    void reset() {
        baseSuccesses -= successes();
        baseRejected -= rejected();
    }

    /** How many cells exist, for tests: never more than {@link #STRIPES}, however many threads counted. */
    int cellCount() {
        int count = 0;
        for (int i = 0; i < STRIPES; i++) {
            if (STRIPE.getAcquire(cells, i) != null) {
                count++;
            }
        }
        return count;
    }

    /**
     * The owner, on a cache line of its own: other threads read it on every call that looks for their cell, and the
     * owner's counts, written on every call, sit a line further on, so those reads never miss on the owner's writes.
     * The id is what the hot path compares; the weak reference, changed first on a takeover, is only for the liveness
     * check, so that an ended owner is not kept reachable.
     */
    abstract static class OwnerField {
        volatile long ownerId;
        volatile WeakReference<Thread> owner;
    }

    /** Cache-line padding between the owner and the owned half. */
    @SuppressWarnings("unused")
    abstract static class LeadingPad extends OwnerField {
        private long pad0;
        private long pad1;
        private long pad2;
        private long pad3;
        private long pad4;
        private long pad5;
        private long pad6;
        private long pad7;
    }

    /** The counts only the owner writes; fields of a superclass are laid out before a subclass's. */
    abstract static class Owned extends LeadingPad {
        long successes;
        long rejected;
    }

    /** Padding between the halves, so shared additions never invalidate the owner's line. */
    @SuppressWarnings("unused")
    abstract static class MiddlePad extends Owned {
        private long pad10;
        private long pad11;
        private long pad12;
        private long pad13;
        private long pad14;
        private long pad15;
        private long pad16;
        private long pad17;
    }

    /** The counts every other thread of the stripe adds to atomically. */
    abstract static class Shared extends MiddlePad {
        long sharedSuccesses;
        long sharedRejected;
    }

    /** One stripe's cell, padded after the shared half too. */
    @SuppressWarnings("unused")
    static final class Cell extends Shared {
        private long pad20;
        private long pad21;
        private long pad22;
        private long pad23;
        private long pad24;
        private long pad25;
        private long pad26;
        private long pad27;

        Cell(Thread owner, long ownerId) {
            OWNER.setRelease(this, new WeakReference<>(owner));
            OWNER_ID.setRelease(this, ownerId);
        }

        /**
         * A count of the rejections through this cell that changes by one with each of the caller's rejections, for
         * {@link ClockSampler#shouldSample}: plain reads, no write.
         */
        long rejectedHint() {
            return rejected + sharedRejected;
        }

        long addSuccess(Thread thread, long id) {
            if (ownerId == id) {
                long next = successes + 1;
                SUCCESSES.setRelease(this, next);
                return next;
            }
            return addSharedSuccess(thread, id);
        }

        /** Adds a success to the shared half, for a thread that does not own the cell. */
        long addSharedSuccess(Thread thread, long id) {
            long next = (long) SHARED_SUCCESSES.getAndAdd(this, 1L) + 1;
            claimIfEnded(next, thread, id);
            return next;
        }

        /** Counts a rejection for the calling thread; returns the count it wrote. */
        long addRejected() {
            Thread thread = Thread.currentThread();
            long id = threadId(thread);
            if (ownerId == id) {
                long next = rejected + 1;
                REJECTED.setRelease(this, next);
                return next;
            }
            long next = (long) SHARED_REJECTED.getAndAdd(this, 1L) + 1;
            claimIfEnded(next, thread, id);
            return next;
        }

        /**
         * Once in {@link #CLAIM_EVERY} shared additions, takes the cell over if its owner has ended: the reference is
         * swapped first (the compare-and-set decides between claimers), then the id, which hands the owned half over.
         */
        private void claimIfEnded(long count, Thread thread, long id) {
            if ((count & (CLAIM_EVERY - 1)) == 0) {
                WeakReference<Thread> current = owner;
                Thread previous = current.get();
                if ((previous == null || !previous.isAlive())
                        && OWNER.compareAndSet(this, current, new WeakReference<>(thread))) {
                    OWNER_ID.setVolatile(this, id);
                }
            }
        }
    }
}
