package dev.reliability.circuitbreaker;

import org.jetbrains.kotlinx.lincheck.LinCheckerKt;
import org.jetbrains.kotlinx.lincheck.strategy.managed.modelchecking.ModelCheckingOptions;
import org.jetbrains.kotlinx.lincheck.strategy.stress.StressOptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Lincheck checks that the low-level operations of the state machine are linearizable: every concurrent history of
 * them, on a manual clock, equals some sequential history. Model checking explores thread interleavings
 * systematically; stress testing runs them on real threads.
 *
 * <p>Tagged {@code lincheck}, apart from the quick {@code concurrency} tests. Iteration counts come from system
 * properties so CI stays well under a minute: {@code lincheck.iterations}
 * (default 10) and {@code lincheck.invocations} (default 300).
 */
@Tag("lincheck")
class CircuitBreakerLincheckTest {

    private static int property(String name, int defaultValue) {
        return Integer.getInteger(name, defaultValue);
    }

    @Test
    void modelChecking() {
        LinCheckerKt.check(
                new ModelCheckingOptions()
                        .iterations(property("lincheck.iterations", 10))
                        .invocationsPerIteration(property("lincheck.invocations", 300))
                        .threads(2)
                        .actorsPerThread(3)
                        .actorsBefore(2),
                BreakerLincheckModel.class);
    }

    @Test
    void stress() {
        LinCheckerKt.check(
                new StressOptions()
                        .iterations(property("lincheck.iterations", 10))
                        .invocationsPerIteration(property("lincheck.invocations", 300))
                        .threads(3)
                        .actorsPerThread(3)
                        .actorsBefore(2),
                BreakerLincheckModel.class);
    }
}
