package dev.reliability.circuitbreaker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PhaseTest {

    private static Phase phase(CircuitState state) {
        return new Phase(state, 7, 100, 1_000, 0, null, 0);
    }

    @Test
    void failureAtThresholdTripsAndLaterFailuresAreNotCounted() {
        Phase closed = phase(CircuitState.CLOSED);

        assertThat(closed.addFailure(3)).isEqualTo(1);
        assertThat(closed.addFailure(3)).isEqualTo(2);
        assertThat(closed.addFailure(3)).isEqualTo(Phase.TRIPPED);

        assertThat(closed.tripped()).isTrue();
        assertThat(closed.addFailure(3)).isEqualTo(Integer.MIN_VALUE);
        closed.clearFailures(); // a success never clears a tripped phase
        assertThat(closed.tripped()).isTrue();
    }

    @Test
    void successClearsFailures() {
        Phase closed = phase(CircuitState.CLOSED);
        closed.addFailure(3);

        closed.clearFailures();

        assertThat(closed.consecutiveFailures).isZero();
        assertThat(closed.tripped()).isFalse();
    }

    @Test
    void closingSuccessSealsTheHalfOpenPhase() {
        Phase halfOpen = phase(CircuitState.HALF_OPEN);
        assertThat(halfOpen.tryTakePermit(2)).isTrue();
        assertThat(halfOpen.tryTakePermit(2)).isTrue();
        assertThat(halfOpen.tryTakePermit(2)).isFalse();

        assertThat(halfOpen.completeTrial(true, 2)).isEqualTo(Phase.COUNTED);
        assertThat(halfOpen.halfOpenSuccesses()).isEqualTo(1);
        assertThat(halfOpen.sealedAs()).isEqualTo(Phase.NOT_COUNTED);
        assertThat(halfOpen.completeTrial(true, 2)).isEqualTo(Phase.CLOSE);

        assertThat(halfOpen.sealedAs()).isEqualTo(Phase.CLOSE);
        assertThat(halfOpen.halfOpenSuccesses()).isEqualTo(2);
        assertThat(halfOpen.permitsInFlight()).isZero();
        assertThat(halfOpen.tryTakePermit(2)).isFalse();
    }

    @Test
    void failingTrialSealsTheHalfOpenPhaseToReopen() {
        Phase halfOpen = phase(CircuitState.HALF_OPEN);
        halfOpen.tryTakePermit(2);
        halfOpen.tryTakePermit(2);

        assertThat(halfOpen.completeTrial(false, 1)).isEqualTo(Phase.REOPEN);

        assertThat(halfOpen.sealedAs()).isEqualTo(Phase.REOPEN);
        assertThat(halfOpen.permitsInFlight()).isEqualTo(1);
        assertThat(halfOpen.completeTrial(true, 1)).isEqualTo(Phase.NOT_COUNTED);
        halfOpen.releasePermit(); // a sealed phase ignores releases
        assertThat(halfOpen.permitsInFlight()).isEqualTo(1);
    }

    @Test
    void outcomesWithoutOutstandingPermitChangeNothing() {
        Phase halfOpen = phase(CircuitState.HALF_OPEN);

        assertThat(halfOpen.completeTrial(true, 1)).isEqualTo(Phase.NOT_COUNTED);
        halfOpen.releasePermit();

        assertThat(halfOpen.permitsInFlight()).isZero();
        assertThat(halfOpen.halfOpenSuccesses()).isZero();
        assertThat(halfOpen.sealedAs()).isEqualTo(Phase.NOT_COUNTED);
    }

    @Test
    void markAcquiredKeepsTheNewestTime() {
        Phase halfOpen = phase(CircuitState.HALF_OPEN);

        halfOpen.markAcquired(500);
        halfOpen.markAcquired(300);

        assertThat(halfOpen.lastAcquireNanos).isEqualTo(500);
        assertThat(halfOpen).hasToString("HALF_OPEN#7");
    }

    @Test
    void onlyOpenAndHalfOpenPhasesSampleTheClock() {
        assertThat(phase(CircuitState.OPEN).sampler).isNotNull();
        assertThat(phase(CircuitState.HALF_OPEN).sampler).isNotNull();
        assertThat(phase(CircuitState.CLOSED).sampler).isNull();
        assertThat(phase(CircuitState.CLOSED).permitsAll).isTrue();
        assertThat(phase(CircuitState.FORCED_OPEN).permitsAll).isFalse();
    }
}
