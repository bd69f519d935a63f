package dev.reliability.circuitbreaker;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The last {@code size} calls, in a ring of slots claimed with one atomic increment.
 *
 * <p>The number of calls is the number of recordings begun, capped at the window size, so an all-success window takes
 * two atomic operations per call (the cursor and the slot) and writes no counter. A recording adds its failure and
 * slow bits to the counters <em>before</em> swapping it into its slot, and subtracts those of the outcome it evicted
 * after. An outcome can therefore be subtracted only after it was added, so no counter is ever negative;
 * the counters may briefly over-count by the recordings in flight, which readers clamp to the window size.
 */
final class CountWindow extends SlidingWindow {
    private static final int PRESENT = 4; // a slot holding an outcome; 0 marks an empty slot

    private final int size;
    private final AtomicIntegerArray slots;
    private final AtomicLong cursor = new AtomicLong();
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicInteger slow = new AtomicInteger();

    CountWindow(int size) {
        this.size = size;
        this.slots = new AtomicIntegerArray(size);
    }

    @Override
    long record(long nowNanos, int outcome) {
        int value = PRESENT | outcome;
        if (outcome != 0) {
            add(value, 1);
        }
        long position = cursor.getAndIncrement();
        int index = (int) (position % size);
        if (outcome == 0 && slots.get(index) == value) {
            // A fast success replacing a fast success changes no count: the read stands for the swap, which would
            // have evicted the same value.
            return position + 1;
        }
        int evicted = slots.getAndSet(index, value);
        if ((evicted & (FAILURE | SLOW)) != 0) {
            add(evicted, -1);
        }
        return position + 1;
    }

    private void add(int value, int delta) {
        if ((value & FAILURE) != 0) {
            failures.addAndGet(delta);
        }
        if ((value & SLOW) != 0) {
            slow.addAndGet(delta);
        }
    }

    @Override
    long calls(long nowNanos) {
        return Math.min(size, cursor.get());
    }

    @Override
    long failures(long nowNanos) {
        return Math.min(size, failures.get());
    }

    @Override
    long slowCalls(long nowNanos) {
        return Math.min(size, slow.get());
    }

    @Override
    boolean needsTime() {
        return false;
    }
}
