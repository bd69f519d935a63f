package dev.reliability.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.backoff.Backoff;
import dev.reliability.testing.ManualScheduler;
import dev.reliability.testing.ManualTimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The counters of {@link Retry#stats()}, exact for every way a call can end, sync and async. */
class RetryStatsTest {
    private final ManualTimeSource time = new ManualTimeSource();
    private final ManualScheduler scheduler = new ManualScheduler(time);
    private final AtomicInteger calls = new AtomicInteger();

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    private Retry retry(RetryPolicy.Builder policy) {
        return Retry.of(
                "stats", policy.backoff(Backoff.fixed(Duration.ofMillis(10))).build(), time, new SplittableRandom(1));
    }

    private Retry retry(int maxAttempts) {
        return retry(RetryPolicy.builder().maxAttempts(maxAttempts));
    }

    /** Fails the first {@code failures} calls with an IOException, then returns "ok". */
    private String failTimes(int failures) throws IOException {
        if (calls.incrementAndGet() <= failures) {
            throw new IOException("failure " + calls.get());
        }
        return "ok";
    }

    private CompletionStage<String> failTimesAsync(int failures) {
        return calls.incrementAndGet() <= failures
                ? CompletableFuture.failedFuture(new IOException("failure " + calls.get()))
                : CompletableFuture.completedFuture("ok");
    }

    private static RetryStats stats(long okFirst, long okAfter, long failedFirst, long failedAfter, long retries) {
        return new RetryStats(okFirst, okAfter, failedFirst, failedAfter, retries, 0);
    }

    @Test
    void aNewRetryCountsNothing() {
        RetryStats stats = retry(3).stats();

        assertThat(stats).isEqualTo(new RetryStats(0, 0, 0, 0, 0, 0));
        assertThat(stats.calls()).isZero();
    }

    @Test
    void aFirstAttemptSuccessCountsAsSucceededWithoutRetry() throws IOException {
        Retry retry = retry(3);

        retry.execute(() -> failTimes(0));
        retry.run(() -> failTimes(0));

        assertThat(retry.stats()).isEqualTo(stats(2, 0, 0, 0, 0));
        assertThat(retry.stats().calls()).isEqualTo(2);
    }

    @Test
    void aSuccessOnARetryCountsTheCallOnceAndEachRetry() throws IOException {
        Retry retry = retry(4);

        assertThat(retry.execute(() -> failTimes(2))).isEqualTo("ok");

        assertThat(retry.stats()).isEqualTo(stats(0, 1, 0, 0, 2));
    }

    @Test
    void exhaustedAttemptsCountAsFailedAfterRetry() {
        Retry retry = retry(3);

        assertThatThrownBy(() -> retry.run(() -> failTimes(9))).isInstanceOf(IOException.class);

        assertThat(retry.stats()).isEqualTo(stats(0, 0, 0, 1, 2));
        assertThat(calls).hasValue(3);
    }

    @Test
    void aSingleAttemptPolicyCountsAFailureWithoutRetry() {
        Retry retry = retry(1);

        assertThatThrownBy(() -> retry.execute(() -> failTimes(1))).isInstanceOf(IOException.class);

        assertThat(retry.stats()).isEqualTo(stats(0, 0, 1, 0, 0));
    }

    @Test
    void anAbortCountsWithoutOrAfterRetryByWhetherOneStarted() {
        Retry retry = retry(RetryPolicy.builder().maxAttempts(5).abortOn(IllegalStateException.class));

        assertThatThrownBy(() -> retry.run(() -> {
                    throw new IllegalStateException("first");
                }))
                .hasMessage("first");
        assertThat(retry.stats()).isEqualTo(stats(0, 0, 1, 0, 0));

        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> retry.run(() -> {
                    if (attempts.incrementAndGet() == 1) {
                        throw new IOException("retried");
                    }
                    throw new IllegalStateException("second");
                }))
                .hasMessage("second");
        assertThat(retry.stats()).isEqualTo(stats(0, 0, 1, 1, 1));
    }

    @Test
    void rejectedResultsCountAsFailuresWhenAttemptsRunOut() {
        Retry retry = retry(RetryPolicy.builder().maxAttempts(3).retryOnResult(result -> "busy".equals(result)));

        assertThat(retry.execute(() -> "busy")).isEqualTo("busy");
        assertThat(retry.execute(() -> calls.incrementAndGet() == 1 ? "busy" : "done"))
                .isEqualTo("done");

        assertThat(retry.stats()).isEqualTo(stats(0, 1, 0, 1, 3));
    }

    @Test
    void aRetryRefusedByTheBudgetIsCountedAndEndsTheCall() {
        RetryBudget budget = RetryBudget.builder()
                .maxTokens(1)
                .retryRatio(0)
                .minRetriesPerSecond(0)
                .timeSource(time)
                .build();
        Retry retry = retry(RetryPolicy.builder().maxAttempts(3).budget(budget));

        // The first call spends the only token on its first retry; its second retry is refused.
        assertThatThrownBy(() -> retry.run(() -> failTimes(9))).isInstanceOf(IOException.class);
        // The second call's first retry is refused: it ends without a retry.
        assertThatThrownBy(() -> retry.run(() -> failTimes(9))).isInstanceOf(IOException.class);

        assertThat(retry.stats()).isEqualTo(new RetryStats(0, 0, 1, 1, 1, 2));
        assertThat(budget.rejectedRetries()).isEqualTo(2);
        assertThat(calls).hasValue(3);
    }

    @Test
    void aDeadlineThatRefusesTheFirstRetryCountsAFailureWithoutRetryAndNoRejection() {
        Retry retry = retry(RetryPolicy.builder().maxAttempts(3).maxDuration(Duration.ofMillis(5)));

        assertThatThrownBy(() -> retry.run(() -> failTimes(9))).isInstanceOf(IOException.class);

        assertThat(retry.stats()).isEqualTo(stats(0, 0, 1, 0, 0));
    }

    @Test
    void anInterruptDuringTheFirstWaitCountsAFailureWithoutRetry() {
        Retry retry = retry(3);

        assertThatThrownBy(() -> retry.run(() -> {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }))
                .hasMessage("interrupted");

        assertThat(Thread.interrupted()).isTrue();
        assertThat(retry.stats()).isEqualTo(stats(0, 0, 1, 0, 0));
    }

    @Test
    void anInterruptDuringALaterWaitCountsAFailureAfterRetry() {
        Retry retry = retry(5);

        assertThatThrownBy(() -> retry.run(() -> {
                    if (calls.incrementAndGet() == 2) {
                        Thread.currentThread().interrupt();
                    }
                    throw new IOException("attempt " + calls.get());
                }))
                .hasMessage("attempt 2");

        assertThat(Thread.interrupted()).isTrue();
        assertThat(retry.stats()).isEqualTo(stats(0, 0, 0, 1, 1));
    }

    @Test
    void aVirtualMachineErrorIsNotCounted() {
        Retry retry = retry(3);

        assertThatThrownBy(() -> retry.run(() -> {
                    throw new StackOverflowError("fatal");
                }))
                .isInstanceOf(StackOverflowError.class);
        assertThatThrownBy(() -> retry.run(() -> {
                    if (calls.incrementAndGet() == 1) {
                        throw new IOException("retried");
                    }
                    throw new StackOverflowError("fatal on the retry");
                }))
                .isInstanceOf(StackOverflowError.class);

        // The retry that started is counted; the calls the error ended are not.
        assertThat(retry.stats()).isEqualTo(stats(0, 0, 0, 0, 1));
    }

    @Test
    void listenersSeeTheCountOfTheCallTheyAreToldAbout() throws IOException {
        AtomicInteger seen = new AtomicInteger(-1);
        Retry[] holder = new Retry[1];
        holder[0] = retry(RetryPolicy.builder().maxAttempts(2).listener(new RetryListener() {
            @Override
            public void onSuccess(RetryAttempt attempt) {
                seen.set((int) holder[0].stats().succeededWithoutRetry());
            }
        }));

        holder[0].execute(() -> failTimes(0));

        assertThat(seen).hasValue(1);
    }

    // ---------------------------------------------------------------- async

    @Test
    void asyncSuccessesCountWithAndWithoutRetry() {
        Retry retry = retry(4);

        CompletableFuture<String> first = retry.executeAsync(() -> failTimesAsync(0), scheduler);
        assertThat(first).isCompletedWithValue("ok");

        calls.set(0);
        CompletableFuture<String> second = retry.executeAsync(() -> failTimesAsync(2), scheduler);
        scheduler.advance(Duration.ofMillis(10)).advance(Duration.ofMillis(10));
        assertThat(second).isCompletedWithValue("ok");

        assertThat(retry.stats()).isEqualTo(stats(1, 1, 0, 0, 2));
    }

    @Test
    void asyncFailuresCountExhaustionAbortAndRejectedResults() {
        Retry retry = retry(RetryPolicy.builder()
                .maxAttempts(2)
                .abortOn(IllegalStateException.class)
                .retryOnResult(result -> "busy".equals(result)));

        CompletableFuture<String> exhausted = retry.executeAsync(() -> failTimesAsync(9), scheduler);
        scheduler.advance(Duration.ofMillis(10));
        assertThat(exhausted).isCompletedExceptionally();

        CompletableFuture<String> aborted =
                retry.executeAsync(() -> CompletableFuture.failedFuture(new IllegalStateException("no")), scheduler);
        assertThat(aborted).isCompletedExceptionally();

        CompletableFuture<String> busy = retry.executeAsync(() -> CompletableFuture.completedFuture("busy"), scheduler);
        scheduler.advance(Duration.ofMillis(10));
        assertThat(busy).isCompletedWithValue("busy");

        assertThat(retry.stats()).isEqualTo(stats(0, 0, 1, 2, 2));
    }

    @Test
    void aSchedulerThatRejectsTheRetryCountsAFailureWithoutRetry() {
        Retry retry = retry(3);
        scheduler.shutdown();

        CompletableFuture<String> result = retry.executeAsync(() -> failTimesAsync(9), scheduler);

        assertThat(result).isCompletedExceptionally();
        assertThat(retry.stats()).isEqualTo(stats(0, 0, 1, 0, 0));
    }

    @Test
    void cancellingDuringTheFirstWaitCountsAFailureWithoutRetry() {
        Retry retry = retry(5);
        CompletableFuture<String> result = retry.executeAsync(() -> failTimesAsync(9), scheduler);
        assertThat(scheduler.pending()).isEqualTo(1);

        assertThat(result.cancel(true)).isTrue();
        scheduler.advance(Duration.ofMillis(100));

        assertThat(calls).hasValue(1);
        assertThat(retry.stats()).isEqualTo(stats(0, 0, 1, 0, 0));
    }

    @Test
    void cancellingARetryInFlightCountsAFailureAfterRetryOnce() {
        Retry retry = retry(5);
        CompletableFuture<String> inFlight = new CompletableFuture<>();
        CompletableFuture<String> result = retry.executeAsync(
                () -> calls.incrementAndGet() == 1
                        ? CompletableFuture.failedFuture(new IOException("first"))
                        : inFlight,
                scheduler);
        scheduler.advance(Duration.ofMillis(10));
        assertThat(calls).hasValue(2);

        result.cancel(true);
        inFlight.complete("late"); // ignored: the call is over
        result.cancel(true); // a second cancel changes nothing

        assertThat(inFlight).isCancelled();
        assertThat(retry.stats()).isEqualTo(stats(0, 0, 0, 1, 1));
    }

    @Test
    void anAsyncVirtualMachineErrorIsNotCounted() {
        Retry retry = retry(3);

        CompletableFuture<String> result =
                retry.executeAsync(() -> CompletableFuture.failedFuture(new StackOverflowError("fatal")), scheduler);

        assertThat(result).isCompletedExceptionally();
        assertThat(retry.stats()).isEqualTo(stats(0, 0, 0, 0, 0));
    }

    // ---------------------------------------------------------------- the snapshot

    @Test
    void aSnapshotRejectsNegativeCounts() {
        assertThatThrownBy(() -> new RetryStats(-1, 0, 0, 0, 0, 0))
                .hasMessage("succeededWithoutRetry must be >= 0, was -1");
        assertThatThrownBy(() -> new RetryStats(0, -1, 0, 0, 0, 0)).hasMessageStartingWith("succeededAfterRetry");
        assertThatThrownBy(() -> new RetryStats(0, 0, -1, 0, 0, 0)).hasMessageStartingWith("failedWithoutRetry");
        assertThatThrownBy(() -> new RetryStats(0, 0, 0, -1, 0, 0)).hasMessageStartingWith("failedAfterRetry");
        assertThatThrownBy(() -> new RetryStats(0, 0, 0, 0, -1, 0)).hasMessageStartingWith("retries");
        assertThatThrownBy(() -> new RetryStats(0, 0, 0, 0, 0, -1)).hasMessageStartingWith("rejectedRetries");
        assertThat(new RetryStats(1, 2, 3, 4, 5, 6).calls()).isEqualTo(10);
    }
}
