package dev.reliability.circuitbreaker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.testing.ManualTimeSource;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Striped counter cells, with real platform threads: exact totals, owned and shared halves, cells bounded by the
 * stripes however many threads count, ended owners' cells taken over with their counts.
 */
class StripedCountersTest {
    private static final int PER_THREAD = 200_000;

    /** Runs {@code body} on {@code count} threads released together; they all stay alive until all have finished. */
    static void onThreads(int count, Runnable body) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        CyclicBarrier end = new CyclicBarrier(count);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    body.run();
                    end.await(60, TimeUnit.SECONDS);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            thread.start();
            threads.add(thread);
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(120));
            assertThat(thread.isAlive()).isFalse();
        }
        assertThat(failure.get()).isNull();
    }

    static boolean owns(StripedCounters.Cell cell, Thread thread) {
        return cell.ownerId == StripedCounters.threadId(thread) && cell.owner.get() == thread;
    }

    @Test
    void everyThreadOwnsACellWhileAStripeIsFreeWhateverItsHash() throws Exception {
        StripedCounters counters = new StripedCounters();
        AtomicReference<Thread> notOwner = new AtomicReference<>();

        // As many live threads as stripes: identity hashes collide, yet each finds a stripe of its own.
        onThreads(StripedCounters.STRIPES, () -> {
            counters.addSuccess();
            if (!owns(counters.cell(), Thread.currentThread())) {
                notOwner.set(Thread.currentThread());
            }
        });

        assertThat(notOwner.get()).as("a thread counting in a shared half").isNull();
        assertThat(counters.cellCount()).isEqualTo(StripedCounters.STRIPES);
        assertThat(counters.successes()).isEqualTo(StripedCounters.STRIPES);
    }

    @Test
    void totalsAreExactUnderRealThreads() throws Exception {
        StripedCounters counters = new StripedCounters();

        onThreads(4, () -> {
            for (int i = 0; i < PER_THREAD; i++) {
                counters.addSuccess();
                if ((i & 1) == 0) {
                    counters.cell().addRejected();
                }
            }
        });

        assertThat(counters.successes()).isEqualTo(4L * PER_THREAD);
        assertThat(counters.rejected()).isEqualTo(2L * PER_THREAD);
    }

    @Test
    void manyLiveThreadsShareBoundedCellsAndStayExact() throws Exception {
        StripedCounters counters = new StripedCounters();
        int threads = StripedCounters.STRIPES * 16 + 3; // far more live threads than stripes, all holding on

        onThreads(threads, () -> {
            for (int i = 0; i < 5_000; i++) {
                counters.addSuccess();
                counters.cell().addRejected();
            }
        });

        assertThat(counters.successes()).isEqualTo(threads * 5_000L);
        assertThat(counters.rejected()).isEqualTo(threads * 5_000L);
        assertThat(counters.cellCount()).isBetween(1, StripedCounters.STRIPES);
    }

    @Test
    void aThreadKeepsCountingInTheCellItOwns() {
        StripedCounters counters = new StripedCounters();

        StripedCounters.Cell first = counters.cell();

        assertThat(owns(first, Thread.currentThread())).isTrue();
        assertThat(counters.cell()).isSameAs(first);
        assertThat(counters.addSuccess()).isEqualTo(1L);
        assertThat(counters.addSuccess()).isEqualTo(2L);
        assertThat(first.addRejected()).isEqualTo(1L);
        assertThat(first.rejectedHint()).isEqualTo(1L);
        assertThat(counters.cellCount()).isEqualTo(1);
    }

    @Test
    void anEndedOwnersCellIsTakenOverWithItsCounts() throws Exception {
        StripedCounters counters = new StripedCounters();
        AtomicReference<StripedCounters.Cell> owned = new AtomicReference<>();
        onThreads(1, () -> {
            for (int i = 0; i < 1000; i++) {
                counters.addSuccess();
            }
            owned.set(counters.cell());
        });
        StripedCounters.Cell cell = owned.get();
        Thread ended = cell.owner.get();
        assertThat(ended).isNotNull();
        assertThat(ended.isAlive()).isFalse();
        Thread me = Thread.currentThread();

        // Another thread adds to the shared half until a claim check finds the owner ended and takes the cell over.
        for (int i = 0; i < StripedCounters.CLAIM_EVERY; i++) {
            cell.addSuccess(me, StripedCounters.threadId(me));
        }

        assertThat(owns(cell, me)).isTrue();
        assertThat(cell.owner.get()).isSameAs(me);
        assertThat(cell.addSuccess(me, StripedCounters.threadId(me)))
                .isEqualTo(1001L); // continues the ended owner's count
        assertThat(counters.successes()).isEqualTo(1000L + StripedCounters.CLAIM_EVERY + 1);
    }

    @Test
    void aLiveOwnersCellIsNeverTakenOver() throws Exception {
        StripedCounters counters = new StripedCounters();
        StripedCounters.Cell cell = counters.cell(); // owned by this live thread
        onThreads(2, () -> {
            Thread me = Thread.currentThread();
            for (int i = 0; i < 10 * StripedCounters.CLAIM_EVERY; i++) {
                cell.addSuccess(me, StripedCounters.threadId(me));
            }
        });

        assertThat(owns(cell, Thread.currentThread())).isTrue();
        assertThat(counters.successes()).isEqualTo(20L * StripedCounters.CLAIM_EVERY);
    }

    @Test
    void resetZeroesAndKeepsCountingAfterwards() throws Exception {
        StripedCounters counters = new StripedCounters();
        onThreads(2, () -> {
            for (int i = 0; i < 500; i++) {
                counters.addSuccess();
                counters.cell().addRejected();
            }
        });
        counters.addSuccess();

        counters.reset();

        assertThat(counters.successes()).isZero();
        assertThat(counters.rejected()).isZero();
        counters.addSuccess();
        counters.cell().addRejected();
        onThreads(1, counters::addSuccess);
        counters.addSuccess();
        assertThat(counters.successes()).isEqualTo(3L);
        assertThat(counters.rejected()).isEqualTo(1L);
    }

    @Test
    void stripesArePowersOfTwoBetweenFourAndSixtyFour() {
        assertThat(StripedCounters.stripes(1)).isEqualTo(4);
        assertThat(StripedCounters.stripes(2)).isEqualTo(8);
        assertThat(StripedCounters.stripes(3)).isEqualTo(16);
        assertThat(StripedCounters.stripes(16)).isEqualTo(64);
        assertThat(StripedCounters.stripes(1000)).isEqualTo(64);
        assertThat(Integer.bitCount(StripedCounters.STRIPES)).isEqualTo(1);
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
        breaker.onSuccess(1);

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
            onThreads(StripedCounters.STRIPES + 2, () -> breaker.onSuccess(1)); // owned and shared cells
            breaker.onSuccess(1);
        }

        long alive = refs.size();
        for (int attempt = 0; attempt < 5 && alive > 0; attempt++) {
            System.gc();
            alive = refs.stream().filter(ref -> ref.get() != null).count();
        }
        assertThat(alive).isZero();
    }

    @Test
    void aFullTableCountsExactlyAndEndedOwnersCellsAreTakenOverByTheThreadsThatCountThere() throws Exception {
        StripedCounters counters = new StripedCounters();
        int crowd = StripedCounters.STRIPES + 8; // every stripe owned, and threads left over: the table fills up
        int perThread = 2_000;
        onThreads(crowd, () -> {
            for (int i = 0; i < perThread; i++) {
                counters.addSuccess();
                counters.cell().addRejected();
            }
        });
        assertThat(counters.cellCount()).isEqualTo(StripedCounters.STRIPES);
        assertThat(counters.successes()).isEqualTo((long) crowd * perThread);

        // Every owner has ended. New threads count through the shared halves of their stripes, where claim checks find
        // the owners ended and hand the cells over, while the others keep adding: nothing lost, nothing twice.
        int next = 4;
        int perNext = 10 * StripedCounters.CLAIM_EVERY;
        Set<Long> ids = ConcurrentHashMap.newKeySet();
        Set<Long> ownersSeen = ConcurrentHashMap.newKeySet();
        CyclicBarrier counted = new CyclicBarrier(next);
        onThreads(next, () -> {
            ids.add(StripedCounters.threadId(Thread.currentThread()));
            for (int i = 0; i < perNext; i++) {
                counters.addSuccess();
                counters.cell().addRejected();
            }
            try {
                counted.await(60, TimeUnit.SECONDS); // all still alive: the owners seen are the live new threads
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            ownersSeen.add(counters.cell().ownerId);
        });

        assertThat(ids).containsAll(ownersSeen);
        assertThat(counters.successes()).isEqualTo((long) crowd * perThread + (long) next * perNext);
        assertThat(counters.rejected()).isEqualTo((long) crowd * perThread + (long) next * perNext);
        assertThat(counters.cellCount()).isEqualTo(StripedCounters.STRIPES);
    }

    @Test
    void aCollectedOwnersCellIsTakenOverWithItsCounts() throws Exception {
        StripedCounters counters = new StripedCounters();
        AtomicReference<StripedCounters.Cell> owned = new AtomicReference<>();
        onThreads(1, () -> {
            for (int i = 0; i < 500; i++) {
                counters.addSuccess();
            }
            owned.set(counters.cell());
        });
        StripedCounters.Cell cell = owned.get();
        for (int attempt = 0; attempt < 20 && cell.owner.get() != null; attempt++) {
            System.gc();
        }
        assertThat(cell.owner.get()).as("the ended owner, still reachable").isNull();
        Thread me = Thread.currentThread();

        for (int i = 0; i < StripedCounters.CLAIM_EVERY; i++) {
            cell.addSuccess(me, StripedCounters.threadId(me));
        }

        assertThat(owns(cell, me)).isTrue();
        assertThat(cell.addSuccess(me, StripedCounters.threadId(me))).isEqualTo(501L);
        assertThat(counters.successes()).isEqualTo(500L + StripedCounters.CLAIM_EVERY + 1);
    }

    @Test
    void aBreakerKeepsNoEndedThreadReachable() throws Exception {
        StateMachineCircuitBreaker breaker = new StateMachineCircuitBreaker(
                "short-lived", CircuitBreakerConfig.builder().build(), new ManualTimeSource(), List.of());
        List<WeakReference<Thread>> ended = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
            // owners of every cell, and sharers
            runToTheEnd(StripedCounters.STRIPES + 2, ended, () -> {
                for (int call = 0; call < 3 * StripedCounters.CLAIM_EVERY; call++) {
                    if (breaker.tryAcquirePermission()) {
                        breaker.onSuccess(1);
                    }
                }
            });
        }

        long reachable = ended.size();
        for (int attempt = 0; attempt < 20 && reachable > 0; attempt++) {
            System.gc();
            reachable = ended.stream().filter(ref -> ref.get() != null).count();
        }

        assertThat(reachable).as("ended threads the breaker keeps reachable").isZero();
        assertThat(breaker.stats().totalSuccess()).isEqualTo(ended.size() * 3L * StripedCounters.CLAIM_EVERY);
        assertThat(breaker.counterCells()).isBetween(1, StripedCounters.STRIPES);
    }

    /** Runs {@code body} on {@code count} threads and waits for them to end; only weak references to them remain. */
    private static void runToTheEnd(int count, List<WeakReference<Thread>> ended, Runnable body)
            throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Thread thread = new Thread(body);
            threads.add(thread);
            ended.add(new WeakReference<>(thread));
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(120));
            assertThat(thread.isAlive()).isFalse();
        }
    }
}
