package dev.reliability.circuitbreaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.reliability.registry.Registry;
import dev.reliability.state.SimpleStateStore;
import dev.reliability.testing.ManualTimeSource;
import java.io.IOException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hot paths allocate nothing: closed-state permit and success, open-state rejection, and {@code execute} on a
 * closed breaker. Measured with HotSpot's per-thread allocation counter, so the test is skipped on other VMs.
 */
class HotPathAllocationTest {
    private static final int CALLS = 100_000;
    private static final String RESULT = "ok";

    private Object threads;
    private Method allocatedBytes;

    /**
     * Finds {@code com.sun.management.ThreadMXBean.getCurrentThreadAllocatedBytes()} reflectively: the tests compile
     * inside the core module, which reads no management module.
     */
    @BeforeEach
    void allocationCounter() throws ReflectiveOperationException {
        Class<?> hotspotBean;
        try {
            hotspotBean = Class.forName("com.sun.management.ThreadMXBean");
        } catch (ClassNotFoundException e) {
            hotspotBean = null;
        }
        assumeTrue(hotspotBean != null, "needs HotSpot's allocation counter");
        threads = Class.forName("java.lang.management.ManagementFactory")
                .getMethod("getThreadMXBean")
                .invoke(null);
        assumeTrue(hotspotBean.isInstance(threads), "needs HotSpot's allocation counter");
        allocatedBytes = hotspotBean.getMethod("getCurrentThreadAllocatedBytes");
        for (int i = 0; i < 100; i++) {
            allocated(); // past reflection's inflation threshold, so reading the counter allocates little
        }
        assumeTrue(allocated() >= 0, "allocation counter disabled");
    }

    private long allocated() {
        try {
            return (Long) allocatedBytes.invoke(threads);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private long allocatedBy(Runnable calls) {
        calls.run(); // warm up: class initialisation, the per-thread counter cells, the samplers
        long before = allocated();
        calls.run();
        return allocated() - before;
    }

    private static StateMachineCircuitBreaker breaker() {
        return new StateMachineCircuitBreaker(
                "hot",
                CircuitBreakerConfig.builder()
                        .failureThreshold(1)
                        .openDuration(Duration.ofHours(1))
                        .build(),
                new ManualTimeSource(),
                List.of());
    }

    @Test
    void closedPermitAndSuccessAllocateNothing() {
        StateMachineCircuitBreaker breaker = breaker();

        long bytes = allocatedBy(() -> {
            for (int i = 0; i < CALLS; i++) {
                if (breaker.tryAcquirePermission()) {
                    breaker.onSuccess(10);
                }
            }
        });

        assertThat(bytes).isLessThan(CALLS / 100); // nothing per call; the counter itself may cost a few bytes
        assertThat(breaker.stats().totalSuccess()).isEqualTo(2L * CALLS);
    }

    @Test
    void aBreakerPersistedThroughAStoreAllocatesNothingOnItsClosedAndOpenPaths() {
        ManualTimeSource time = new ManualTimeSource();
        CircuitBreaker breaker = Registry.builder()
                .timeSource(time)
                .stateStore(new SimpleStateStore(time))
                .build()
                .circuitBreaker(
                        "hot",
                        CircuitBreakerConfig.builder()
                                .failureThreshold(1)
                                .openDuration(Duration.ofHours(1))
                                .build());

        long closedBytes = allocatedBy(() -> {
            for (int i = 0; i < CALLS; i++) {
                if (breaker.tryAcquirePermission()) {
                    breaker.onSuccess(10);
                }
            }
        });
        breaker.tryAcquirePermission();
        breaker.onError(1, new IOException());
        long openBytes = allocatedBy(() -> {
            for (int i = 0; i < CALLS; i++) {
                if (breaker.tryAcquirePermission()) {
                    throw new AssertionError("an open breaker permitted a call");
                }
            }
        });

        assertThat(closedBytes).isLessThan(CALLS / 100);
        assertThat(openBytes).isLessThan(CALLS / 100);
        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void executeOnClosedBreakerAllocatesNothing() {
        StateMachineCircuitBreaker breaker = breaker();

        long bytes = allocatedBy(() -> {
            for (int i = 0; i < CALLS; i++) {
                breaker.execute(() -> RESULT);
            }
        });

        assertThat(bytes).isLessThan(CALLS / 100);
    }

    @Test
    void openRejectionAllocatesNothing() {
        StateMachineCircuitBreaker breaker = breaker();
        breaker.tryAcquirePermission();
        breaker.onError(1, new IOException());
        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);

        long bytes = allocatedBy(() -> {
            for (int i = 0; i < CALLS; i++) {
                if (breaker.tryAcquirePermission()) {
                    throw new AssertionError("an open breaker permitted a call");
                }
            }
        });

        assertThat(bytes).isLessThan(CALLS / 100);
        assertThat(breaker.stats().rejected()).isEqualTo(2L * CALLS);
    }

    @Test
    void counterSeesAllocation() {
        // Guards the other tests against a counter that always reads zero.
        Object[][] sink = new Object[1][];

        long bytes = allocatedBy(() -> {
            for (int i = 0; i < CALLS; i++) {
                sink[0] = new Object[1];
            }
        });

        assertThat(bytes).isGreaterThanOrEqualTo(16L * CALLS);
        assertThat(sink[0]).hasSize(1);
    }
}
