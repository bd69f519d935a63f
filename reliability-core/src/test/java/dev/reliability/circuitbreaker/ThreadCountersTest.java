package dev.reliability.circuitbreaker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.testing.ManualTimeSource;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Per-thread counter cells, with real threads: exact totals, ended threads' counts kept, nothing left behind. */
class ThreadCountersTest {
    private static final int PER_THREAD = 200_000;

    /** Runs {@code body} on {@code count} threads released together; they all stay alive until all have finished. */
    private static void onThreads(int count, Runnable body) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        CyclicBarrier end = new CyclicBarrier(count);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    body.run();
                    end.await(30, TimeUnit.SECONDS);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            thread.start();
            threads.add(thread);
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(thread.isAlive()).isFalse();
        }
        assertThat(failure.get()).isNull();
    }

    @Test
    void totalsAreExactUnderRealThreads() throws Exception {
        ThreadCounters counters = new ThreadCounters();

        onThreads(4, () -> {
            for (int i = 0; i < PER_THREAD; i++) {
                ThreadCounters.Cell cell = counters.cell();
                cell.addSuccess();
                if ((i & 1) == 0) {
                    cell.addRejected();
                }
            }
        });

        assertThat(counters.successes()).isEqualTo(4L * PER_THREAD);
        assertThat(counters.rejected()).isEqualTo(2L * PER_THREAD);
    }

    @Test
    void threadsBeyondTheDirectSlotsAreExactToo() throws Exception {
        ThreadCounters counters = new ThreadCounters();
        int threads = ThreadCounters.SLOTS * 2 + 3; // every slot taken and held while the others register

        onThreads(threads, () -> {
            for (int i = 0; i < 10_000; i++) {
                counters.cell().addSuccess();
            }
        });

        assertThat(counters.successes()).isEqualTo(threads * 10_000L);
        assertThat(counters.cells()).isEqualTo(threads);
    }

    @Test
    void endedThreadsCountsAreKeptAndTheirCellsDropped() throws Exception {
        ThreadCounters counters = new ThreadCounters();
        onThreads(3, () -> {
            for (int i = 0; i < 1000; i++) {
                counters.cell().addRejected();
            }
        });
        assertThat(counters.cells()).isEqualTo(3);

        counters.cell().addRejected(); // a new thread registers: the ended threads' cells are folded into the base

        assertThat(counters.cells()).isEqualTo(1);
        assertThat(counters.rejected()).isEqualTo(3001L);
        assertThat(counters.successes()).isZero();
    }

    @Test
    void aThreadKeepsOneCell() {
        ThreadCounters counters = new ThreadCounters();

        ThreadCounters.Cell first = counters.cell();

        assertThat(counters.cell()).isSameAs(first);
        assertThat(counters.cells()).isEqualTo(1);
    }

    @Test
    void resetZeroesAndKeepsCountingAfterwards() throws Exception {
        ThreadCounters counters = new ThreadCounters();
        onThreads(2, () -> {
            for (int i = 0; i < 500; i++) {
                counters.cell().addSuccess();
                counters.cell().addRejected();
            }
        });
        counters.cell().addSuccess();

        counters.reset();

        assertThat(counters.successes()).isZero();
        assertThat(counters.rejected()).isZero();
        counters.cell().addSuccess();
        counters.cell().addRejected();
        onThreads(1, () -> counters.cell().addSuccess()); // registers after the reset; folds nothing twice
        counters.cell().addSuccess();
        assertThat(counters.successes()).isEqualTo(3L);
        assertThat(counters.rejected()).isEqualTo(1L);
    }

    @Test
    void slotsArePowersOfTwoBetweenFourAndSixtyFour() {
        assertThat(ThreadCounters.slots(1)).isEqualTo(4);
        assertThat(ThreadCounters.slots(2)).isEqualTo(8);
        assertThat(ThreadCounters.slots(3)).isEqualTo(16);
        assertThat(ThreadCounters.slots(16)).isEqualTo(64);
        assertThat(ThreadCounters.slots(1000)).isEqualTo(64);
        assertThat(Integer.bitCount(ThreadCounters.SLOTS)).isEqualTo(1);
    }

    @Test
    void breakerTotalsAreExactAfterThreadsStopAndEnd() throws Exception {
        ManualTimeSource time = new ManualTimeSource();
        StateMachineCircuitBreaker breaker = new StateMachineCircuitBreaker(
                "threads", CircuitBreakerConfig.builder().build(), time, List.of());

        onThreads(3, () -> {
            for (int i = 0; i < 50_000; i++) {
                if (breaker.tryAcquirePermission()) {
                    breaker.onSuccess(1);
                }
            }
        });
        time.advance(Duration.ofSeconds(1));
        breaker.onSuccess(1); // a new thread's cell: the ended threads' counts are folded, not lost

        CircuitStats stats = breaker.stats();
        assertThat(stats.totalSuccess()).isEqualTo(150_001L);
        assertThat(stats.consecutiveSuccess()).isEqualTo(150_001L);
        assertThat(stats.requests()).isEqualTo(150_001L);
        assertThat(stats.lastSuccessTime()).isEqualTo(time.instant()); // a standing clock samples every success
    }

    @Test
    void aBreakerUsedByManyThreadsIsCollectable() throws Exception {
        List<WeakReference<StateMachineCircuitBreaker>> refs = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            StateMachineCircuitBreaker breaker = new StateMachineCircuitBreaker(
                    "gone-" + round, CircuitBreakerConfig.builder().build(), new ManualTimeSource(), List.of());
            refs.add(new WeakReference<>(breaker));
            onThreads(ThreadCounters.SLOTS + 2, () -> breaker.onSuccess(1)); // slots and thread-local cells
            breaker.onSuccess(1);
        }

        long alive = refs.size();
        for (int attempt = 0; attempt < 5 && alive > 0; attempt++) {
            System.gc();
            alive = refs.stream().filter(ref -> ref.get() != null).count();
        }
        assertThat(alive).isZero();
    }
}
