package dev.reliability.circuitbreaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.internal.Preconditions;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class CircuitBreakerConfigTest {

    @Test
    void defaultsAreDocumentedConstants() {
        CircuitBreakerConfig config = CircuitBreakerConfig.ofDefaults();

        assertThat(config.failureThreshold()).isEqualTo(5);
        assertThat(config.successThreshold()).isEqualTo(1);
        assertThat(config.halfOpenPermits()).isEqualTo(1);
        assertThat(config.openDuration()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.openDurationMultiplier()).isEqualTo(1.0);
        assertThat(config.maxOpenDuration()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.maxWaitInHalfOpen()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.countWindowSize()).isZero();
        assertThat(config.timeWindow()).isZero();
        assertThat(config.hasWindow()).isFalse();
        assertThat(config.minimumCalls()).isEqualTo(10);
        assertThat(config.failureRateThreshold()).isEqualTo(50.0);
        assertThat(config.slowCallDuration()).isZero();
        assertThat(config.slowCallRateThreshold()).isEqualTo(100.0);
        assertThat(config.ignored()).isEmpty();
        assertThat(config.recordOn().test(new Error())).isTrue();
        assertThat(config.recordResult().test(null)).isFalse();
    }

    @Test
    void halfOpenPermitsFollowSuccessThresholdUnlessSet() {
        assertThat(CircuitBreakerConfig.builder().successThreshold(3).build().halfOpenPermits())
                .isEqualTo(3);
        assertThat(CircuitBreakerConfig.builder()
                        .successThreshold(3)
                        .halfOpenPermits(1)
                        .build()
                        .halfOpenPermits())
                .isEqualTo(1);
    }

    @Test
    void toBuilderKeepsDerivedValuesDerived() {
        CircuitBreakerConfig derived = CircuitBreakerConfig.ofDefaults().toBuilder()
                .successThreshold(4)
                .openDuration(Duration.ofMinutes(5))
                .build();

        assertThat(derived.halfOpenPermits()).isEqualTo(4);
        assertThat(derived.maxOpenDuration()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void toBuilderCopiesEveryValue() {
        Predicate<Throwable> recordOn = t -> true;
        Predicate<Object> recordResult = r -> r == null;
        CircuitBreakerConfig config = CircuitBreakerConfig.builder()
                .failureThreshold(2)
                .successThreshold(3)
                .halfOpenPermits(4)
                .openDuration(Duration.ofSeconds(5))
                .openDurationMultiplier(1.5)
                .maxOpenDuration(Duration.ofSeconds(50))
                .maxWaitInHalfOpen(Duration.ofSeconds(7))
                .countBasedWindow(20)
                .minimumCalls(8)
                .failureRateThreshold(30)
                .slowCallDuration(Duration.ofMillis(300))
                .slowCallRateThreshold(40)
                .recordOn(recordOn)
                .ignore(IllegalStateException.class)
                .recordResult(recordResult)
                .build();

        CircuitBreakerConfig copy = config.toBuilder().build();

        assertThat(copy).isEqualTo(config).hasSameHashCodeAs(config).isNotSameAs(config);
        assertThat(copy.toString()).isEqualTo(config.toString());
        assertThat(config.toString())
                .startsWith("CircuitBreakerConfig[failureThreshold=2, successThreshold=3, halfOpenPermits=4, ")
                .contains("maxOpenDuration=PT50S", "countWindowSize=20", "ignored=[java.lang.IllegalStateException]");
        assertThat(config.ignored()).containsExactly(IllegalStateException.class);
    }

    @Test
    void equalityComparesPredicatesByIdentity() {
        CircuitBreakerConfig a =
                CircuitBreakerConfig.builder().recordOn(t -> true).build();
        CircuitBreakerConfig b =
                CircuitBreakerConfig.builder().recordOn(t -> true).build();

        assertThat(a).isNotEqualTo(b).isNotEqualTo(null).isNotEqualTo("config");
        assertThat(CircuitBreakerConfig.builder().build()).isEqualTo(CircuitBreakerConfig.ofDefaults());
        assertThat(CircuitBreakerConfig.ofDefaults()).isEqualTo(CircuitBreakerConfig.ofDefaults());
        assertThat(CircuitBreakerConfig.ofDefaults().toString())
                .contains("recordOn=all throwables", "recordResult=no results");
    }

    @Test
    void everyValueTakesPartInEquality() {
        CircuitBreakerConfig base = CircuitBreakerConfig.ofDefaults();
        assertThat(base.toBuilder().failureThreshold(2).build()).isNotEqualTo(base);
        assertThat(base.toBuilder().successThreshold(2).build()).isNotEqualTo(base);
        assertThat(base.toBuilder().halfOpenPermits(2).build()).isNotEqualTo(base);
        assertThat(base.toBuilder().openDuration(Duration.ofSeconds(1)).build()).isNotEqualTo(base);
        assertThat(base.toBuilder().openDurationMultiplier(2).build()).isNotEqualTo(base);
        assertThat(base.toBuilder().maxOpenDuration(Duration.ofHours(1)).build())
                .isNotEqualTo(base);
        assertThat(base.toBuilder().maxWaitInHalfOpen(Duration.ofSeconds(1)).build())
                .isNotEqualTo(base);
        assertThat(base.toBuilder().countBasedWindow(5).build()).isNotEqualTo(base);
        assertThat(base.toBuilder().timeBasedWindow(Duration.ofSeconds(5)).build())
                .isNotEqualTo(base);
        assertThat(base.toBuilder().minimumCalls(2).build()).isNotEqualTo(base);
        assertThat(base.toBuilder().failureRateThreshold(20).build()).isNotEqualTo(base);
        assertThat(base.toBuilder()
                        .countBasedWindow(5)
                        .slowCallDuration(Duration.ofSeconds(1))
                        .build())
                .isNotEqualTo(base.toBuilder().countBasedWindow(5).build());
        assertThat(base.toBuilder().slowCallRateThreshold(20).build()).isNotEqualTo(base);
        assertThat(base.toBuilder().ignore(IOException.class).build()).isNotEqualTo(base);
        assertThat(base.toBuilder().recordResult(r -> true).build()).isNotEqualTo(base);
    }

    @Test
    void growingOpenDurationIsUnboundedUnlessCapped() {
        assertThat(CircuitBreakerConfig.builder()
                        .openDurationMultiplier(2)
                        .build()
                        .maxOpenDuration())
                .isEqualTo(Preconditions.MAX_DURATION);
    }

    @Test
    void windowsReplaceEachOther() {
        CircuitBreakerConfig time = CircuitBreakerConfig.builder()
                .countBasedWindow(10)
                .timeBasedWindow(Duration.ofSeconds(3))
                .build();
        CircuitBreakerConfig count = CircuitBreakerConfig.builder()
                .timeBasedWindow(Duration.ofSeconds(3))
                .countBasedWindow(10)
                .build();

        assertThat(time.countWindowSize()).isZero();
        assertThat(time.timeWindow()).isEqualTo(Duration.ofSeconds(3));
        assertThat(time.hasWindow()).isTrue();
        assertThat(count.countWindowSize()).isEqualTo(10);
        assertThat(count.timeWindow()).isZero();
        assertThat(count.hasWindow()).isTrue();
    }

    @Test
    void ignoreReplacesEarlierTypesAndMatchesSubtypes() {
        CircuitBreakerConfig config = CircuitBreakerConfig.builder()
                .ignore(IOException.class)
                .ignore(RuntimeException.class)
                .build();

        assertThat(config.ignored()).isEqualTo(Set.of(RuntimeException.class));
        assertThat(config.isIgnored(new IllegalStateException())).isTrue();
        assertThat(config.isIgnored(new IOException())).isFalse();
        assertThat(CircuitBreakerConfig.ofDefaults().isIgnored(new IOException()))
                .isFalse();
    }

    @Test
    void settersRejectBadValuesWithNamedMessages() {
        CircuitBreakerConfig.Builder b = CircuitBreakerConfig.builder();
        assertThatThrownBy(() -> b.failureThreshold(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("failureThreshold must be >= 1, was 0");
        assertThatThrownBy(() -> b.successThreshold(0)).hasMessage("successThreshold must be >= 1, was 0");
        assertThatThrownBy(() -> b.halfOpenPermits(0)).hasMessage("halfOpenPermits must be >= 1, was 0");
        assertThatThrownBy(() -> b.halfOpenPermits(2_000_000))
                .hasMessage("halfOpenPermits must be <= 1048576, was 2000000");
        assertThatThrownBy(() -> b.openDuration(Duration.ZERO)).hasMessage("openDuration must be > 0, was PT0S");
        assertThatThrownBy(() -> b.openDuration(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> b.openDurationMultiplier(0.5))
                .hasMessage("openDurationMultiplier must be a finite number >= 1, was 0.5");
        assertThatThrownBy(() -> b.maxOpenDuration(Duration.ofSeconds(-1)))
                .hasMessage("maxOpenDuration must be > 0, was PT-1S");
        assertThatThrownBy(() -> b.maxWaitInHalfOpen(Duration.ZERO))
                .hasMessage("maxWaitInHalfOpen must be > 0, was PT0S");
        assertThatThrownBy(() -> b.countBasedWindow(0)).hasMessage("countBasedWindow must be >= 1, was 0");
        assertThatThrownBy(() -> b.countBasedWindow(1 << 21))
                .hasMessage("countBasedWindow must be <= 1048576, was 2097152");
        assertThatThrownBy(() -> b.timeBasedWindow(Duration.ofNanos(5)))
                .hasMessage("timeBasedWindow must be >= 10ns, was PT0.000000005S");
        assertThatThrownBy(() -> b.minimumCalls(0)).hasMessage("minimumCalls must be >= 1, was 0");
        assertThatThrownBy(() -> b.failureRateThreshold(0)).hasMessage("failureRateThreshold must be > 0, was 0");
        assertThatThrownBy(() -> b.failureRateThreshold(101))
                .hasMessage("failureRateThreshold must be in [0, 100], was 101");
        assertThatThrownBy(() -> b.slowCallRateThreshold(Double.NaN))
                .hasMessage("slowCallRateThreshold must be in [0, 100], was NaN");
        assertThatThrownBy(() -> b.slowCallDuration(Duration.ZERO))
                .hasMessage("slowCallDuration must be > 0, was PT0S");
        assertThatThrownBy(() -> b.recordOn(null)).hasMessage("predicate");
        assertThatThrownBy(() -> b.recordResult(null)).hasMessage("predicate");
        assertThatThrownBy(() -> b.ignore((Class<? extends Throwable>[]) null)).hasMessage("types");
        assertThatThrownBy(() -> b.ignore(IOException.class, null)).hasMessage("types element");
    }

    @Test
    void buildChecksValuesThatDependOnEachOther() {
        assertThatThrownBy(() -> CircuitBreakerConfig.builder()
                        .openDuration(Duration.ofSeconds(10))
                        .maxOpenDuration(Duration.ofSeconds(5))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxOpenDuration must be >= openDuration (PT10S), was PT5S");
        assertThatThrownBy(() -> CircuitBreakerConfig.builder()
                        .slowCallDuration(Duration.ofSeconds(1))
                        .build())
                .hasMessage("slowCallDuration needs a sliding window (countBasedWindow or timeBasedWindow), was PT1S");
    }
}
