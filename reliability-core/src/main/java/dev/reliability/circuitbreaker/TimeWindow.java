package dev.reliability.circuitbreaker;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The calls of the last window length, in a ring of buckets. A bucket covers {@code window / buckets} nanoseconds and
 * is replaced by compare-and-set when its time slot comes round again, so the window holds between {@code (buckets -
 * 1) / buckets} of the window length and the whole of it. A recording that races with the replacement of its bucket
 * may be lost; the breaker's totals are kept elsewhere and stay exact.
 */
final class TimeWindow extends SlidingWindow {
    private final long bucketNanos;
    private final long originNanos;
    private final AtomicReferenceArray<Bucket> buckets;

    TimeWindow(long windowNanos, int bucketCount, long originNanos) {
        this.bucketNanos = Math.max(1L, windowNanos / bucketCount);
        this.originNanos = originNanos;
        this.buckets = new AtomicReferenceArray<>(bucketCount);
    }

    /** The bucket epoch of a time; monotonic differences keep it correct when the clock wraps. */
    private long epoch(long nowNanos) {
        return Math.max(0L, nowNanos - originNanos) / bucketNanos;
    }

    @Override
    long record(long nowNanos, int outcome) {
        long epoch = epoch(nowNanos);
        int index = (int) (epoch % buckets.length());
        Bucket bucket = buckets.get(index);
        while (bucket == null || bucket.epoch < epoch) {
            Bucket fresh = new Bucket(epoch);
            if (buckets.compareAndSet(index, bucket, fresh)) {
                bucket = fresh;
                break;
            }
            bucket = buckets.get(index);
        }
        if (bucket.epoch == epoch) { // a newer bucket means this reading is already outside the window
            bucket.calls.incrementAndGet();
            if ((outcome & FAILURE) != 0) {
                bucket.failures.incrementAndGet();
            }
            if ((outcome & SLOW) != 0) {
                bucket.slow.incrementAndGet();
            }
        }
        return 0L; // rates change as buckets expire, so every recording must be followed by a check
    }

    private long sum(long nowNanos, int which) {
        long epoch = epoch(nowNanos);
        long total = 0;
        for (int i = 0; i < buckets.length(); i++) {
            Bucket bucket = buckets.get(i);
            if (bucket != null && epoch - bucket.epoch < buckets.length() && bucket.epoch <= epoch) {
                total += which == 0 ? bucket.calls.get() : which == 1 ? bucket.failures.get() : bucket.slow.get();
            }
        }
        return total;
    }

    @Override
    long calls(long nowNanos) {
        return sum(nowNanos, 0);
    }

    @Override
    long failures(long nowNanos) {
        return sum(nowNanos, 1);
    }

    @Override
    long slowCalls(long nowNanos) {
        return sum(nowNanos, 2);
    }

    @Override
    boolean needsTime() {
        return true;
    }

    private static final class Bucket {
        final long epoch;
        final AtomicLong calls = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicLong slow = new AtomicLong();

        Bucket(long epoch) {
            this.epoch = epoch;
        }
    }
}
