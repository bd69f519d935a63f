package dev.reliability.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.NonRetryable;
import dev.reliability.Retryable;
import dev.reliability.backoff.Backoff;
import dev.reliability.backoff.Jitter;
import dev.reliability.testing.ManualTimeSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RetryTest {
    private final ManualTimeSource time = new ManualTimeSource();
    private final AtomicInteger calls = new AtomicInteger();
    private final List<String> events = new ArrayList<>();

    private final RetryListener recorder = new RetryListener() {
        @Override
        public void onRetry(RetryAttempt attempt) {
            events.add("retry " + attempt.number() + " " + attempt.delay() + " " + describe(attempt));
        }

        @Override
        public void onSuccess(RetryAttempt attempt) {
            events.add("success " + attempt.number() + " " + attempt.result());
        }

        @Override
        public void onExhausted(RetryAttempt attempt) {
            events.add("exhausted " + attempt.number() + " " + describe(attempt));
        }

        @Override
        public void onAbort(RetryAttempt attempt) {
            events.add("abort " + attempt.number() + " " + describe(attempt));
        }

        private String describe(RetryAttempt attempt) {
            return attempt.failure() != null ? attempt.failure().getMessage() : "result=" + attempt.result();
        }
    };

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    private Retry retry(RetryPolicy.Builder policy) {
        return Retry.of("test", policy.listener(recorder).build(), time, new SplittableRandom(7));
    }

    private static RetryPolicy.Builder exact(int attempts) {
        return RetryPolicy.builder().maxAttempts(attempts).backoff(Backoff.exponential(Duration.ofSeconds(1), 2.0));
    }

    private String failTimes(int failures, String success) throws IOException {
        if (calls.incrementAndGet() <= failures) {
            throw new IOException("failure " + calls.get());
        }
        return success;
    }

    @Test
    void firstSuccessReturnsAtOnceWithoutWaiting() throws IOException {
        String result = retry(exact(3)).execute(() -> failTimes(0, "ok"));

        assertThat(result).isEqualTo("ok");
        assertThat(calls).hasValue(1);
        assertThat(time.sleeps()).isEmpty();
        assertThat(events).containsExactly("success 1 ok");
    }

    @Test
    void virtualMachineErrorEndsTheCallAtOnceEvenWhenEveryThrowableIsRetried() {
        // A sandbox's limit error is a VirtualMachineError: no policy may retry it or report it to listeners
        Retry retry = retry(exact(5).retryIf(failure -> true));

        assertThatThrownBy(() -> retry.execute(() -> {
                    if (calls.incrementAndGet() == 1) {
                        throw new IOException("first");
                    }
                    throw new StackOverflowError("limit");
                }))
                .isInstanceOf(StackOverflowError.class)
                .hasMessage("limit");
        assertThat(calls).hasValue(2);
        assertThat(events).containsExactly("retry 1 PT1S first");
    }

    @Test
    void retriesUntilSuccessWithTheExactSchedule() throws IOException {
        String result = retry(exact(5)).execute(() -> failTimes(3, "ok"));

        assertThat(result).isEqualTo("ok");
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));
        assertThat(events)
                .containsExactly(
                        "retry 1 PT1S failure 1", "retry 2 PT2S failure 2", "retry 3 PT4S failure 3", "success 4 ok");
    }

    @Test
    void rethrowsTheLastFailureUnchangedWhenAttemptsRunOut() {
        List<IOException> thrown = new ArrayList<>();
        Retry retry = retry(exact(3));

        assertThatThrownBy(() -> retry.execute(() -> {
                    IOException failure = new IOException("failure " + calls.incrementAndGet());
                    thrown.add(failure);
                    throw failure;
                }))
                .isSameAs(thrown.get(2));
        assertThat(calls).hasValue(3);
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));
        assertThat(events).containsExactly("retry 1 PT1S failure 1", "retry 2 PT2S failure 2", "exhausted 3 failure 3");
    }

    @Test
    void checkedExceptionsPassThroughTheSignature() {
        Retry retry = retry(exact(1));
        CheckedCall call = () -> retry.execute(() -> failTimes(5, "never"));

        assertThatThrownBy(call::run).isInstanceOf(IOException.class).hasMessage("failure 1");
    }

    interface CheckedCall {
        void run() throws IOException;
    }

    @Test
    void runRetriesAVoidAction() {
        retry(exact(3)).run(() -> {
            if (calls.incrementAndGet() < 2) {
                throw new IllegalStateException("not yet");
            }
        });

        assertThat(calls).hasValue(2);
    }

    @Test
    void theDefaultPolicyMatchesTheSeed() throws IOException {
        Retry retry = Retry.of("defaults", RetryPolicy.ofDefaults(), time, new SplittableRandom(1));

        assertThatThrownBy(() -> retry.execute(() -> failTimes(10, "never"))).hasMessage("failure 3");
        assertThat(time.sleeps()).hasSize(2);
        assertThat(time.sleeps().get(0)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
        assertThat(time.sleeps().get(1)).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
    }

    @Test
    void errorsAreNotRetriedByDefault() {
        AssertionError error = new AssertionError("bug");

        assertThatThrownBy(() -> retry(exact(3)).execute(() -> {
                    calls.incrementAndGet();
                    throw error;
                }))
                .isSameAs(error);
        assertThat(calls).hasValue(1);
        assertThat(events).containsExactly("abort 1 bug");
    }

    @Test
    void retryOnLimitsRetriesToTheNamedTypes() {
        Retry retry = retry(exact(3).retryOn(IOException.class));

        assertThatThrownBy(() -> retry.execute(() -> {
                    calls.incrementAndGet();
                    throw new IllegalArgumentException("bad input");
                }))
                .hasMessage("bad input");
        assertThat(calls).hasValue(1);
    }

    @Test
    void retryIfDecidesByPredicate() throws IOException {
        Retry retry = retry(exact(3).retryIf(failure -> failure.getMessage().contains("network")));

        assertThatThrownBy(() -> retry.execute(() -> {
                    throw new IOException(calls.incrementAndGet() == 1 ? "network down" : "disk full");
                }))
                .hasMessage("disk full");
        assertThat(calls).hasValue(2);
    }

    @Test
    void abortOnWinsOverRetryOn() {
        Retry retry = retry(exact(3).retryOn(IOException.class).abortOn(java.io.FileNotFoundException.class));

        assertThatThrownBy(() -> retry.execute(() -> {
                    calls.incrementAndGet();
                    throw new java.io.FileNotFoundException("gone");
                }))
                .hasMessage("gone");
        assertThat(calls).hasValue(1);
        assertThat(events).containsExactly("abort 1 gone");
    }

    static final class BadInput extends RuntimeException implements NonRetryable {
        private static final long serialVersionUID = 1L;

        BadInput(String message) {
            super(message);
        }
    }

    static final class Throttled extends RuntimeException implements Retryable {
        private static final long serialVersionUID = 1L;

        Throttled(String message) {
            super(message);
        }
    }

    @Test
    void nonRetryableFailuresStopAtOnceWhateverThePredicates() {
        Retry retry = retry(exact(3).retryOn(RuntimeException.class).retryIf(failure -> true));

        assertThatThrownBy(() -> retry.execute(() -> {
                    calls.incrementAndGet();
                    throw new BadInput("bad input");
                }))
                .isInstanceOf(BadInput.class);
        assertThat(calls).hasValue(1);
    }

    @Test
    void nonRetryableTypesAreRetriedOnlyWhenNamedExplicitly() {
        Retry retry = retry(exact(3).retryOn(BadInput.class));

        assertThatThrownBy(() -> retry.execute(() -> {
                    calls.incrementAndGet();
                    throw new BadInput("rejected");
                }))
                .isInstanceOf(BadInput.class);
        assertThat(calls).hasValue(3);
    }

    @Test
    void retryableFailuresAreRetriedWithoutAskingThePredicates() {
        Retry retry = retry(exact(3).retryIf(failure -> false));

        assertThatThrownBy(() -> retry.execute(() -> {
                    calls.incrementAndGet();
                    throw new Throttled("slow down");
                }))
                .isInstanceOf(Throttled.class);
        assertThat(calls).hasValue(3);
    }

    @Test
    void rejectedResultsAreRetriedAndTheLastIsReturnedWhenAttemptsRunOut() {
        Retry retry = retry(exact(3).retryOnResult(result -> result == null || "busy".equals(result)));

        String result = retry.execute(() -> calls.incrementAndGet() == 1 ? null : "busy");

        assertThat(result).isEqualTo("busy");
        assertThat(calls).hasValue(3);
        assertThat(events)
                .containsExactly("retry 1 PT1S result=null", "retry 2 PT2S result=busy", "exhausted 3 result=busy");
    }

    @Test
    void aResultAcceptedAfterRejectedOnesEndsTheCall() {
        Retry retry = retry(exact(5).retryOnResult(result -> result == null));

        Integer result = retry.execute(() -> calls.incrementAndGet() < 3 ? null : calls.get());

        assertThat(result).isEqualTo(3);
        assertThat(events).last().isEqualTo("success 3 3");
    }

    @Test
    void aWaitThatWouldEndPastTheDeadlineIsNotStarted() {
        Retry retry = retry(exact(10).maxDuration(Duration.ofSeconds(10)));

        assertThatThrownBy(() -> retry.execute(() -> failTimes(100, "never"))).hasMessage("failure 4");
        // 1 + 2 + 4 = 7 s waited; the next wait of 8 s would end at 15 s > 10 s.
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));
        assertThat(events).last().isEqualTo("exhausted 4 failure 4");
    }

    @Test
    void theDeadlineCountsTimeSpentInAttempts() {
        Retry retry =
                retry(exact(10).backoff(Backoff.fixed(Duration.ofSeconds(1))).maxDuration(Duration.ofSeconds(10)));

        assertThatThrownBy(() -> retry.execute(() -> {
                    time.advance(Duration.ofSeconds(4));
                    return failTimes(100, "never");
                }))
                .hasMessage("failure 3");
        // Attempt 1 ends at 4 s and waits to 5 s; attempt 2 ends at 9 s and a wait ending exactly at the 10 s deadline
        // is allowed; attempt 3 ends at 14 s, so no further wait starts.
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    @Test
    void serverPushbackReplacesTheComputedDelayButStaysCapped() {
        Retry retry =
                retry(exact(4).backoff(Backoff.fixed(Duration.ofSeconds(1)).withMaxDelay(Duration.ofSeconds(30)))
                        .delayFrom(failure -> failure.getMessage().startsWith("retry-after ")
                                ? Optional.of(Duration.ofSeconds(
                                        Long.parseLong(failure.getMessage().substring(12))))
                                : Optional.empty()));
        List<String> messages = List.of("retry-after 7", "plain", "retry-after 600", "final");

        assertThatThrownBy(() -> retry.execute(() -> {
                    throw new IOException(messages.get(calls.getAndIncrement()));
                }))
                .hasMessage("final");
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(7), Duration.ofSeconds(1), Duration.ofSeconds(30));
    }

    @Test
    void anEmptyBudgetEndsTheCallWithItsLastFailure() {
        RetryBudget budget = RetryBudget.builder()
                .retryRatio(0)
                .minRetriesPerSecond(0)
                .maxTokens(2)
                .timeSource(time)
                .build();
        Retry retry = retry(exact(10).budget(budget));

        assertThatThrownBy(() -> retry.execute(() -> failTimes(100, "never"))).hasMessage("failure 3");
        assertThat(budget.permittedRetries()).isEqualTo(2);
        assertThat(budget.rejectedRetries()).isEqualTo(1);
        assertThat(events).last().isEqualTo("exhausted 3 failure 3");
    }

    @Test
    void anInterruptDuringAWaitRestoresTheFlagAndRethrows() {
        Retry retry = retry(exact(3));

        assertThatThrownBy(() -> retry.execute(() -> {
                    calls.incrementAndGet();
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted work");
                }))
                .hasMessage("interrupted work");
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
        assertThat(calls).hasValue(1);
    }

    @Test
    void anInterruptOnAResultRetryReturnsTheLastResult() {
        Retry retry = retry(exact(3).retryOnResult(result -> result == null));

        Object result = retry.execute(() -> {
            Thread.currentThread().interrupt();
            return null;
        });

        assertThat(result).isNull();
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
    }

    @Test
    void aThrowingListenerNeverChangesTheOutcome() throws IOException {
        RetryListener broken = new RetryListener() {
            @Override
            public void onRetry(RetryAttempt attempt) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onSuccess(RetryAttempt attempt) {
                throw new IllegalStateException("listener bug");
            }
        };
        Retry retry = retry(exact(3).listener(broken));

        assertThat(retry.execute(() -> failTimes(1, "ok"))).isEqualTo("ok");
        assertThat(events).containsExactly("retry 1 PT1S failure 1", "success 2 ok");
    }

    @Test
    void attemptsCarryTheirTimestamp() throws IOException {
        List<RetryAttempt> seen = new ArrayList<>();
        Retry retry = retry(exact(3).listener(new RetryListener() {
            @Override
            public void onRetry(RetryAttempt attempt) {
                seen.add(attempt);
            }
        }));

        retry.execute(() -> failTimes(2, "ok"));

        assertThat(seen)
                .extracting(RetryAttempt::timestamp)
                .containsExactly(ManualTimeSource.DEFAULT_START, ManualTimeSource.DEFAULT_START.plusSeconds(1));
        assertThat(seen).extracting(RetryAttempt::retryName).containsOnly("test");
    }

    @Test
    void jitteredSchedulesAreDeterministicForASeed() throws IOException {
        RetryPolicy policy = exact(5).backoff(
                        Backoff.exponential(Duration.ofSeconds(1), 2.0).withJitter(Jitter.FULL))
                .build();
        ManualTimeSource first = new ManualTimeSource();
        ManualTimeSource second = new ManualTimeSource();
        Retry one = Retry.of("a", policy, first, new SplittableRandom(3));
        Retry two = Retry.of("b", policy, second, new SplittableRandom(3));

        calls.set(0);
        one.execute(() -> failTimes(4, "ok"));
        calls.set(0);
        two.execute(() -> failTimes(4, "ok"));

        assertThat(first.sleeps()).hasSize(4).isEqualTo(second.sleeps());
    }

    @Test
    void rejectsNullsAndBlankNames() {
        RetryPolicy policy = RetryPolicy.ofDefaults();
        assertThatThrownBy(() -> Retry.of(" ", policy))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("name must not be blank, was \" \"");
        assertThatThrownBy(() -> Retry.of(null, policy))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("name");
        assertThatThrownBy(() -> Retry.of("x", null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("policy");
        assertThatThrownBy(() -> Retry.of("x", policy, null, new SplittableRandom()))
                .hasMessage("timeSource");
        assertThatThrownBy(() -> Retry.of("x", policy, time, null)).hasMessage("random");
        Retry retry = Retry.of("x", policy);
        assertThatThrownBy(() -> retry.execute(null)).hasMessage("action");
        assertThatThrownBy(() -> retry.run(null)).hasMessage("action");
        assertThat(retry.name()).isEqualTo("x");
        assertThat(retry.policy()).isSameAs(policy);
        assertThat(retry.toString()).startsWith("Retry[x, RetryPolicy[maxAttempts=3");
    }

    @Test
    void theSystemRetryUsesThreadLocalRandomnessFromAnyThread() throws Exception {
        Retry retry = Retry.of(
                "system",
                RetryPolicy.builder()
                        .maxAttempts(2)
                        .backoff(Backoff.fixed(Duration.ofNanos(1000)).withJitter(Jitter.FULL))
                        .build());
        AtomicInteger attempts = new AtomicInteger();
        Thread worker = new Thread(() -> retry.run(() -> {
            if (attempts.incrementAndGet() == 1) {
                throw new UncheckedIOException(new IOException("once"));
            }
        }));
        worker.start();
        worker.join(10_000);

        assertThat(attempts).hasValue(2);
    }
}
