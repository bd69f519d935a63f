package dev.reliability;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** The only class allowed to read real time or sleep; an architecture test enforces it. */
enum SystemTimeSource implements TimeSource {
    INSTANCE;

    @Override
    public Instant instant() {
        return Instant.now();
    }

    @Override
    public long millis() {
        return System.currentTimeMillis();
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative() || duration.isZero()) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            return;
        }
        // Thread.sleep(millis, nanos) rounds sub-millisecond parts up, so a wait is never shorter than asked.
        Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
    }

    @Override
    public String toString() {
        return "TimeSource.system()";
    }
}
