package dev.reliability.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.backoff.Backoff;
import dev.reliability.testing.ManualTimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RetryAsyncTest {
    private final ManualTimeSource time = new ManualTimeSource();
    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    private final AtomicInteger calls = new AtomicInteger();

    RetryAsyncTest() {
        scheduler.setRemoveOnCancelPolicy(true);
    }

    @AfterEach
    void shutDown() {
        scheduler.shutdownNow();
    }

    private Retry retry(int attempts, Duration delay) {
        return Retry.of(
                "async",
                RetryPolicy.builder()
                        .maxAttempts(attempts)
                        .backoff(Backoff.fixed(delay))
                        .build(),
                time,
                new SplittableRandom(1));
    }

    private CompletionStage<String> failTimes(int failures) {
        int call = calls.incrementAndGet();
        return call <= failures
                ? CompletableFuture.failedFuture(new IOException("failure " + call))
                : CompletableFuture.completedFuture("ok " + call);
    }

    @Test
    void retriesFailedStagesOnTheScheduler() throws Exception {
        CompletableFuture<String> result = retry(4, Duration.ofMillis(1)).executeAsync(() -> failTimes(2), scheduler);

        assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("ok 3");
        assertThat(scheduler.isShutdown()).isFalse();
    }

    @Test
    void completesWithTheLastFailureUnchanged() {
        CompletableFuture<String> result = retry(3, Duration.ofMillis(1)).executeAsync(() -> failTimes(9), scheduler);

        assertThatThrownBy(() -> result.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(IOException.class)
                .hasMessage("failure 3");
        assertThat(calls).hasValue(3);
    }

    @Test
    void aSynchronousThrowOrNullStageCountsAsAFailedAttempt() throws Exception {
        CompletableFuture<String> result = retry(3, Duration.ofMillis(1))
                .executeAsync(
                        () -> {
                            int call = calls.incrementAndGet();
                            if (call == 1) {
                                throw new IllegalStateException("thrown before a stage");
                            }
                            if (call == 2) {
                                return null;
                            }
                            return CompletableFuture.completedFuture("ok");
                        },
                        scheduler);

        assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("ok");
        assertThat(calls).hasValue(3);
    }

    @Test
    void aNonRetryableFailureCompletesAtOnce() {
        Retry retry = Retry.of(
                "async", RetryPolicy.builder().retryOn(IOException.class).build(), time, new SplittableRandom(1));

        CompletableFuture<String> result = retry.executeAsync(
                () -> CompletableFuture.failedFuture(new IllegalArgumentException("bad")), scheduler);

        assertThat(result).isCompletedExceptionally();
        assertThat(scheduler.getQueue()).isEmpty();
    }

    @Test
    void cancellingStopsFurtherAttemptsAndLeavesNoTaskInTheScheduler() throws Exception {
        CompletableFuture<String> result = retry(5, Duration.ofHours(1)).executeAsync(() -> failTimes(9), scheduler);

        assertThat(scheduler.getQueue()).hasSize(1);
        assertThat(result.cancel(true)).isTrue();

        assertThat(scheduler.getQueue()).isEmpty();
        assertThat(calls).hasValue(1);
        assertThatThrownBy(result::join).isInstanceOf(CancellationException.class);
        assertThat(scheduler.isShutdown()).isFalse();
    }

    @Test
    void cancellingCancelsTheStageInFlight() {
        CompletableFuture<String> inFlight = new CompletableFuture<>();
        CompletableFuture<String> result = retry(3, Duration.ofMillis(1)).executeAsync(() -> inFlight, scheduler);

        result.cancel(true);

        assertThat(inFlight).isCancelled();
    }

    @Test
    void aRejectingSchedulerFailsTheCallKeepingTheLastFailure() {
        scheduler.shutdown();

        CompletableFuture<String> result = retry(3, Duration.ofMillis(1)).executeAsync(() -> failTimes(9), scheduler);

        assertThatThrownBy(result::join)
                .cause()
                .isInstanceOf(RejectedExecutionException.class)
                .satisfies(rejected -> assertThat(rejected.getSuppressed())
                        .singleElement()
                        .satisfies(s -> assertThat(s).hasMessage("failure 1")));
    }

    @Test
    void rejectedResultsAreRetriedAsynchronously() throws Exception {
        Retry retry = Retry.of(
                "async",
                RetryPolicy.builder()
                        .maxAttempts(3)
                        .backoff(Backoff.fixed(Duration.ofMillis(1)))
                        .retryOnResult(value -> value == null)
                        .build(),
                time,
                new SplittableRandom(1));

        CompletableFuture<Integer> result = retry.executeAsync(
                () -> CompletableFuture.completedFuture(calls.incrementAndGet() < 10 ? null : 1), scheduler);

        assertThat(result.get(10, TimeUnit.SECONDS)).isNull();
        assertThat(calls).hasValue(3);
    }

    @Test
    void dependentStageFailuresAreUnwrapped() throws Exception {
        CompletableFuture<String> result = retry(2, Duration.ofMillis(1))
                .executeAsync(
                        () -> CompletableFuture.<String>failedFuture(new IOException("inner"))
                                .thenApply(value -> value + "!"),
                        scheduler);
        assertThat(result.handle((value, failure) -> failure != null).get(10, TimeUnit.SECONDS))
                .isTrue();

        assertThatThrownBy(result::join).cause().isInstanceOf(IOException.class).hasMessage("inner");
    }

    @Test
    void rejectsNulls() {
        Retry retry = retry(2, Duration.ZERO);
        assertThatThrownBy(() -> retry.executeAsync(null, scheduler)).hasMessage("action");
        assertThatThrownBy(() -> retry.executeAsync(() -> failTimes(0), null)).hasMessage("scheduler");
    }
}
