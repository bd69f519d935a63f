package dev.reliability.retry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.backoff.Backoff;
import dev.reliability.testing.ManualTimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** One retry shared by real threads: its counters lose no call and never go backwards while read. */
class RetryConcurrencyTest {
    private static final int THREADS = 4;
    private static final int CALLS_PER_THREAD = 20_000; // a multiple of the 4 kinds of call below

    @Test
    void countersAreExactUnderConcurrentCalls() throws Exception {
        Retry retry = Retry.of(
                "shared",
                RetryPolicy.builder()
                        .maxAttempts(3)
                        .backoff(Backoff.fixed(Duration.ZERO))
                        .abortOn(IllegalStateException.class)
                        .build(),
                new ManualTimeSource(),
                new SplittableRandom(1));
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<Throwable> problem = new AtomicReference<>();
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Thread caller = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < CALLS_PER_THREAD; i++) {
                        call(retry, i % 4);
                    }
                } catch (Throwable thrown) {
                    problem.compareAndSet(null, thrown);
                }
            });
            caller.start();
            callers.add(caller);
        }
        // Reads while the calls run: each count only grows, and a call is counted once it ended.
        Thread reader = new Thread(() -> {
            RetryStats previous = retry.stats();
            while (running.get()) {
                RetryStats now = retry.stats();
                if (now.succeededWithoutRetry() < previous.succeededWithoutRetry()
                        || now.succeededAfterRetry() < previous.succeededAfterRetry()
                        || now.failedWithoutRetry() < previous.failedWithoutRetry()
                        || now.failedAfterRetry() < previous.failedAfterRetry()
                        || now.retries() < previous.retries()) {
                    problem.compareAndSet(null, new AssertionError(previous + " went back to " + now));
                }
                previous = now;
            }
        });
        reader.start();

        start.countDown();
        for (Thread caller : callers) {
            caller.join(TimeUnit.MINUTES.toMillis(2));
            assertThat(caller.isAlive()).isFalse();
        }
        running.set(false);
        reader.join();

        assertThat(problem.get()).isNull();
        long quarter = THREADS * CALLS_PER_THREAD / 4L;
        // Kind 1 makes one retry; kind 2 makes two and runs out of attempts.
        assertThat(retry.stats()).isEqualTo(new RetryStats(quarter, quarter, quarter, quarter, 3 * quarter, 0));
        assertThat(retry.stats().calls()).isEqualTo(THREADS * (long) CALLS_PER_THREAD);
    }

    /** Kind 0 succeeds at once, 1 on its retry, 2 never, 3 aborts on its first attempt. */
    private static void call(Retry retry, int kind) {
        int[] attempts = {0};
        try {
            retry.execute(() -> {
                attempts[0]++;
                switch (kind) {
                    case 0 -> {
                        return "ok";
                    }
                    case 1 -> {
                        if (attempts[0] == 1) {
                            throw new IOException("once");
                        }
                        return "ok";
                    }
                    case 2 -> throw new IOException("always");
                    default -> throw new IllegalStateException("abort");
                }
            });
        } catch (IOException | IllegalStateException expected) {
            // kinds 2 and 3 end on their failure
        }
    }
}
