package dev.reliability.circuitbreaker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;

/**
 * A breaker's hot-path totals (successes and rejections), counted in one cell per calling thread, so that counting
 * takes no atomic read-modify-write and threads on different cores write different cache lines.
 *
 * <p>Each thread finds its own {@link Cell} in a small direct-mapped table indexed by its thread id (a few plain loads
 * and an identity check), or, when another live thread holds that slot, through this object's {@link ThreadLocal}. Only
 * the owner thread writes a cell, with a plain read and a release store. The first call from a thread registers its
 * cell in an immutable {@link Tally} (a base plus the cells), replaced by compare-and-set; a reader sums the tally's
 * base and its cells with acquire loads, so a sum is exact once the writers have stopped (and their last calls
 * happen-before the read). Registration folds the counts of the cells whose threads have ended into the base and drops
 * them, so the cells kept are those of live threads plus the threads ended since the last registration; a thread's end
 * happens-before {@link Thread#isAlive()} returning false, so its last counts are folded exactly.
 *
 * <p>Memory, per breaker: the table ({@link #SLOTS} references), and per thread that has called the breaker one cell
 * of about 100 bytes (padded so two threads' counts never share a cache line), plus a thread-local map entry only for
 * a thread whose slot was taken. A cell holds no reference to its breaker, so a breaker nobody references is
 * collectable with its table and cells; a thread-local cell then stays in its thread's map until the map expunges the
 * stale entry, as it does for any collected {@link ThreadLocal}.
 */
final class ThreadCounters {
    private static final VarHandle TALLY;
    private static final VarHandle SUCCESSES;
    private static final VarHandle REJECTED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            TALLY = lookup.findVarHandle(ThreadCounters.class, "tally", Tally.class);
            SUCCESSES = lookup.findVarHandle(CellCounts.class, "successes", long.class);
            REJECTED = lookup.findVarHandle(CellCounts.class, "rejected", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Slots in the direct-mapped table of cells. */
    static final int SLOTS = slots(Runtime.getRuntime().availableProcessors());

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Cell[].class);

    /**
     * The first cells, indexed by their thread's id: a thread finds its cell here with a few plain loads. Slots are
     * written only when a thread registers, so calling threads only read this array. A thread whose slot another live
     * thread holds keeps its cell in {@link #local} instead.
     */
    private final Cell[] direct = new Cell[SLOTS];

    private final ThreadLocal<Cell> local = new ThreadLocal<>();
    private volatile Tally tally = new Tally(0L, 0L, new Cell[0]);

    static int slots(int processors) {
        int wanted = Math.max(4, Math.min(64, 4 * processors));
        return Integer.highestOneBit(wanted - 1) << 1;
    }

    /** The calling thread's cell, registered on its first call. */
    Cell cell() {
        Thread thread = Thread.currentThread();
        Cell cell = direct[(int) thread.getId() & (SLOTS - 1)];
        if (cell != null && cell.refersTo(thread)) {
            return cell;
        }
        return otherCell(thread);
    }

    /**
     * The cell of a thread that does not hold its slot. A slot, once set, is only ever replaced, never cleared: a
     * thread that finds it empty has no cell yet, and registers without creating a thread-local entry.
     */
    private Cell otherCell(Thread thread) {
        if (SLOT.getAcquire(direct, (int) thread.getId() & (SLOTS - 1)) != null) {
            Cell cell = local.get();
            if (cell != null) {
                return cell;
            }
        }
        return register(thread);
    }

    private Cell register(Thread thread) {
        Cell cell = new Cell(thread);
        for (; ; ) {
            Tally current = tally;
            Tally next = current.withoutEndedThreads(cell);
            if (TALLY.compareAndSet(this, current, next)) {
                break;
            }
        }
        int slot = (int) thread.getId() & (SLOTS - 1);
        for (; ; ) {
            Cell holder = (Cell) SLOT.getVolatile(direct, slot);
            Thread owner = holder == null ? null : holder.get();
            if (owner != null && owner.isAlive()) {
                local.set(cell); // the slot is another live thread's
                return cell;
            }
            if (SLOT.compareAndSet(direct, slot, holder, cell)) {
                return cell;
            }
        }
    }

    /** The success total: exact once the counting threads have stopped; never negative. */
    long successes() {
        Tally t = tally;
        long sum = t.successes;
        for (Cell cell : t.cells) {
            sum += (long) SUCCESSES.getAcquire(cell);
        }
        return Math.max(0L, sum);
    }

    /** The rejection total: exact once the counting threads have stopped; never negative. */
    long rejected() {
        Tally t = tally;
        long sum = t.rejected;
        for (Cell cell : t.cells) {
            sum += (long) REJECTED.getAcquire(cell);
        }
        return Math.max(0L, sum);
    }

    /**
     * Sets both totals to zero by subtracting what every cell holds now from the base. Counts added concurrently are
     * kept, as a {@link java.util.concurrent.atomic.LongAdder#reset()} would keep them.
     */
    void reset() {
        for (; ; ) {
            Tally current = tally;
            long successes = 0L;
            long rejected = 0L;
            for (Cell cell : current.cells) {
                successes -= (long) SUCCESSES.getAcquire(cell);
                rejected -= (long) REJECTED.getAcquire(cell);
            }
            if (TALLY.compareAndSet(this, current, new Tally(successes, rejected, current.cells))) {
                return;
            }
        }
    }

    /** How many cells the tally holds, for tests. */
    int cells() {
        return tally.cells.length;
    }

    /** The base and the registered cells; immutable, so a reader sums one consistent set. */
    private static final class Tally {
        final long successes;
        final long rejected;
        final Cell[] cells;

        Tally(long successes, long rejected, Cell[] cells) {
            this.successes = successes;
            this.rejected = rejected;
            this.cells = cells;
        }

        /** This tally with {@code added} registered and the cells of ended threads folded into the base. */
        Tally withoutEndedThreads(Cell added) {
            long baseSuccesses = successes;
            long baseRejected = rejected;
            Cell[] kept = new Cell[cells.length + 1];
            int size = 0;
            for (Cell cell : cells) {
                Thread owner = cell.get();
                if (owner == null || !owner.isAlive()) {
                    baseSuccesses += (long) SUCCESSES.getAcquire(cell);
                    baseRejected += (long) REJECTED.getAcquire(cell);
                } else {
                    kept[size++] = cell;
                }
            }
            kept[size++] = added;
            Cell[] exact = kept;
            if (size < kept.length) {
                exact = new Cell[size];
                System.arraycopy(kept, 0, exact, 0, size);
            }
            return new Tally(baseSuccesses, baseRejected, exact);
        }
    }

    /** The counts of one thread; it refers to its thread weakly, to tell when the thread has ended. */
    abstract static class CellCounts extends WeakReference<Thread> {
        long successes;
        long rejected;

        CellCounts(Thread owner) {
            super(owner);
        }

        /** Counts a success; only the owner thread calls this. */
        final void addSuccess() {
            SUCCESSES.setRelease(this, successes + 1);
        }

        /** Counts a rejection; only the owner thread calls this. */
        final void addRejected() {
            REJECTED.setRelease(this, rejected + 1);
        }
    }

    /**
     * One thread's cell, padded after its counts: objects are laid out superclass fields first, so the counts of the
     * next object in memory start at least 64 bytes after these.
     */
    @SuppressWarnings("unused")
    static final class Cell extends CellCounts {
        private long pad0;
        private long pad1;
        private long pad2;
        private long pad3;
        private long pad4;
        private long pad5;
        private long pad6;
        private long pad7;

        Cell(Thread owner) {
            super(owner);
        }
    }
}
