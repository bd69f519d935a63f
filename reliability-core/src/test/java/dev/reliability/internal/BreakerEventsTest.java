package dev.reliability.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.circuitbreaker.CircuitBreakerListener;
import dev.reliability.circuitbreaker.CircuitState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one fan-out of breaker events: who hears what, the one catch point, and detaching. */
class BreakerEventsTest {

    /** Two kinds, as a breaker defines them: a rejection to everyone, a success to outcome listeners. */
    private enum Kind implements BreakerEvents.Kind<CircuitBreakerListener> {
        REJECTED,
        SUCCESS;

        @Override
        public String method() {
            return this == REJECTED ? "onCallNotPermitted" : "onSuccess";
        }

        @Override
        public void deliver(CircuitBreakerListener listener, String source, Object subject, long value) {
            if (this == REJECTED) {
                listener.onCallNotPermitted(source, (CircuitState) subject);
            } else {
                listener.onSuccess(source, value);
            }
        }
    }

    private final List<String> heard = new ArrayList<>();

    /** Records rejections under its label; it inherits the outcome methods' no-op defaults. */
    private class Recording implements CircuitBreakerListener {
        final String label;

        Recording(String label) {
            this.label = label;
        }

        @Override
        public void onCallNotPermitted(String breakerName, CircuitState state) {
            heard.add(label + ":" + breakerName + ":" + state);
        }
    }

    private final CircuitBreakerListener rejections = new Recording("rejections");

    private final CircuitBreakerListener outcomes = new Recording("outcomes") {
        @Override
        public void onSuccess(String breakerName, long durationNanos) {
            heard.add(label + ":" + breakerName + ":" + durationNanos);
        }
    };

    private final CircuitBreakerListener throwing = new CircuitBreakerListener() {
        @Override
        public void onCallNotPermitted(String breakerName, CircuitState state) {
            throw new IllegalStateException("listener bug");
        }

        @Override
        public void onSuccess(String breakerName, long durationNanos) {
            throw new IllegalStateException("listener bug");
        }
    };

    private BreakerEvents<CircuitBreakerListener> events(CircuitBreakerListener... listeners) {
        return BreakerEvents.of(Arrays.asList(listeners), CircuitBreakerListener.class);
    }

    @Test
    void everyListenerHearsEventsInOrderAndOnlyOutcomeListenersHearOutcomes() {
        BreakerEvents<CircuitBreakerListener> events = events(rejections, outcomes);

        events.publish(Kind.REJECTED, "payments", CircuitState.OPEN, 0L);
        events.publishOutcome(Kind.SUCCESS, "payments", null, 42L);

        assertThat(heard).containsExactly("rejections:payments:OPEN", "outcomes:payments:OPEN", "outcomes:payments:42");
        assertThat(events.hearsOutcomes()).isTrue();
        assertThat(events(rejections).hearsOutcomes()).isFalse();
    }

    @Test
    void aListenerThatThrowsIsSkippedAndTheOthersStillHear() {
        BreakerEvents<CircuitBreakerListener> events = events(throwing, outcomes);

        events.publish(Kind.REJECTED, "payments", CircuitState.HALF_OPEN, 0L);
        events.publishOutcome(Kind.SUCCESS, "payments", null, 7L);

        assertThat(heard).containsExactly("outcomes:payments:HALF_OPEN", "outcomes:payments:7");
    }

    @Test
    void aVirtualMachineErrorFromAListenerIsRethrown() {
        CircuitBreakerListener fatal = new CircuitBreakerListener() {
            @Override
            public void onSuccess(String breakerName, long durationNanos) {
                throw new StackOverflowError("limit");
            }
        };
        BreakerEvents<CircuitBreakerListener> events = events(fatal, outcomes);

        assertThatThrownBy(() -> events.publishOutcome(Kind.SUCCESS, "payments", null, 1L))
                .isInstanceOf(StackOverflowError.class)
                .hasMessage("limit");
        assertThat(heard).isEmpty();
    }

    @Test
    void detachedEventsReachNobody() {
        BreakerEvents<CircuitBreakerListener> events = events(rejections, outcomes);
        assertThat(events.hasListeners()).isTrue();

        events.detach();
        events.publish(Kind.REJECTED, "payments", CircuitState.OPEN, 0L);
        events.publishOutcome(Kind.SUCCESS, "payments", null, 42L);

        assertThat(heard).isEmpty();
        assertThat(events.hasListeners()).isFalse();
        assertThat(events().hasListeners()).isFalse();
    }

    @Test
    void aNullListenerIsRejected() {
        assertThatThrownBy(() -> events(rejections, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("listener");
    }

    @Test
    void aBindingIsTakenOnce() {
        BreakerEvents<CircuitBreakerListener> events = events(rejections);

        BreakerEvents.bindNext(events);

        assertThat(BreakerEvents.<CircuitBreakerListener>takeBound()).isSameAs(events);
        assertThat(BreakerEvents.<CircuitBreakerListener>takeBound()).isNull();
    }
}
