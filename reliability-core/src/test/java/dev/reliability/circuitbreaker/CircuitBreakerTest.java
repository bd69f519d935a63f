package dev.reliability.circuitbreaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.testing.ManualTimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
    private final ManualTimeSource time = new ManualTimeSource();
    private final RecordingListener listener = new RecordingListener();

    private StateMachineCircuitBreaker breaker(CircuitBreakerConfig.Builder config) {
        return new StateMachineCircuitBreaker("test", config.build(), time, List.of(listener));
    }

    private static CircuitBreakerConfig.Builder config() {
        return CircuitBreakerConfig.builder()
                .failureThreshold(3)
                .openDuration(Duration.ofSeconds(30))
                .successThreshold(2);
    }

    private static void fail(CircuitBreaker breaker, int times) {
        for (int i = 0; i < times; i++) {
            assertThat(breaker.tryAcquirePermission()).isTrue();
            breaker.onError(1, new IOException("boom"));
        }
    }

    private static void succeed(CircuitBreaker breaker, int times) {
        for (int i = 0; i < times; i++) {
            assertThat(breaker.tryAcquirePermission()).isTrue();
            breaker.onSuccess(1);
        }
    }

    @Test
    void startsClosedAndPermits() {
        // Given a new breaker
        StateMachineCircuitBreaker breaker = breaker(config());

        // Then it is closed and permits calls
        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(breaker.tryAcquirePermission()).isTrue();
        assertThat(breaker.name()).isEqualTo("test");
        assertThat(breaker.config()).isEqualTo(config().build());
        assertThat(breaker).hasToString("CircuitBreaker[test, CLOSED]");
    }

    @Test
    void staysClosedOneFailureBelowThreshold() {
        StateMachineCircuitBreaker breaker = breaker(config());

        fail(breaker, 2);

        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(breaker.stats().consecutiveFailures()).isEqualTo(2);
        assertThat(listener.transitions).isEmpty();
    }

    @Test
    void opensAfterFailureThreshold() {
        StateMachineCircuitBreaker breaker = breaker(config());

        fail(breaker, 3);

        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        assertThat(listener.path()).containsExactly("CLOSED->OPEN");
        StateTransition transition = listener.transitions.peek();
        assertThat(transition.breakerName()).isEqualTo("test");
        assertThat(transition.timestamp()).isEqualTo(ManualTimeSource.DEFAULT_START);
    }

    @Test
    void successResetsConsecutiveFailures() {
        StateMachineCircuitBreaker breaker = breaker(config());

        fail(breaker, 2);
        succeed(breaker, 1);
        fail(breaker, 2);

        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(breaker.stats().consecutiveFailures()).isEqualTo(2);
    }

    @Test
    void openRejectsUntilOpenDurationHasPassed() {
        StateMachineCircuitBreaker breaker = breaker(config());
        fail(breaker, 3);

        time.advance(Duration.ofSeconds(30).minusNanos(1));
        assertThat(breaker.tryAcquirePermission()).isFalse();
        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);

        time.advance(Duration.ofNanos(1));
        assertThat(breaker.tryAcquirePermission()).isTrue();
        assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
        assertThat(listener.path()).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN");
        assertThat(listener.rejections).containsExactly(CircuitState.OPEN);
    }

    @Test
    void stateReadDrivesTheMoveToHalfOpenWithoutTakingAPermit() {
        // Given an open breaker, polled as a user's scheduler would
        StateMachineCircuitBreaker breaker = breaker(config().successThreshold(1));
        fail(breaker, 3);
        time.advance(Duration.ofSeconds(30).minusNanos(1));
        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);

        // When the open duration has passed
        time.advance(Duration.ofNanos(1));

        // Then reading the state moves it to half-open, once, and every trial permit is still free
        assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
        assertThat(breaker.stats().state()).isEqualTo(CircuitState.HALF_OPEN);
        assertThat(listener.path()).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN");
        assertThat(breaker.tryAcquirePermission()).isTrue();
        assertThat(breaker.tryAcquirePermission()).isFalse();
    }

    @Test
    void halfOpenClosesAfterSuccessThreshold() {
        StateMachineCircuitBreaker breaker = breaker(config());
        fail(breaker, 3);
        time.advance(Duration.ofSeconds(30));

        succeed(breaker, 1);
        assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
        succeed(breaker, 1);

        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(listener.path()).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
        assertThat(breaker.stats().consecutiveFailures()).isZero();
    }

    @Test
    void halfOpenFailureReopensAndRestartsOpenDuration() {
        StateMachineCircuitBreaker breaker = breaker(config());
        fail(breaker, 3);
        time.advance(Duration.ofSeconds(30));
        succeed(breaker, 1);

        fail(breaker, 1);

        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        time.advance(Duration.ofSeconds(30).minusNanos(1));
        assertThat(breaker.tryAcquirePermission()).isFalse();
        time.advance(Duration.ofNanos(1));
        assertThat(breaker.tryAcquirePermission()).isTrue();
        assertThat(listener.path())
                .containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN", "OPEN->HALF_OPEN");
    }

    @Test
    void halfOpenAdmitsAtMostHalfOpenPermits() {
        StateMachineCircuitBreaker breaker = breaker(config().halfOpenPermits(2).successThreshold(3));
        fail(breaker, 3);
        time.advance(Duration.ofSeconds(30));

        assertThat(breaker.tryAcquirePermission()).isTrue();
        assertThat(breaker.tryAcquirePermission()).isTrue();
        assertThat(breaker.tryAcquirePermission()).isFalse();

        breaker.onSuccess(1);
        assertThat(breaker.tryAcquirePermission()).isTrue();
        assertThat(breaker.tryAcquirePermission()).isFalse();
        assertThat(listener.rejections).containsExactly(CircuitState.HALF_OPEN, CircuitState.HALF_OPEN);
    }

    @Test
    void halfOpenPermitsDefaultToSuccessThreshold() {
        StateMachineCircuitBreaker breaker = breaker(config());
        fail(breaker, 3);
        time.advance(Duration.ofSeconds(30));

        assertThat(breaker.tryAcquirePermission()).isTrue();
        assertThat(breaker.tryAcquirePermission()).isTrue();
        assertThat(breaker.tryAcquirePermission()).isFalse();
    }

    @Test
    void releasedHalfOpenPermitCanBeTakenAgain() {
        StateMachineCircuitBreaker breaker = breaker(config().successThreshold(1));
        fail(breaker, 3);
        time.advance(Duration.ofSeconds(30));
        assertThat(breaker.tryAcquirePermission()).isTrue();
        assertThat(breaker.tryAcquirePermission()).isFalse();

        breaker.releasePermission();

        assertThat(breaker.tryAcquirePermission()).isTrue();
        assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
    }

    @Test
    void releasingTwiceIsNoOp() {
        StateMachineCircuitBreaker breaker = breaker(config().successThreshold(1));
        fail(breaker, 3);
        time.advance(Duration.ofSeconds(30));
        assertThat(breaker.tryAcquirePermission()).isTrue();

        breaker.releasePermission();
        breaker.releasePermission();

        assertThat(breaker.phase().permitsInFlight()).isZero();
        assertThat(breaker.tryAcquirePermission()).isTrue();
        assertThat(breaker.tryAcquirePermission()).isFalse();
    }

    @Test
    void outcomeWithoutOutstandingHalfOpenPermitIsNotCounted() {
        StateMachineCircuitBreaker breaker = breaker(config().successThreshold(1));
        fail(breaker, 3);
        time.advance(Duration.ofSeconds(30));
        assertThat(breaker.tryAcquirePermission()).isTrue();
        breaker.releasePermission();

        breaker.onSuccess(1); // a stray outcome: no trial permit is outstanding
        breaker.onError(1, new IOException());

        assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
        assertThat(breaker.stats().totalSuccess()).isEqualTo(1);
    }

    @Test
    void stuckProbeIsReclaimedAfterMaxWaitInHalfOpen() {
        StateMachineCircuitBreaker breaker =
                breaker(config().successThreshold(1).maxWaitInHalfOpen(Duration.ofSeconds(10)));
        fail(breaker, 3);
        time.advance(Duration.ofSeconds(30));
        assertThat(breaker.tryAcquirePermission()).isTrue(); // never completed
        long generation = breaker.phase().generation;

        time.advance(Duration.ofSeconds(10).minusNanos(1));
        assertThat(breaker.tryAcquirePermission()).isFalse();
        time.advance(Duration.ofNanos(1));
        assertThat(breaker.tryAcquirePermission()).isTrue();

        assertThat(breaker.phase().generation).isEqualTo(generation + 1);
        assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
        assertThat(listener.path()).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN");
    }

    @Test
    void growingOpenDurationMultipliesOnEachReopenUpToMaximum() {
        StateMachineCircuitBreaker breaker = breaker(config().successThreshold(1)
                .openDuration(Duration.ofSeconds(10))
                .openDurationMultiplier(2.0)
                .maxOpenDuration(Duration.ofSeconds(25)));
        fail(breaker, 3);
        assertThat(breaker.phase().openNanos).isEqualTo(Duration.ofSeconds(10).toNanos());

        time.advance(Duration.ofSeconds(10));
        fail(breaker, 1);
        assertThat(breaker.phase().openNanos).isEqualTo(Duration.ofSeconds(20).toNanos());

        time.advance(Duration.ofSeconds(20).minusNanos(1));
        assertThat(breaker.tryAcquirePermission()).isFalse();
        time.advance(Duration.ofNanos(1));
        fail(breaker, 1);
        assertThat(breaker.phase().openNanos).isEqualTo(Duration.ofSeconds(25).toNanos());

        time.advance(Duration.ofSeconds(25));
        succeed(breaker, 1);
        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        fail(breaker, 3);
        assertThat(breaker.phase().openNanos).isEqualTo(Duration.ofSeconds(10).toNanos());
    }

    @Test
    void fixedOpenDurationDoesNotGrow() {
        StateMachineCircuitBreaker breaker = breaker(config().successThreshold(1));
        fail(breaker, 3);
        time.advance(Duration.ofSeconds(30));
        fail(breaker, 1);

        assertThat(breaker.phase().openNanos).isEqualTo(Duration.ofSeconds(30).toNanos());
    }

    @Test
    void forceOpenRejectsEverythingUntilMovedByHand() {
        StateMachineCircuitBreaker breaker = breaker(config());

        breaker.forceOpen();
        breaker.forceOpen();
        time.advance(Duration.ofDays(1));

        assertThat(breaker.tryAcquirePermission()).isFalse();
        assertThat(breaker.state()).isEqualTo(CircuitState.FORCED_OPEN);
        assertThatThrownBy(() -> breaker.execute(() -> "x"))
                .isInstanceOfSatisfying(CallNotPermittedException.class, e -> {
                    assertThat(e.state()).isEqualTo(CircuitState.FORCED_OPEN);
                    assertThat(e.getMessage()).isEqualTo("circuit breaker 'test' is forced-open");
                });
        breaker.transitionToClosed();
        assertThat(breaker.tryAcquirePermission()).isTrue();
        assertThat(listener.path()).containsExactly("CLOSED->FORCED_OPEN", "FORCED_OPEN->CLOSED");
    }

    @Test
    void disabledPermitsAndCountsButNeverOpens() {
        StateMachineCircuitBreaker breaker = breaker(config());

        breaker.disable();
        breaker.disable();
        fail(breaker, 10);

        assertThat(breaker.state()).isEqualTo(CircuitState.DISABLED);
        CircuitStats stats = breaker.stats();
        assertThat(stats.totalFailures()).isEqualTo(10);
        assertThat(stats.consecutiveFailures()).isEqualTo(10);
        assertThat(listener.path()).containsExactly("CLOSED->DISABLED");
        succeed(breaker, 1);
        assertThat(breaker.stats().consecutiveFailures()).isZero();
    }

    @Test
    void transitionToClosedFromOpenStartsFreshGeneration() {
        StateMachineCircuitBreaker breaker = breaker(config());
        fail(breaker, 3);

        breaker.transitionToClosed();
        breaker.transitionToClosed();

        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(breaker.stats().consecutiveFailures()).isZero();
        assertThat(breaker.stats().totalFailures()).isEqualTo(3);
        assertThat(listener.path()).containsExactly("CLOSED->OPEN", "OPEN->CLOSED");
    }

    @Test
    void resetClearsEverything() {
        StateMachineCircuitBreaker breaker = breaker(config());
        succeed(breaker, 2);
        fail(breaker, 3);
        breaker.tryAcquirePermission();

        breaker.reset();

        CircuitStats stats = breaker.stats();
        assertThat(stats.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(stats.requests()).isZero();
        assertThat(stats.totalSuccess()).isZero();
        assertThat(stats.totalFailures()).isZero();
        assertThat(stats.rejected()).isZero();
        assertThat(stats.consecutiveSuccess()).isZero();
        assertThat(stats.consecutiveFailures()).isZero();
        assertThat(stats.lastSuccessTime()).isNull();
        assertThat(stats.lastFailureTime()).isNull();
        assertThat(listener.path()).containsExactly("CLOSED->OPEN", "OPEN->CLOSED");
    }

    @Test
    void resetOfClosedBreakerPublishesNothing() {
        StateMachineCircuitBreaker breaker = breaker(config());
        fail(breaker, 2);

        breaker.reset();

        assertThat(listener.transitions).isEmpty();
        assertThat(breaker.stats().consecutiveFailures()).isZero();
    }

    @Test
    void statsCountEveryOutcome() {
        StateMachineCircuitBreaker breaker = breaker(config().ignore(IllegalStateException.class));
        succeed(breaker, 2);
        time.advance(Duration.ofSeconds(1));
        fail(breaker, 1);
        time.advance(Duration.ofSeconds(1));
        succeed(breaker, 1);
        breaker.tryAcquirePermission();
        breaker.onError(1, new IllegalStateException("ignored"));
        breaker.tryAcquirePermission();
        breaker.releasePermission();
        time.advance(Duration.ofSeconds(1));

        CircuitStats stats = breaker.stats();

        assertThat(stats.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(stats.requests()).isEqualTo(6);
        assertThat(stats.totalSuccess()).isEqualTo(3);
        assertThat(stats.totalFailures()).isEqualTo(1);
        assertThat(stats.consecutiveSuccess()).isEqualTo(1);
        assertThat(stats.consecutiveFailures()).isZero();
        assertThat(stats.rejected()).isZero();
        assertThat(stats.lastSuccessTime()).isEqualTo(ManualTimeSource.DEFAULT_START.plusSeconds(2));
        assertThat(stats.lastFailureTime()).isEqualTo(ManualTimeSource.DEFAULT_START.plusSeconds(1));
        assertThat(stats.failureRate()).isEqualTo(-1.0);
        assertThat(stats.slowCallRate()).isEqualTo(-1.0);
    }

    @Test
    void statsCountRejections() {
        StateMachineCircuitBreaker breaker = breaker(config());
        fail(breaker, 3);

        breaker.tryAcquirePermission();
        breaker.tryAcquirePermission();

        CircuitStats stats = breaker.stats();
        assertThat(stats.state()).isEqualTo(CircuitState.OPEN);
        assertThat(stats.rejected()).isEqualTo(2);
        assertThat(stats.consecutiveFailures()).isEqualTo(3);
        assertThat(stats.consecutiveSuccess()).isZero();
        assertThat(stats.lastSuccessTime()).isNull();
    }

    @Test
    void executeReturnsResultAndRecordsSuccess() {
        StateMachineCircuitBreaker breaker = breaker(config());

        String result = breaker.execute(() -> {
            time.advance(Duration.ofMillis(5));
            return "ok";
        });

        assertThat(result).isEqualTo("ok");
        assertThat(breaker.stats().totalSuccess()).isEqualTo(1);
        assertThat(listener.durations).containsExactly(Duration.ofMillis(5).toNanos());
    }

    @Test
    void executeRethrowsCheckedFailureUnchangedAndRecordsIt() {
        StateMachineCircuitBreaker breaker = breaker(config());
        IOException failure = new IOException("down");

        assertThatThrownBy(() -> breaker.execute(() -> {
                    throw failure;
                }))
                .isSameAs(failure);

        assertThat(breaker.stats().totalFailures()).isEqualTo(1);
        assertThat(listener.errors).containsExactly(failure);
    }

    @Test
    void runRecordsSuccessAndFailure() throws Exception {
        StateMachineCircuitBreaker breaker = breaker(config());

        breaker.run(() -> {});
        assertThatThrownBy(() -> breaker.run(() -> {
                    throw new IOException("down");
                }))
                .isInstanceOf(IOException.class);

        assertThat(breaker.stats().totalSuccess()).isEqualTo(1);
        assertThat(breaker.stats().totalFailures()).isEqualTo(1);
    }

    @Test
    void executeOnOpenBreakerThrowsWithRemainingTimeAndDoesNotCall() {
        StateMachineCircuitBreaker breaker = breaker(config());
        fail(breaker, 3);
        time.advance(Duration.ofSeconds(10));

        assertThatThrownBy(() -> breaker.execute(() -> {
                    throw new AssertionError("must not run");
                }))
                .isInstanceOfSatisfying(CallNotPermittedException.class, e -> {
                    assertThat(e.breakerName()).isEqualTo("test");
                    assertThat(e.state()).isEqualTo(CircuitState.OPEN);
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(20));
                    assertThat(e.getStackTrace()).isEmpty();
                    assertThat(e.getMessage()).isEqualTo("circuit breaker 'test' is open, retry after PT20S");
                });
        assertThatThrownBy(() -> breaker.run(() -> {})).isInstanceOf(CallNotPermittedException.class);
        assertThat(breaker.stats().rejected()).isEqualTo(2);
    }

    @Test
    void executeInFullHalfOpenThrowsWithZeroRetryAfter() {
        StateMachineCircuitBreaker breaker = breaker(config().successThreshold(1));
        fail(breaker, 3);
        time.advance(Duration.ofSeconds(30));
        assertThat(breaker.tryAcquirePermission()).isTrue();

        assertThatThrownBy(() -> breaker.execute(() -> "x"))
                .isInstanceOfSatisfying(CallNotPermittedException.class, e -> {
                    assertThat(e.state()).isEqualTo(CircuitState.HALF_OPEN);
                    assertThat(e.retryAfter()).isZero();
                });
    }

    @Test
    void executeInHalfOpenClosesOnSuccess() {
        StateMachineCircuitBreaker breaker = breaker(config().successThreshold(1));
        fail(breaker, 3);
        time.advance(Duration.ofSeconds(30));

        assertThat(breaker.execute(() -> 42)).isEqualTo(42);

        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
    }

    @Test
    void staleExecuteOutcomeDoesNotCountAgainstNewGeneration() throws Exception {
        // Given a call that took its permit while the breaker was closed
        StateMachineCircuitBreaker breaker =
                breaker(config().successThreshold(1).halfOpenPermits(1));
        IOException[] late = new IOException[1];
        assertThatThrownBy(() -> breaker.execute(() -> {
                    // When, during the call, the breaker opens and moves to half-open with its one trial taken
                    fail(breaker, 3);
                    time.advance(Duration.ofSeconds(30));
                    assertThat(breaker.tryAcquirePermission()).isTrue();
                    late[0] = new IOException("late");
                    throw late[0];
                }))
                .isSameAs(late[0]);

        // Then the late failure neither reopened the breaker nor took the trial's permit
        assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
        assertThat(breaker.phase().permitsInFlight()).isEqualTo(1);
        breaker.onSuccess(1);
        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(breaker.stats().totalFailures()).isEqualTo(4);
    }

    @Test
    void ignoredFailureIsNeitherSuccessNorFailure() {
        StateMachineCircuitBreaker breaker = breaker(config().ignore(IllegalStateException.class));
        IllegalStateException ignored = new IllegalStateException("skip");

        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> breaker.execute(() -> {
                        throw ignored;
                    }))
                    .isSameAs(ignored);
        }

        CircuitStats stats = breaker.stats();
        assertThat(stats.totalFailures()).isZero();
        assertThat(stats.totalSuccess()).isZero();
        assertThat(stats.requests()).isEqualTo(5);
        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
    }

    @Test
    void ignoredFailureReleasesHalfOpenPermit() {
        StateMachineCircuitBreaker breaker =
                breaker(config().successThreshold(1).ignore(IllegalStateException.class));
        fail(breaker, 3);
        time.advance(Duration.ofSeconds(30));

        assertThatThrownBy(() -> breaker.execute(() -> {
                    throw new IllegalStateException();
                }))
                .isInstanceOf(IllegalStateException.class);

        assertThat(breaker.phase().permitsInFlight()).isZero();
        assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
    }

    @Test
    void failureRejectedByRecordOnCountsAsSuccess() {
        StateMachineCircuitBreaker breaker = breaker(config().recordOn(t -> t instanceof IOException));

        for (int i = 0; i < 5; i++) {
            breaker.tryAcquirePermission();
            breaker.onError(1, new IllegalArgumentException());
        }

        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(breaker.stats().totalSuccess()).isEqualTo(5);
    }

    @Test
    void resultMatchingRecordResultCountsAsFailure() {
        StateMachineCircuitBreaker breaker = breaker(config().recordResult(r -> r == null));

        for (int i = 0; i < 3; i++) {
            assertThat(breaker.execute(() -> (String) null)).isNull();
        }

        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        assertThat(listener.errors).containsExactly("result", "result", "result");
        breaker.transitionToClosed();
        breaker.tryAcquirePermission();
        breaker.onResult(1, "fine");
        assertThat(breaker.stats().totalSuccess()).isEqualTo(1);
    }

    @Test
    void throwingResultPredicateReleasesPermitAndPropagates() {
        StateMachineCircuitBreaker breaker =
                breaker(config().successThreshold(1).recordResult(r -> {
                    throw new IllegalStateException("bad predicate");
                }));
        fail(breaker, 3);
        time.advance(Duration.ofSeconds(30));

        assertThatThrownBy(() -> breaker.execute(() -> "x")).hasMessage("bad predicate");

        assertThat(breaker.phase().permitsInFlight()).isZero();
    }

    @Test
    void throwingRecordOnPredicateReleasesPermitAndKeepsCallFailure() {
        StateMachineCircuitBreaker breaker =
                breaker(config().successThreshold(1).recordOn(t -> {
                    throw new IllegalStateException("bad predicate");
                }));
        breaker.forceOpen();
        breaker.transitionToClosed();
        IOException failure = new IOException("down");

        assertThatThrownBy(() -> breaker.run(() -> {
                    throw failure;
                }))
                .isSameAs(failure);

        assertThat(failure.getSuppressed()).singleElement().satisfies(s -> assertThat(s)
                .hasMessage("bad predicate"));
        assertThat(breaker.stats().requests()).isEqualTo(1);
    }

    @Test
    void throwingListenerNeverChangesTheOutcome() {
        CircuitBreakerListener throwing = new CircuitBreakerListener() {
            @Override
            public void onStateTransition(StateTransition transition) {
                throw new IllegalStateException("listener");
            }

            @Override
            public void onCallNotPermitted(String breakerName, CircuitState state) {
                throw new IllegalStateException("listener");
            }

            @Override
            public void onSuccess(String breakerName, long durationNanos) {
                throw new IllegalStateException("listener");
            }

            @Override
            public void onError(String breakerName, long durationNanos, Throwable error) {
                throw new IllegalStateException("listener");
            }
        };
        StateMachineCircuitBreaker breaker =
                new StateMachineCircuitBreaker("test", config().build(), time, List.of(throwing, listener));

        assertThat(breaker.execute(() -> "ok")).isEqualTo("ok");
        fail(breaker, 3);
        assertThat(breaker.tryAcquirePermission()).isFalse();

        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        assertThat(listener.path()).containsExactly("CLOSED->OPEN");
        assertThat(listener.rejections).hasSize(1);
        assertThat(listener.successes).hasValue(1);
    }

    @Test
    void listenerVirtualMachineErrorIsRethrown() {
        CircuitBreakerListener fatal = new CircuitBreakerListener() {
            @Override
            public void onSuccess(String breakerName, long durationNanos) {
                throw new StackOverflowError("fatal");
            }
        };
        StateMachineCircuitBreaker breaker =
                new StateMachineCircuitBreaker("test", config().build(), time, List.of(fatal));

        assertThatThrownBy(() -> breaker.onSuccess(1)).isInstanceOf(StackOverflowError.class);
    }

    @Test
    void listenerVirtualMachineErrorInFailureHandlingEndsTheCallAfterTheTransition() {
        // Given a transition listener that hits a limit (as a sandboxed on_state_change does)
        CircuitBreakerListener fatal = new CircuitBreakerListener() {
            @Override
            public void onStateTransition(StateTransition transition) {
                throw new StackOverflowError("limit");
            }
        };
        StateMachineCircuitBreaker breaker =
                new StateMachineCircuitBreaker("test", config().build(), time, List.of(fatal));
        fail(breaker, 2);

        // When the third failure opens the breaker, the limit ends the call instead of the call's failure
        assertThatThrownBy(() -> breaker.execute(() -> {
                    throw new IOException("boom");
                }))
                .isInstanceOf(StackOverflowError.class)
                .hasMessage("limit")
                .hasNoSuppressedExceptions();

        // Then the transition was committed before the error left, and the failure counted once
        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        assertThat(breaker.stats().totalFailures()).isEqualTo(3);
        assertThat(breaker.stats().requests()).isEqualTo(3);
    }

    @Test
    void virtualMachineErrorFromTheActionIsNeverRecordedAsAFailure() {
        StateMachineCircuitBreaker breaker = breaker(config().failureThreshold(1));

        assertThatThrownBy(() -> breaker.execute(() -> {
                    throw new StackOverflowError("limit");
                }))
                .isInstanceOf(StackOverflowError.class);
        assertThatThrownBy(() -> breaker.run(() -> {
                    throw new OutOfMemoryError("heap");
                }))
                .isInstanceOf(OutOfMemoryError.class);

        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(breaker.stats().totalFailures()).isZero();
        assertThat(listener.errors).isEmpty();
    }

    @Test
    void defaultListenerMethodsDoNothing() {
        CircuitBreakerListener noop = new CircuitBreakerListener() {};
        StateMachineCircuitBreaker breaker =
                new StateMachineCircuitBreaker("test", config().build(), time, List.of(noop));

        fail(breaker, 3);
        breaker.tryAcquirePermission();
        breaker.transitionToClosed();
        succeed(breaker, 1);

        assertThat(breaker.stats().requests()).isEqualTo(4);
    }

    @Test
    void factoriesCreateClosedBreakers() {
        CircuitBreaker standalone = CircuitBreaker.of("a", config().build());
        CircuitBreaker defaults = CircuitBreaker.ofDefaults("b");

        assertThat(standalone.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(standalone.execute(() -> 1)).isEqualTo(1);
        assertThat(defaults.config()).isEqualTo(CircuitBreakerConfig.ofDefaults());
    }

    @Test
    void factoryChecksArguments() {
        CircuitBreakerConfig c = config().build();
        assertThatThrownBy(() -> CircuitBreaker.of(" ", c))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("name must not be blank, was \" \"");
        assertThatThrownBy(() -> CircuitBreaker.of(null, c)).hasMessage("name");
        assertThatThrownBy(() -> CircuitBreaker.of("a", null)).hasMessage("config");
        assertThatThrownBy(() -> CircuitBreaker.of("a", c, null, List.of())).hasMessage("timeSource");
        assertThatThrownBy(() -> CircuitBreaker.of("a", c, time, null)).hasMessage("listeners");
        assertThatThrownBy(
                        () -> CircuitBreaker.of("a", c, time, java.util.Arrays.asList((CircuitBreakerListener) null)))
                .hasMessage("listener");
        CircuitBreaker breaker = CircuitBreaker.of("a", c, time, List.of());
        assertThatThrownBy(() -> breaker.execute(null)).hasMessage("action");
        assertThatThrownBy(() -> breaker.run(null)).hasMessage("action");
        assertThatThrownBy(() -> breaker.onError(1, null)).hasMessage("error");
    }
}
